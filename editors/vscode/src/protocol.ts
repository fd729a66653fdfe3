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
  /** `{runId}` → `RunPageResult`: the run's self-contained HTML page, written beside its journal. */
  runPage: 'orchestra/runPage',
  event: 'orchestra/event',
  ask: 'orchestra/ask',
  reloadCommand: 'orchestra.reload',
} as const;

export interface RunPageResult {
  runId: string;
  uri: string;
  reportUri?: string | null;
}

export interface Position { line: number; character: number }
export interface Range { start: Position; end: Position }

export interface DiagnosticInfo {
  range: Range;
  message: string;
  severity?: number | null;
  source?: string | null;
  code?: number | string | null;
}

export interface RunParams {
  command: string;
  arguments: Record<string, string>;
  uri?: string;
  range?: Range;
  diagnostics?: DiagnosticInfo[];
}

export interface RunStarted { runId: string }

// The listings, the review payloads and the outcome vocabulary are generated from the server's pydantic
// models (src/generated/protocol.ts, `npm run generate`), never copied by hand.
export type {
  ArgumentInfo,
  CommandInfo,
  CommandsResult,
  RunInfo,
  RunsResult,
  DecideParams,
  DecideResult,
  FileChoice,
  FileDecided,
  GateChoice,
  HunkInfo,
  Outcome,
  ProposalFile,
  ProposalResult,
} from './generated/protocol';

/** The engine's context manifest (context/models.py `Manifest`, snake_case as dumped). */
export interface ContextManifest {
  sources: Record<string, number>;
  conversation?: { index: number; role: string; tokens: number; label: string }[];
  pinned_tokens?: number;
  conversation_tokens?: number;
  total_tokens: number;
  budget_tokens: number;
  fits: boolean;
  cuts?: { kind: string; detail: string; tokens_before: number; tokens_after: number }[];
}

export interface StepContext {
  stepId: string;
  agent: string;
  manifest: ContextManifest;
  /** False when the agent may use MCP tools, whose declarations are not counted yet. */
  mcpToolsCounted: boolean;
}

export interface ContextResult {
  command: string;
  steps: StepContext[];
}

export interface AskParams {
  runId: string;
  stepId: string;
  question: string;
  choices?: string[] | null;
}

export interface AskResult { answer: string | null }

/** One engine event (engine/events.py), as sent in `orchestra/event`. */
export interface RunEvent {
  type: string;
  run_id: string;
  [key: string]: unknown;
}

export const FINAL_EVENTS = new Set(['run_finished', 'run_failed', 'run_cancelled']);
