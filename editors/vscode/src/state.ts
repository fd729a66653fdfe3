// What the extension knows about runs, folded from their events: the status bar's
// text and each run's progress message come from here. No vscode import.

import { formatArguments, formatCost, formatTokens } from './format';
import { FINAL_EVENTS, RunEvent } from './protocol';

export type RunState = 'starting' | 'running' | 'waiting' | 'finished' | 'failed' | 'cancelled';

/** What a running run is doing right now: it says what the person waits for. */
export type Activity = 'starting' | 'model' | 'writing' | 'tool' | 'gate' | 'ended';

export interface RunView {
  runId: string;
  command: string;
  state: RunState;
  step: string;
  agent: string;
  index: number;
  total: number;
  tool: string;
  gate: string;
  tokens: number;
  cost: number;
  error: string;
  startedAt: number;
  finishedAt?: number;
  /** The command's arguments, as the run started with them. */
  arguments: Record<string, unknown>;
  activity: Activity;
  /** When the current activity began (ms, the tracker's clock). */
  since: number;
  /** The running tool's main argument (a path, a command line), shortened. */
  toolDetail: string;
  /** What the agent said last: the latest finished step's output (its summary of a change). */
  said: string;
  /** The run's notices (what an undo leaves out, git's state), in order. */
  notices: { level: string; message: string }[];
}

export function isActive(run: RunView): boolean {
  return run.state === 'starting' || run.state === 'running' || run.state === 'waiting';
}

export class RunTracker {
  readonly runs = new Map<string, RunView>();
  private lastRun: string | undefined;

  constructor(private now: () => number = Date.now) {}

  /** A run this client started (before its first event arrives). */
  started(runId: string, command: string, args?: Record<string, unknown>): RunView {
    const existing = this.runs.get(runId);
    if (existing) {
      if (args && !Object.keys(existing.arguments).length) existing.arguments = args;
      return existing;
    }
    const run: RunView = {
      runId, command, state: 'starting', step: '', agent: '', index: 0, total: 0, tool: '', gate: '',
      tokens: 0, cost: 0, error: '', startedAt: this.now(), arguments: {}, activity: 'starting',
      since: this.now(), toolDetail: '', said: '', notices: [],
    };
    if (args) run.arguments = args;
    this.runs.set(runId, run);
    this.lastRun = runId;
    return run;
  }

  private doing(run: RunView, activity: Activity): void {
    if (run.activity !== activity) run.since = this.now();
    run.activity = activity;
  }

  apply(e: RunEvent): RunView {
    const run = this.runs.get(e.run_id) ?? this.started(e.run_id, typeof e.command === 'string' ? e.command : '');
    if (!FINAL_EVENTS.has(e.type) && !isActive(run)) return run; // late events of an ended run
    switch (e.type) {
      case 'run_started':
        run.command = String(e.command ?? run.command);
        run.total = Array.isArray(e.steps) ? e.steps.length : 0;
        if (e.arguments && typeof e.arguments === 'object') run.arguments = e.arguments as Record<string, unknown>;
        run.state = 'running';
        this.doing(run, 'model');
        break;
      case 'step_started':
        run.state = 'running';
        run.step = String(e.step_id);
        run.agent = String(e.agent);
        run.index = Number(e.index) || 0;
        run.total = Number(e.total) || run.total;
        run.tool = '';
        run.gate = '';
        run.activity = 'model';
        run.since = this.now(); // a new step: a new model call
        break;
      case 'text_delta':
        this.doing(run, 'writing');
        break;
      case 'model_retry':
        run.activity = 'model';
        run.since = this.now();
        break;
      case 'tool_call_started':
        run.tool = String(e.tool);
        run.toolDetail = toolDetail(e.arguments);
        run.activity = 'tool';
        run.since = this.now();
        break;
      case 'tool_call_finished':
        run.tool = '';
        run.toolDetail = '';
        run.activity = 'model';
        run.since = this.now();
        break;
      case 'step_finished':
        if (typeof e.output === 'string' && e.output.trim() && !e.parent_step) run.said = e.output.trim();
        break;
      case 'notice':
        run.notices.push({ level: String(e.level ?? 'info'), message: String(e.message ?? '') });
        break;
      case 'usage':
        run.tokens += (Number(e.input_tokens) || 0) + (Number(e.output_tokens) || 0);
        run.cost = Number(e.run_cost_usd) || run.cost;
        break;
      case 'gate_opened':
      case 'permission_asked':
        run.state = 'waiting';
        run.gate = e.type === 'gate_opened' ? String(e.gate) : 'permission';
        this.doing(run, 'gate');
        break;
      case 'gate_decided':
      case 'permission_decided':
        run.state = 'running';
        run.gate = '';
        this.doing(run, run.tool ? 'tool' : 'model');
        break;
      case 'run_finished':
        run.state = 'finished';
        run.cost = Number(e.cost_usd) || run.cost;
        break;
      case 'run_failed':
        run.state = 'failed';
        run.error = String(e.error ?? '');
        break;
      case 'run_cancelled':
        run.state = 'cancelled';
        run.error = String(e.reason ?? '');
        break;
    }
    if (FINAL_EVENTS.has(e.type)) {
      run.finishedAt = this.now();
      run.tool = '';
      run.gate = '';
      run.activity = 'ended';
    }
    this.lastRun = run.runId;
    return run;
  }

