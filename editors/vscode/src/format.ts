// The run log: engine events turned into lines for the "Orchestra" output channel.
// Plain TypeScript (no vscode import) so it is unit-tested with node's test runner.

import { BatchItemInfo, BatchProgress, ContextResult, RunEvent } from './protocol';

const MAX_ARGS = 120;
const MAX_SUMMARY = 160;

export function shorten(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= max ? flat : flat.slice(0, max - 1) + '…';
}

/** Python's round(): to the nearest integer, halves to the even one. */
function roundEven(x: number): number {
  const floor = Math.floor(x);
  const rest = x - floor;
  return rest > 0.5 || (rest === 0.5 && floor % 2 !== 0) ? floor + 1 : floor;
}

/**
 * A duration as the CLI prints it (server/orchestra_lsp/durations.py `for_people`, the
 * same thresholds and units): `<1 ms`, `39 ms`, `1.2 s`, `2 min 5 s`, `1 h 3 min`; `?`
 * for a negative value (a clock that stepped back).
 */
export function formatDuration(ms: number): string {
  if (!(ms >= 0)) return '?';
  if (ms > 0 && ms < 0.5) return '<1 ms';
  if (roundEven(ms) < 1000) return `${roundEven(ms)} ms`;
  const tenths = roundEven(ms / 100);
  if (tenths < 600) return `${(tenths / 10).toFixed(1)} s`;
  const seconds = roundEven(ms / 1000);
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
  const minutes = roundEven(ms / 60_000);
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** A time as people say it: "just now", "42 s ago", "2 min ago", "3 h ago", else the date. */
export function formatAgo(iso: string, now: number = Date.now()): string {
  const then = Date.parse(iso);
  if (Number.isNaN(then)) return iso;
  const s = Math.round((now - then) / 1000);
  if (s < 5) return 'just now';
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  const d = new Date(then);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/**
 * The word a person reads for a run's or a batch item's state: the protocol's `cancelled`
 * is `stopped`, as the CLI and the reports say (journal/models.py STATE_WORDS).
 */
export function stateWord(state: string): string {
  return state === 'cancelled' ? 'stopped' : state;
}

export function formatCost(usd: number | null | undefined): string {
  if (usd === null || usd === undefined || Number.isNaN(usd)) return '$0.00';
  if (usd === 0) return '$0.00';
  return usd < 0.01 ? `$${usd.toFixed(4)}` : `$${usd.toFixed(2)}`;
}

export function formatTokens(n: number): string {
  if (n < 1000) return String(n);
  if (n < 1_000_000) return `${(n / 1000).toFixed(n < 10_000 ? 1 : 0)}k`;
  return `${(n / 1_000_000).toFixed(1)}M`;
}

export function formatArguments(args: unknown): string {
  if (!args || typeof args !== 'object') return '';
  const entries = Object.entries(args as Record<string, unknown>).map(
    ([k, v]) => `${k}=${typeof v === 'string' ? JSON.stringify(shorten(v, 60)) : JSON.stringify(v)}`,
  );
  return shorten(entries.join(', '), MAX_ARGS);
}

const str = (v: unknown): string => (typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v));
const num = (v: unknown): number => (typeof v === 'number' ? v : Number(v) || 0);

/**
 * Formats a run's events into log lines. Streaming text arrives in small deltas:
 * they are gathered and written as whole lines, flushed when anything else happens.
 */
export class EventLog {
  private pending = new Map<string, string>();

  /** The complete lines this event adds to the log (possibly none). */
  add(event: RunEvent): string[] {
    if (event.type === 'text_delta') {
      const buffered = (this.pending.get(event.run_id) ?? '') + str(event.text);
      const cut = buffered.lastIndexOf('\n');
      if (cut < 0) {
        this.pending.set(event.run_id, buffered);
        return [];
      }
      this.pending.set(event.run_id, buffered.slice(cut + 1));
      return buffered.slice(0, cut).split('\n').map((l) => `    ${l}`);
    }
    if (event.type === 'model_retry') {
      this.pending.delete(event.run_id);
      return [`  ↻ model stream broke off (${str(event.reason)}); retrying the turn`];
    }
    const lines = this.flush(event.run_id);
    const line = formatEvent(event);
    if (line !== undefined) lines.push(...line.split('\n'));
    return lines;
  }

  /** Text still buffered for a run, as lines. */
  flush(runId: string): string[] {
    const rest = this.pending.get(runId);
    this.pending.delete(runId);
    return rest && rest.trim() ? [`    ${rest}`] : [];
  }
}

/** One event as one log line (several for a multi-line message); undefined to skip. */
export function formatEvent(e: RunEvent): string | undefined {
  switch (e.type) {
    case 'run_started': {
      const args = formatArguments(e.arguments);
      const steps = Array.isArray(e.steps) ? (e.steps as string[]).join(' → ') : '';
      // Every model the steps use, as the CLI's header; none for a run that calls no
      // model (a review, an undo).
      const models = Array.isArray(e.models) && e.models.length ? (e.models as string[]) : [str(e.model)].filter(Boolean);
      const named = models.length ? ` · ${models.length > 1 ? 'models ' : ''}${models.join(', ')}` : '';
      return `▶ ${str(e.command)}${args ? ` (${args})` : ''} · run ${e.run_id} · ${str(e.mode)}${named}` +
        (steps ? `\n  steps: ${steps}` : '');
    }
    case 'step_started': {
      const attempt = num(e.attempt) > 1 ? `, attempt ${num(e.attempt)}` : '';
      return `── step ${str(e.step_id)} · agent ${str(e.agent)} (${num(e.index) + 1}/${num(e.total)}${attempt})`;
    }
    case 'text_delta':
      return undefined;
    case 'tool_call_started':
      return `  → ${str(e.tool)}(${formatArguments(e.arguments)})`;
    case 'tool_call_finished': {
      const status = e.is_error ? ' ERROR' : '';
      const summary = shorten(str(e.summary), MAX_SUMMARY);
      return `  ← ${str(e.tool)} · ${formatDuration(num(e.duration_ms))}${status}${summary ? ` · ${summary}` : ''}`;
    }
    case 'permission_asked':
      return `  ? permission asked: ${str(e.tool)}(${formatArguments(e.arguments)})`;
    case 'permission_decided':
      return `  ${e.verdict === 'allow' ? '✓' : '✗'} ${str(e.tool)} ${e.verdict === 'allow' ? 'allowed' : 'denied'} by ${str(e.by)}` +
        (e.rule ? ` (${str(e.rule)})` : '');
    case 'gate_opened':
      return `  ‖ ${str(e.step_id)}: waiting for your ${str(e.gate)}`;
    case 'gate_decided':
      return `  ${e.decision === 'stop' ? '✗' : '✓'} ${str(e.gate)} gate: ${str(e.decision)} by ${str(e.by)}` +
        (e.feedback ? ` — ${shorten(str(e.feedback), MAX_SUMMARY)}` : '');
    case 'proposal_ready': {
      const files = Array.isArray(e.files) ? (e.files as { path: string; kind: string; hunks: number }[]) : [];
      const list = files.map((f) => `${f.path} (${f.kind}, ${f.hunks} hunk${f.hunks === 1 ? '' : 's'})`).join(', ');
      return `  ✎ proposed changes: ${list || 'none'}`;
    }
    case 'proposal_decided': {
      const accepted = Array.isArray(e.accepted) ? (e.accepted as string[]) : [];
      const rejected = Array.isArray(e.rejected) ? (e.rejected as string[]) : [];
      const detail = e.detail ? ` — ${str(e.detail)}` : '';
      return `  ✎ ${str(e.path)}: ${outcomeLabel(str(e.outcome))} (${accepted.length} accepted, ${rejected.length} rejected)${detail}`;
    }
    case 'usage': {
      const cached = num(e.cache_read_tokens);
      return `  · ${str(e.agent)} · ${str(e.model)} · ${formatTokens(num(e.input_tokens))} in` +
        (cached ? ` (${formatTokens(cached)} cached)` : '') +
        ` · ${formatTokens(num(e.output_tokens))} out · ${formatCost(num(e.cost_usd))} (run ${formatCost(num(e.run_cost_usd))})`;
    }
    case 'context': {
      const manifest = (e.manifest ?? {}) as Record<string, unknown>;
      const total = manifest.total_tokens ?? manifest.totalTokens;
      return typeof total === 'number' ? `  · context: ${formatTokens(total)} tokens` : undefined;
    }
    case 'notice':
      return `  ! ${str(e.level)}: ${str(e.message)}`;
    case 'step_finished':
      return `── step ${str(e.step_id)} done (${num(e.turns)} turn${num(e.turns) === 1 ? '' : 's'})`;
    case 'run_finished':
      return `■ run ${e.run_id} finished · ${formatCost(num(e.cost_usd))}`;
    case 'run_failed':
      return `✗ run ${e.run_id} failed${e.step_id ? ` in ${str(e.step_id)}` : ''}: ${str(e.error)}`;
    case 'run_cancelled':
      // The server's own reason for a person's stop is the bare word: nothing to add.
      return `■ run ${e.run_id} stopped${e.reason && e.reason !== 'cancelled' ? `: ${str(e.reason)}` : ''}`;
    default:
      return `  · ${e.type}`;
  }
}

/** `orchestra/context` as a Markdown page: per step, each source's tokens against the budget. */
export function contextMarkdown(result: ContextResult): string {
  const n = (x: number) => x.toLocaleString('en-US');
  const lines = [`# Context of ${result.command}`, ''];
  lines.push('What each step would send to the model before any conversation, in tokens. Arguments not given show as `<name>`.', '');
  for (const step of result.steps) {
    const m = step.manifest;
    lines.push(`## Step ${step.stepId} (${step.agent})`, '');
    lines.push(`${n(m.total_tokens)} of ${n(m.budget_tokens)} tokens${m.fits ? '' : ' — **does not fit the budget**'}`, '');
    lines.push('| source | tokens |', '| --- | ---: |');
    for (const [name, tokens] of Object.entries(m.sources).sort((a, b) => b[1] - a[1])) lines.push(`| ${name} | ${n(tokens)} |`);
    if (!step.mcpToolsCounted) lines.push('', '_MCP tool declarations are not counted yet._');
    lines.push('');
  }
  return lines.join('\n');
}

/** How each review outcome reads to a person (the server's `changes.landing.LABELS`). */
const OUTCOME_LABELS: Record<string, string> = {
  applied: 'applied',
  applied_in_editor: 'applied in the editor (unsaved)',
  partly_applied: 'partly applied',
  rejected: 'rejected',
  conflict: 'conflict',
  unchanged: 'unchanged',
  applied_outside_review: 'applied outside review',
  pending: 'pending (not written)',
};

export function outcomeLabel(outcome: string): string {
  return OUTCOME_LABELS[outcome] ?? outcome;
}

/** Items as a person types them: separated by commas or new lines, blanks dropped. */
export function splitItems(text: string): string[] {
  return text.split(/[,\n]/).map((item) => item.trim()).filter(Boolean);
}

/** "2/5 done · 1 finished, 1 failed · $0.03" */
export function batchMessage(progress: BatchProgress): string {
  const counts = new Map<string, number>();
  for (const item of progress.items) counts.set(stateWord(item.state), (counts.get(stateWord(item.state)) ?? 0) + 1);
  const ended = progress.items.filter((i) => i.state !== 'running' && i.state !== 'not run').length;
  const states = [...counts].map(([state, n]) => `${n} ${state}`).join(', ');
  return `${ended}/${progress.items.length} done · ${states} · ${formatCost(progress.costUsd ?? 0)}`;
}

/** One item's row: its state, verdicts and cost. */
export function itemDescription(item: BatchItemInfo): string {
  const verdicts = Object.entries(item.verdicts ?? {}).map(([step, v]) => `${step}: ${String(v)}`).join(', ');
  // A stopped item's "error" is the server's bare reason, `cancelled`: `stopped` says it.
  const error = item.state === 'cancelled' && item.error === 'cancelled' ? '' : item.error ?? '';
  return [stateWord(item.state), verdicts, formatCost(item.costUsd ?? 0), error].filter(Boolean).join(' · ');
}
