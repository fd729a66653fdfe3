/* Generated from the server's pydantic models (server/orchestra_lsp/lsp/schema.py)
 * by json-schema-to-typescript. Do not edit: run `npm run generate` (see package.json). */

/**
 * What became of one file of a proposal: `applied`: applied; `applied_in_editor`: applied in the editor (unsaved); `partly_applied`: partly applied; `rejected`: rejected; `conflict`: conflict; `unchanged`: unchanged; `applied_outside_review`: applied outside review; `pending`: pending (not written)
 *
 * This interface was referenced by `OrchestraProtocol`'s JSON-Schema
 * via the `definition` "Outcome".
 */
export type Outcome =
  | 'applied'
  | 'applied_in_editor'
  | 'partly_applied'
  | 'rejected'
  | 'conflict'
  | 'unchanged'
  | 'applied_outside_review'
  | 'pending';

export interface OrchestraProtocol {}
/**
 * This interface was referenced by `OrchestraProtocol`'s JSON-Schema
 * via the `definition` "AgentInfo".
 */
export interface AgentInfo {
  description: string;
  layer: string;
  maxTurns: number;
  model: string | null;
  name: string;
  tools: string[];
  uri: string;
}
/**
 * This interface was referenced by `OrchestraProtocol`'s JSON-Schema
 * via the `definition` "AgentsResult".
 */
export interface AgentsResult {
  agents: AgentInfo[];
}
/**
 * This interface was referenced by `OrchestraProtocol`'s JSON-Schema
 * via the `definition` "ArgumentInfo".
 */
export interface ArgumentInfo {
  default: string | null;
  description: string;
  name: string;
  required: boolean;
}
/**
 * This interface was referenced by `OrchestraProtocol`'s JSON-Schema
 * via the `definition` "AskParams".
 */
export interface AskParams {
  choices?: string[] | null;
  question: string;
  runId: string;
  stepId: string;
}
/**
 * This interface was referenced by `OrchestraProtocol`'s JSON-Schema
 * via the `definition` "AskResult".
 */
export interface AskResult {
  answer?: string | null;
}
/**
 * This interface was referenced by `OrchestraProtocol`'s JSON-Schema
 * via the `definition` "BatchItemInfo".
 */
export interface BatchItemInfo {
  branch?: string | null;
  costUsd?: number;
  error?: string | null;
  item: string;
  reportUri?: string | null;
  runId?: string | null;
  state: 'finished' | 'failed' | 'cancelled' | 'interrupted' | 'running' | 'not run';
  verdicts?: {
    [k: string]: unknown;
  };
}
/**
 * `orchestra/batch`: run `command` once per item (`orchestra batch`), `parallel`
 * at a time, each a run with its own journal (in a git worktree of its own when the
 * command can propose edits). The items: `items`, or what the MCP tool call
 * `each_from` lists (`mcp__tickets__search {"status": "Ready for QA"}`). Nobody is
 * asked at an item's gates: `gates` (`design=approve`, as `--gate`) and `yes` answer
 * them, else the item stops there. Result: the first `BatchProgress`.
 *
 * This interface was referenced by `OrchestraProtocol`'s JSON-Schema
 * via the `definition` "BatchParams".
 */
export interface BatchParams {
  argument?: string | null;
  arguments?: {
    [k: string]: string;
  };
  command: string;
  eachFrom?: string | null;
  gates?: string[];
  items?: string[];
  parallel?: number;
  yes?: boolean;
}
/**
 * The result of `orchestra/batch`, and the `orchestra/batchProgress` notification
 * sent as each item starts and ends and once at the end (`done`), to clients that
 * take `orchestra/event`. Each item's own run events come as `orchestra/event` too.
 *
 * This interface was referenced by `OrchestraProtocol`'s JSON-Schema
 * via the `definition` "BatchProgress".
 */
