// What the extension knows about runs, folded from their events: the status bar's
// text and each run's progress message come from here. No vscode import.

import { formatCost, formatTokens } from './format';
import { FINAL_EVENTS, RunEvent } from './protocol';

export type RunState = 'starting' | 'running' | 'waiting' | 'finished' | 'failed' | 'cancelled';

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
}

export function isActive(run: RunView): boolean {
  return run.state === 'starting' || run.state === 'running' || run.state === 'waiting';
}

export class RunTracker {
  readonly runs = new Map<string, RunView>();
  private lastRun: string | undefined;

  constructor(private now: () => number = Date.now) {}

  /** A run this client started (before its first event arrives). */
  started(runId: string, command: string): RunView {
    const existing = this.runs.get(runId);
    if (existing) return existing;
    const run: RunView = {
      runId, command, state: 'starting', step: '', agent: '', index: 0, total: 0, tool: '', gate: '',
      tokens: 0, cost: 0, error: '', startedAt: this.now(),
    };
    this.runs.set(runId, run);
    this.lastRun = runId;
    return run;
  }

  apply(e: RunEvent): RunView {
    const run = this.runs.get(e.run_id) ?? this.started(e.run_id, typeof e.command === 'string' ? e.command : '');
    if (!FINAL_EVENTS.has(e.type) && !isActive(run)) return run; // late events of an ended run
    switch (e.type) {
      case 'run_started':
        run.command = String(e.command ?? run.command);
        run.total = Array.isArray(e.steps) ? e.steps.length : 0;
        run.state = 'running';
        break;
      case 'step_started':
        run.state = 'running';
        run.step = String(e.step_id);
        run.agent = String(e.agent);
        run.index = Number(e.index) || 0;
        run.total = Number(e.total) || run.total;
        run.tool = '';
        run.gate = '';
        break;
      case 'tool_call_started':
        run.tool = String(e.tool);
        break;
      case 'tool_call_finished':
        run.tool = '';
        break;
      case 'usage':
        run.tokens += (Number(e.input_tokens) || 0) + (Number(e.output_tokens) || 0);
        run.cost = Number(e.run_cost_usd) || run.cost;
        break;
      case 'gate_opened':
      case 'permission_asked':
        run.state = 'waiting';
        run.gate = e.type === 'gate_opened' ? String(e.gate) : 'permission';
        break;
      case 'gate_decided':
      case 'permission_decided':
        run.state = 'running';
        run.gate = '';
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

/** The progress notification's message for a run. */
export function progressMessage(run: RunView): string {
  const parts: string[] = [];
  if (run.state === 'starting') parts.push('starting');
  else if (run.step) parts.push(`${run.step} (${run.agent}) ${run.index + 1}/${run.total}`);
  if (run.gate) parts.push(`waiting for your ${run.gate}`);
  else if (run.tool) parts.push(run.tool);
  parts.push(`${formatTokens(run.tokens)} tokens`);
  parts.push(formatCost(run.cost));
  return parts.join(' · ');
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
      return { text: `$(circle-slash) Orchestra: ${run.command} cancelled · ${cost}`, tooltip: `Run ${run.runId} cancelled` };
  }
}
