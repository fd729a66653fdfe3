// Orchestra's own LSP methods and their payloads (camelCase on the wire), mirroring
// server/orchestra_lsp/lsp/protocol.py. Events mirror engine/events.py (snake_case:
// they are sent as the journal writes them).

export const Methods = {
  commands: 'orchestra/commands',
  agents: 'orchestra/agents',
  run: 'orchestra/run',
  runs: 'orchestra/runs',
  proposal: 'orchestra/proposal',
  decide: 'orchestra/decide',
  cancel: 'orchestra/cancel',
  context: 'orchestra/context',
  /** `{runId}` of an interrupted run with a pending proposal → `{runId}` of its new review. */
  recover: 'orchestra/recover',
  /** `{runId, file?, step?}` → `{runId}` of the undo run, whose proposal is reviewed like any other. */
  undo: 'orchestra/undo',
  /** `BatchParams` → the first `BatchProgress`: a command run once per item. */
  batch: 'orchestra/batch',
  /** `BatchRef` `{batchId}` → `CancelResult`: its items' runs going on are cancelled, the others not run. */
  cancelBatch: 'orchestra/cancelBatch',
  /** Server → client notification: `BatchProgress`, as items start and end, then once done. */
  batchProgress: 'orchestra/batchProgress',
  /** `ResumeParams` `{runId, fromStep?}` → `{runId}` of a new run that continues it, its finished steps reused. */
  resume: 'orchestra/resume',
  /** `{runId}` → `RunPageResult`: the run's self-contained HTML page, written beside its journal. */
  runPage: 'orchestra/runPage',
  /** `McpLoginParams` → `McpLoginResult`: OAuth login to an MCP server. */
  mcpLogin: 'orchestra/mcpLogin',
  event: 'orchestra/event',
  ask: 'orchestra/ask',
  /** Server → client: `EditParams` → `EditResult`, an approve gate's output edited by the person. */
  edit: 'orchestra/edit',
  /** `RunRef` → `GateInfo`: the run's open approve or budget gate. */
  gate: 'orchestra/gate',
  reloadCommand: 'orchestra.reload',
} as const;

// Every payload, the listings, the review payloads and the outcome vocabulary are generated from the
// server's pydantic models (src/generated/protocol.ts, `npm run generate`), never copied by hand.
export type {
  AgentsResult,
  ArgumentInfo,
  AskParams,
  AskResult,
  BatchItemInfo,
  BatchParams,
  BatchProgress,
  BatchRef,
  CancelResult,
  CommandInfo,
  CommandsResult,
  ContextResult,
  DecideParams,
  DecideResult,
  DiagnosticInfo,
  EditParams,
  EditResult,
  FileChoice,
  FileDecided,
  GateChoice,
  GateInfo,
  HunkInfo,
  Manifest as ContextManifest,
  McpLoginParams,
  McpLoginResult,
  Outcome,
  Position,
  ProposalFile,
  ProposalResult,
  Range,
  ResumeParams,
  RunInfo,
  RunPageResult,
  RunParams,
  RunRef,
  RunStarted,
  RunsResult,
  StepContext,
  StepInfo,
  UndoParams,
} from './generated/protocol';

/** One engine event (engine/events.py), as sent in `orchestra/event`. */
export interface RunEvent {
  type: string;
  run_id: string;
  [key: string]: unknown;
}

export const FINAL_EVENTS = new Set(['run_finished', 'run_failed', 'run_cancelled']);