export interface BatchProgress {
  argument: string;
  batchId: string;
  command: string;
  costUsd?: number;
  done?: boolean;
  isolated: boolean;
  items: BatchItemInfo[];
  ok?: boolean;
  summaryUri?: string | null;
}
/**
 * `orchestra/cancelBatch`: the batch to cancel (`BatchProgress.batch_id`). Its items'
 * runs going on end `cancelled`, those not started are not run; the last
 * `orchestra/batchProgress` (`done`) follows as for any batch. Result: `CancelResult`
 * (False when this server is not running that batch: ended, or unknown).
 *
 * This interface was referenced by `OrchestraProtocol`'s JSON-Schema
 * via the `definition` "BatchRef".
 */
export interface BatchRef {
  batchId: string;
}
/**
 * This interface was referenced by `OrchestraProtocol`'s JSON-Schema
 * via the `definition` "CancelResult".
 */
export interface CancelResult {
  cancelled: boolean;
}
/**
 * This interface was referenced by `OrchestraProtocol`'s JSON-Schema
 * via the `definition` "CodeActionInfo".
 */
export interface CodeActionInfo {
  kinds: string[];
  when: string;
}
/**
 * This interface was referenced by `OrchestraProtocol`'s JSON-Schema
 * via the `definition` "CommandInfo".
 */
export interface CommandInfo {
  arguments: ArgumentInfo[];
  codeAction: CodeActionInfo | null;
  description: string;
  layer: string;
  mode: string;
  name: string;
  steps: StepInfo[];
  unavailable?: string | null;
  uri: string;
}
/**
 * This interface was referenced by `OrchestraProtocol`'s JSON-Schema
 * via the `definition` "StepInfo".
 */
export interface StepInfo {
  agent: string;
  gate: ('approve' | 'review') | null;
  id: string;
  kind?: 'agent' | 'repeat' | 'for_each' | 'parallel';
  path?: string;
  steps?: StepInfo[];
}
/**
 * This interface was referenced by `OrchestraProtocol`'s JSON-Schema
 * via the `definition` "CommandsResult".
 */
export interface CommandsResult {
  commands: CommandInfo[];
}
/**
 * This interface was referenced by `OrchestraProtocol`'s JSON-Schema
 * via the `definition` "ContextParams".
 */
export interface ContextParams {
  arguments?: {
    [k: string]: string;
  };
  command: string;
}
/**
 * This interface was referenced by `OrchestraProtocol`'s JSON-Schema
 * via the `definition` "ContextResult".
 */
export interface ContextResult {
  command: string;
  steps: StepContext[];
}
/**
 * This interface was referenced by `OrchestraProtocol`'s JSON-Schema
 * via the `definition` "StepContext".
 */
export interface StepContext {
  agent: string;
  manifest: Manifest;
  mcpToolsCounted: boolean;
  stepId: string;
}
/**
 * What a prompt is made of, in tokens, and what was left out: sent to front ends as
 * an event and returned by `orchestra/context`.
 *
 * This interface was referenced by `OrchestraProtocol`'s JSON-Schema
 * via the `definition` "Manifest".
 */
export interface Manifest {
  budget_tokens: number;
  conversation: PartTokens[];
  conversation_tokens: number;
  cuts: Cut[];
  fits: boolean;
  pinned_tokens: number;
  sources: {
    [k: string]: number;
  };
  total_tokens: number;
}
/**
 * Tokens of one message of the fitted conversation.
 *
 * This interface was referenced by `OrchestraProtocol`'s JSON-Schema
 * via the `definition` "PartTokens".
 */
export interface PartTokens {
  index: number;
  label: 'instructions' | 'turn' | 'latest';
  role: string;
  tokens: number;
}
/**
 * One thing left out to stay within the budget.
 *
 * This interface was referenced by `OrchestraProtocol`'s JSON-Schema
 * via the `definition` "Cut".
 */
export interface Cut {
  detail: string;
  kind: 'tool_result_cut' | 'turns_summarised';
  message_index: number;
  messages_dropped?: number;
  tokens_after: number;
  tokens_before: number;
  tool_name?: string | null;
  tool_use_id?: string | null;
}
/**
 * This interface was referenced by `OrchestraProtocol`'s JSON-Schema
 * via the `definition` "DecideParams".
 */
export interface DecideParams {
  files?: FileChoice[];
  final?: boolean;
  gate?: GateChoice | null;
  runId: string;
}
/**
 * This interface was referenced by `OrchestraProtocol`'s JSON-Schema
 * via the `definition` "FileChoice".
 */
