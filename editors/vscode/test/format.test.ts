import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { EventLog, contextMarkdown, formatAgo, formatCost, formatDuration, formatEvent, formatTokens, shorten } from '../src/format';

const R = 'r-1';

test('durations read as the CLI prints them (durations.py for_people, halves to even)', () => {
  // Written by for_people itself, for these values.
  const cli: [number, string][] = [
    [-1, '?'], [0, '0 ms'], [0.2, '<1 ms'], [0.5, '0 ms'], [0.7, '1 ms'], [2.5, '2 ms'],
    [38.628, '39 ms'], [999.4, '999 ms'], [999.5, '1.0 s'], [999.6, '1.0 s'], [1050, '1.0 s'],
    [1150, '1.2 s'], [1530, '1.5 s'], [59_949, '59.9 s'], [59_950, '1 min 0 s'],
    [119_700, '2 min 0 s'], [125_000, '2 min 5 s'], [3_599_500, '1 h 0 min'],
    [3_630_000, '1 h 0 min'], [172_800_000, '48 h 0 min'],
  ];
  assert.deepEqual(cli.map(([ms]) => [ms, formatDuration(ms)]), cli);
});

test('durations, costs and tokens read like a person would write them', () => {
  assert.equal(formatDuration(12.4), '12 ms');
  assert.equal(formatDuration(1530), '1.5 s');
  assert.equal(formatDuration(125_000), '2 min 5 s');
  assert.equal(formatCost(0), '$0.00');
  assert.equal(formatCost(0.00123), '$0.0012');
  assert.equal(formatCost(1.5), '$1.50');
  assert.equal(formatCost(undefined), '$0.00');
  assert.equal(formatTokens(950), '950');
  assert.equal(formatTokens(1234), '1.2k');
  assert.equal(formatTokens(45_678), '46k');
  assert.equal(formatTokens(2_500_000), '2.5M');
  assert.equal(shorten('a\n  b   c', 10), 'a b c');
  assert.equal(shorten('abcdefghijkl', 5), 'abcd…');
});

test('a tool call shows its tool, arguments, duration and errors', () => {
  assert.equal(
    formatEvent({ type: 'tool_call_started', run_id: R, step_id: 's', call_id: 'c', tool: 'read_file', arguments: { path: 'a.py' } }),
    '  → read_file(path="a.py")',
  );
  assert.equal(
    formatEvent({ type: 'tool_call_finished', run_id: R, step_id: 's', call_id: 'c', tool: 'run_shell', duration_ms: 1530, is_error: true, summary: 'exit 1\nboom' }),
    '  ← run_shell · 1.5 s ERROR · exit 1 boom',
  );
});

test('usage shows agent, tokens, cache hits and cost', () => {
  const line = formatEvent({
    type: 'usage', run_id: R, step_id: 's', agent: 'developer', model: 'claude-sonnet-4-5',
    input_tokens: 1200, output_tokens: 40, cache_read_tokens: 1000, cache_write_tokens: 0, cost_usd: 0.004, run_cost_usd: 0.012,
  });
  assert.equal(line, '  · developer · claude-sonnet-4-5 · 1.2k in (1.0k cached) · 40 out · $0.0040 (run $0.01)');
});