  active(): RunView[] {
    return [...this.runs.values()].filter(isActive);
  }

  /** The run the status bar shows: an active one if any, else the last one. */
  current(): RunView | undefined {
    const active = this.active();
    if (active.length) return active[active.length - 1];
    return this.lastRun ? this.runs.get(this.lastRun) : undefined;
  }
}

/** The main argument of a tool call, for "running edit greet.py". */
function toolDetail(args: unknown): string {
  if (!args || typeof args !== 'object') return '';
  const a = args as Record<string, unknown>;
  for (const key of ['path', 'file_path', 'command', 'pattern', 'url', 'query', 'question']) {
    if (typeof a[key] === 'string' && a[key]) return shortText(a[key] as string, 60);
  }
  return '';
}

function shortText(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= max ? flat : flat.slice(0, max - 1) + '…';
}

/** Seconds as the progress shows them: "4 s", "1 min 5 s". */
export function elapsed(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${s % 60} s`;
}

/** What the run is doing, in words: "waiting for the model (4 s)", "running edit greet.py (1 s)". */
export function activityText(run: RunView, now: number = Date.now()): string {
  const time = elapsed(now - run.since);
  switch (run.activity) {
    case 'starting':
      return 'starting';
    case 'model':
      return `waiting for the model (${time})`;
    case 'writing':
      return `the model is writing (${time})`;
    case 'tool':
      if (run.tool === 'ask_user') return 'waiting for your answer';
      return `running ${run.tool}${run.toolDetail ? ` ${run.toolDetail}` : ''} (${time})`;
    case 'gate':
      return `waiting for your ${run.gate || 'answer'}`;
    case 'ended':
      return run.state;
  }
}

/** The progress notification's title: the command, its arguments and the run id, so
 * that two runs of one command can be told apart (and which Stop Run stops which). */
export function progressTitle(run: RunView): string {
  const args = formatArguments(run.arguments);
  return `Orchestra: ${run.command}${args ? ` (${args})` : ''} · run ${run.runId}`;
}

/** The progress notification's message for a run. */
export function progressMessage(run: RunView, now: number = Date.now()): string {
  const parts: string[] = [];
  if (run.state !== 'starting' && run.step) parts.push(`${run.step} (${run.agent}) ${run.index + 1}/${run.total}`);
  parts.push(activityText(run, now));
  parts.push(`${formatTokens(run.tokens)} tokens`);
  parts.push(formatCost(run.cost));
  return parts.join(' · ');
}

/** Whether the message changes by itself as time passes (a clock is shown). */
export function ticking(run: RunView): boolean {
  return isActive(run) && (run.activity === 'model' || run.activity === 'writing' || (run.activity === 'tool' && run.tool !== 'ask_user'));
}

/** Fraction of the run done (0..100), for the progress bar. */
export function percentage(run: RunView): number {
  if (!run.total) return 0;
  if (!isActive(run)) return 100;
  return Math.min(99, Math.round((100 * run.index) / run.total));
}

export interface StatusText { text: string; tooltip: string }

export function statusText(run: RunView | undefined, activeCount: number): StatusText {
  if (!run) return { text: '$(hubot) Orchestra', tooltip: 'Orchestra: no run yet. Click to run a command.' };
  const more = activeCount > 1 ? ` +${activeCount - 1}` : '';
  const cost = formatCost(run.cost);
  switch (run.state) {
    case 'starting':
    case 'running':
      return {
        text: `$(sync~spin) Orchestra: ${run.command}${run.step ? ` · ${run.step}` : ''} · ${cost}${more}`,
        tooltip: `Run ${run.runId}: ${progressMessage(run)}`,
      };
    case 'waiting':
      return {
        text: `$(bell) Orchestra: ${run.command} · your ${run.gate || 'answer'} · ${cost}${more}`,
        tooltip: `Run ${run.runId} waits for your ${run.gate || 'answer'}`,
      };
    case 'finished':
      return { text: `$(check) Orchestra: ${run.command} · ${cost}`, tooltip: `Run ${run.runId} finished · ${cost}` };
    case 'failed':
      return { text: `$(error) Orchestra: ${run.command} failed`, tooltip: `Run ${run.runId} failed: ${run.error}` };
    case 'cancelled':
      return { text: `$(circle-slash) Orchestra: ${run.command} stopped · ${cost}`, tooltip: `Run ${run.runId} stopped` };
  }
}

/** One run's own status-bar entry (while it is active): which run, and what it does. */
export function runStatusText(run: RunView, now: number = Date.now()): StatusText {
  const icon = run.state === 'waiting' ? '$(bell)' : '$(sync~spin)';
  const short = run.activity === 'gate' || (run.activity === 'tool' && run.tool === 'ask_user')
    ? `your ${run.gate || 'answer'}`
    : run.activity === 'tool' ? `${run.tool} ${elapsed(now - run.since)}`
    : run.activity === 'starting' ? 'starting' : `model ${elapsed(now - run.since)}`;
  const args = Object.values(run.arguments).map((v) => shortText(String(v), 20)).join(' ');
  return {
    text: `${icon} ${run.command}${args ? ` ${args}` : ''} · ${short} · ${formatCost(run.cost)}`,
    tooltip: `${progressTitle(run)}\n${progressMessage(run, now)}\nClick for its menu: show, stop, review, log.`,
  };
}