export interface FileChoice {
  accepted?: string[] | 'all';
  path: string;
}
/**
 * This interface was referenced by `OrchestraProtocol`'s JSON-Schema
 * via the `definition` "GateChoice".
 */
export interface GateChoice {
  decision: 'approve' | 'revise' | 'stop';
  edited?: string | null;
  feedback?: string | null;
}
/**
 * This interface was referenced by `OrchestraProtocol`'s JSON-Schema
 * via the `definition` "DecideResult".
 */
export interface DecideResult {
  files: FileDecided[];
  gateAnswered?: boolean;
  undecided: string[];
}
/**
 * This interface was referenced by `OrchestraProtocol`'s JSON-Schema
 * via the `definition` "FileDecided".
 */
export interface FileDecided {
  accepted: string[];
  path: string;
}
/**
 * The parts of an LSP diagnostic a prompt needs (`{{diagnostics}}`).
 *
 * This interface was referenced by `OrchestraProtocol`'s JSON-Schema
 * via the `definition` "DiagnosticInfo".
 */
export interface DiagnosticInfo {
  code?: number | string | null;
  message: string;
  range: Range;
  severity?: number | null;
  source?: string | null;
}
/**
 * This interface was referenced by `OrchestraProtocol`'s JSON-Schema
 * via the `definition` "Range".
 */
export interface Range {
  end: Position;
  start: Position;
}
/**
 * This interface was referenced by `OrchestraProtocol`'s JSON-Schema
 * via the `definition` "Position".
 */
export interface Position {
  character: number;
  line: number;
}
/**
 * Sent when the person picked `Edit…` at an approve gate (clients declaring
 * `experimental.orchestra.edit`): open `text` for editing and answer with the
 * edited text.
 *
 * This interface was referenced by `OrchestraProtocol`'s JSON-Schema
 * via the `definition` "EditParams".
 */
export interface EditParams {
  agent: string;
  format: 'text' | 'json';
  problem?: string | null;
  runId: string;
  stepId: string;
  text: string;
}
/**
 * This interface was referenced by `OrchestraProtocol`'s JSON-Schema
 * via the `definition` "EditResult".
 */
export interface EditResult {
  text?: string | null;
}
/**
 * `orchestra/gate` (params: `RunRef`): the run's open approve or budget gate, to
 * show the step's output (and edit it) the client's own way; answered with
 * `orchestra/decide` `{runId, gate: GateChoice}`.
 *
 * This interface was referenced by `OrchestraProtocol`'s JSON-Schema
 * via the `definition` "GateInfo".
 */
export interface GateInfo {
  agent: string;
  editable: boolean;
  format: 'text' | 'json';
  gate: 'approve' | 'budget';
  message?: string;
  output: string;
  outputSchema?: {
    [k: string]: unknown;
  } | null;
  problem?: string | null;
  runId: string;
  stepId: string;
}
/**
 * This interface was referenced by `OrchestraProtocol`'s JSON-Schema
 * via the `definition` "HunkInfo".
 */
export interface HunkInfo {
  id: string;
  newText: string;
  oldText: string;
  range: Range;
}
/**
 * `initializationOptions.orchestra` (the VS Code extension and the Neovim plugin
 * send it); every field has a default, and a bad value is reported, not fatal.
 *
 * This interface was referenced by `OrchestraProtocol`'s JSON-Schema
 * via the `definition` "InitializationOptions".
 */
export interface InitializationOptions {
  ask?: boolean;
  edit?: boolean;
  events?: boolean;
  review?: ('applyEdit' | 'proposal' | 'message') | null;
}
/**
 * `orchestra/mcpLogin`: authorize Orchestra with the `type: "http"` MCP server
 * `server` (its name in mcp.json) through OAuth. The authorization page is opened
 * with `window/showDocument` (`external: true`), or named in `window/showMessage`
 * when the client cannot open it; the request answers once the person has approved
 * in the browser (at most 300 s).
 *
 * This interface was referenced by `OrchestraProtocol`'s JSON-Schema
 * via the `definition` "McpLoginParams".
 */