test('run and step boundaries, proposals and endings', () => {
  assert.equal(
    formatEvent({ type: 'run_started', run_id: R, command: 'tidy', arguments: { ticket: 'SHOP-1' }, workspace: '/w', mode: 'orchestration', steps: ['a', 'b'], model: 'm' }),
    '▶ tidy (ticket="SHOP-1") · run r-1 · orchestration · m\n  steps: a → b',
  );
  // Steps on different models name them all; a run that calls no model names none.
  assert.equal(
    formatEvent({ type: 'run_started', run_id: R, command: 'tidy', arguments: {}, mode: 'orchestration', steps: ['a'], model: 'm', models: ['m', 'h'] }),
    '▶ tidy · run r-1 · orchestration · models m, h\n  steps: a',
  );
  assert.equal(
    formatEvent({ type: 'run_started', run_id: R, command: 'undo', arguments: {}, mode: 'orchestration', steps: ['undo'], model: '', models: [] }),
    '▶ undo · run r-1 · orchestration\n  steps: undo',
  );
  assert.equal(
    formatEvent({ type: 'step_started', run_id: R, step_id: 'fix', agent: 'developer', index: 1, total: 3, attempt: 2 }),
    '── step fix · agent developer (2/3, attempt 2)',
  );
  assert.equal(
    formatEvent({ type: 'proposal_ready', run_id: R, step_id: 'fix', files: [{ path: 'a.py', kind: 'modify', hunks: 2 }, { path: 'b.md', kind: 'create', hunks: 1 }] }),
    '  ✎ proposed changes: a.py (modify, 2 hunks), b.md (create, 1 hunk)',
  );
  assert.equal(
    formatEvent({ type: 'proposal_decided', run_id: R, step_id: 'fix', path: 'a.py', accepted: ['h1'], rejected: ['h2'], outcome: 'applied', detail: '' }),
    '  ✎ a.py: applied (1 accepted, 1 rejected)',
  );
  assert.equal(formatEvent({ type: 'run_finished', run_id: R, cost_usd: 0.02, output: 'x' }), '■ run r-1 finished · $0.02');
  assert.equal(formatEvent({ type: 'run_failed', run_id: R, error: 'boom', step_id: 'fix' }), '✗ run r-1 failed in fix: boom');
  // a run a person ended reads `stopped`, as the CLI says; a reason other than the bare word follows
  assert.equal(formatEvent({ type: 'run_cancelled', run_id: R, reason: 'cancelled' }), '■ run r-1 stopped');
  assert.equal(formatEvent({ type: 'run_cancelled', run_id: R, reason: 'a hook said stop' }), '■ run r-1 stopped: a hook said stop');
  assert.equal(formatEvent({ type: 'gate_opened', run_id: R, step_id: 'fix', gate: 'review' }), '  ‖ fix: waiting for your review');
  assert.equal(formatEvent({ type: 'something_new', run_id: R }), '  · something_new');
});

test('streamed text is written as whole lines, flushed when something else happens', () => {
  const log = new EventLog();
  assert.deepEqual(log.add({ type: 'text_delta', run_id: R, step_id: 's', text: 'Hel' }), []);
  assert.deepEqual(log.add({ type: 'text_delta', run_id: R, step_id: 's', text: 'lo\nwor' }), ['    Hello']);
  assert.deepEqual(log.add({ type: 'text_delta', run_id: 'other', step_id: 's', text: 'x' }), []);
  assert.deepEqual(log.add({ type: 'tool_call_started', run_id: R, step_id: 's', call_id: 'c', tool: 'edit', arguments: {} }), [
    '    wor',
    '  → edit()',
  ]);
  assert.deepEqual(log.flush('other'), ['    x']);
  assert.deepEqual(log.flush('other'), []);
});

test('a retried model turn drops its partial text', () => {
  const log = new EventLog();
  log.add({ type: 'text_delta', run_id: R, step_id: 's', text: 'partial' });
  assert.deepEqual(log.add({ type: 'model_retry', run_id: R, step_id: 's', reason: 'stream cut' }), [
    '  ↻ model stream broke off (stream cut); retrying the turn',
  ]);
  assert.deepEqual(log.flush(R), []);
});

test("the context page lists each step's sources, biggest first, against the budget", () => {
  const parts = { conversation: [], conversation_tokens: 0, pinned_tokens: 0, cuts: [] };
  const page = contextMarkdown({
    command: 'implement-ticket',
    steps: [
      { stepId: 'design', agent: 'architect', mcpToolsCounted: false, manifest: { sources: { tools: 300, persistent_context: 1200 }, total_tokens: 1500, budget_tokens: 150000, fits: true, ...parts } },
      { stepId: 'implement', agent: 'developer', mcpToolsCounted: true, manifest: { sources: { instructions: 9 }, total_tokens: 200000, budget_tokens: 150000, fits: false, ...parts } },
    ],
  });
  assert.match(page, /^# Context of implement-ticket/);
  assert.match(page, /## Step design \(architect\)\n\n1,500 of 150,000 tokens\n\n\| source \| tokens \|\n\| --- \| ---: \|\n\| persistent_context \| 1,200 \|\n\| tools \| 300 \|/);
  assert.match(page, /MCP tool declarations are not counted yet/);
  assert.match(page, /200,000 of 150,000 tokens — \*\*does not fit the budget\*\*/);
});

test('times read as people say them', () => {
  const now = Date.parse('2026-12-01T10:00:00Z');
  assert.equal(formatAgo('2026-12-01T09:59:58.123456+00:00', now), 'just now');
  assert.equal(formatAgo('2026-12-01T09:59:18+00:00', now), '42 s ago');
  assert.equal(formatAgo('2026-12-01T09:58:00+00:00', now), '2 min ago');
  assert.equal(formatAgo('2026-12-01T07:00:00+00:00', now), '3 h ago');
  assert.match(formatAgo('2026-11-20T07:05:00+00:00', now), /^2026-11-2\d \d\d:05$/);
  assert.equal(formatAgo('not a date', now), 'not a date');
});