export interface McpLoginParams {
  server: string;
}
/**
 * This interface was referenced by `OrchestraProtocol`'s JSON-Schema
 * via the `definition` "McpLoginResult".
 */
export interface McpLoginResult {
  server: string;
  where: string;
}
/**
 * This interface was referenced by `OrchestraProtocol`'s JSON-Schema
 * via the `definition` "ProposalFile".
 */
export interface ProposalFile {
  baseVersion: number | null;
  decided: boolean;
  hunks: HunkInfo[];
  kind: 'create' | 'modify' | 'delete';
  originalText: string | null;
  path: string;
  proposedText: string | null;
  uri: string;
}
/**
 * This interface was referenced by `OrchestraProtocol`'s JSON-Schema
 * via the `definition` "ProposalResult".
 */
export interface ProposalResult {
  agent: string;
  files: ProposalFile[];
  recovered: boolean;
  runId: string;
  stepId: string;
}
/**
 * `orchestra/resume`: continue run `run_id` (failed, stopped or interrupted) in a
 * new run of the same command and arguments, reusing the outputs of the steps it
 * finished; with `from_step`, run again from that step — a path of ids inside groups
 * (`build/review`, `build#2/review`, `qa[1]/check`), as `StepInfo.path` gives them.
 * Result: `RunStarted`, the new run. RequestFailed (with the steps' paths) when the
 * run cannot be resumed so.
 *
 * This interface was referenced by `OrchestraProtocol`'s JSON-Schema
 * via the `definition` "ResumeParams".
 */
export interface ResumeParams {
  fromStep?: string | null;
  runId: string;
}
/**
 * This interface was referenced by `OrchestraProtocol`'s JSON-Schema
 * via the `definition` "RunInfo".
 */
export interface RunInfo {
  arguments: {
    [k: string]: unknown;
  };
  awaitingReview: boolean;
  command: string;
  costUsd: number | null;
  finishedAt: string | null;
  pendingProposal: boolean;
  runId: string;
  startedAt: string;
  state: string;
  undone?: UndoneInfo | null;
}
/**
 * How far a later undo run took back a run.
 *
 * This interface was referenced by `OrchestraProtocol`'s JSON-Schema
 * via the `definition` "UndoneInfo".
 */
export interface UndoneInfo {
  by: string;
  label: string;
  whole: boolean;
}
/**
 * `orchestra/runPage` (params: `RunRef`): where the run's page was written.
 *
 * This interface was referenced by `OrchestraProtocol`'s JSON-Schema
 * via the `definition` "RunPageResult".
 */
export interface RunPageResult {
  reportUri?: string | null;
  runId: string;
  uri: string;
}
/**
 * This interface was referenced by `OrchestraProtocol`'s JSON-Schema
 * via the `definition` "RunParams".
 */
export interface RunParams {
  arguments?: {
    [k: string]: string;
  };
  command: string;
  diagnostics?: DiagnosticInfo[];
  range?: Range | null;
  selection?: string | null;
  uri?: string | null;
}
/**
 * This interface was referenced by `OrchestraProtocol`'s JSON-Schema
 * via the `definition` "RunRef".
 */
export interface RunRef {
  runId: string;
}
/**
 * This interface was referenced by `OrchestraProtocol`'s JSON-Schema
 * via the `definition` "RunStarted".
 */
export interface RunStarted {
  runId: string;
}
/**
 * This interface was referenced by `OrchestraProtocol`'s JSON-Schema
 * via the `definition` "RunsParams".
 */
export interface RunsParams {
  limit?: number;
}
/**
 * This interface was referenced by `OrchestraProtocol`'s JSON-Schema
 * via the `definition` "RunsResult".
 */
export interface RunsResult {
  runs: RunInfo[];
}
/**
 * `orchestra/undo`: take back what run `run_id` landed, or only what its step
 * `step` or its workspace-relative file `file` landed. Result: `RunStarted`, the undo
 * run, whose proposal is reviewed like any other.
 *
 * This interface was referenced by `OrchestraProtocol`'s JSON-Schema
 * via the `definition` "UndoParams".
 */
export interface UndoParams {
  file?: string | null;
  runId: string;
  step?: string | null;
}
