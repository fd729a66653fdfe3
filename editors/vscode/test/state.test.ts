import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { RunTracker, percentage, progressMessage, progressTitle, runStatusText, statusText } from '../src/state';

test('a run goes from starting through its steps and gates to finished', () => {
  let now = 1000;
  const t = new RunTracker(() => now);
  const run = t.started('r1', 'tidy');
  assert.equal(run.state, 'starting');
  assert.equal(progressMessage(run), 'starting · 0 tokens · $0.00');
  t.apply({ type: 'run_started', run_id: 'r1', command: 'tidy', arguments: { path: 'src' }, workspace: '/w', mode: 'orchestration', steps: ['plan', 'fix'], model: 'm' });
  assert.equal(progressTitle(run), 'Orchestra: tidy (path="src") · run r1');
  t.apply({ type: 'step_started', run_id: 'r1', step_id: 'fix', agent: 'developer', index: 1, total: 2 });
  now = 5200;
  assert.equal(progressMessage(run, now), 'fix (developer) 2/2 · waiting for the model (4 s) · 0 tokens · $0.00');
  t.apply({ type: 'usage', run_id: 'r1', step_id: 'fix', agent: 'developer', model: 'm', input_tokens: 900, output_tokens: 100, cache_read_tokens: 0, cache_write_tokens: 0, cost_usd: 0.01, run_cost_usd: 0.03 });
  t.apply({ type: 'tool_call_started', run_id: 'r1', step_id: 'fix', call_id: 'c', tool: 'edit', arguments: { command: 'str_replace', path: 'greet.py' } });
  now = 6300;
  assert.equal(progressMessage(run, now), 'fix (developer) 2/2 · running edit greet.py (1 s) · 1.0k tokens · $0.03');
  assert.equal(runStatusText(run, now).text, '$(sync~spin) tidy src · edit 1 s · $0.03');
  assert.equal(percentage(run), 50);
  t.apply({ type: 'gate_opened', run_id: 'r1', step_id: 'fix', gate: 'review' });
  assert.equal(run.state, 'waiting');
  assert.equal(progressMessage(run, now + 60_000), 'fix (developer) 2/2 · waiting for your review · 1.0k tokens · $0.03');
  assert.match(statusText(run, 1).text, /\$\(bell\) Orchestra: tidy · your review · \$0.03/);
  t.apply({ type: 'gate_decided', run_id: 'r1', step_id: 'fix', gate: 'review', decision: 'approve', by: 'person' });
  assert.equal(run.state, 'running');
  now = 9000;
  t.apply({ type: 'run_finished', run_id: 'r1', cost_usd: 0.04, output: '' });
  assert.equal(run.state, 'finished');
  assert.equal(run.finishedAt, 9000);
  assert.equal(percentage(run), 100);
  assert.equal(statusText(run, 0).text, '$(check) Orchestra: tidy · $0.04');
  assert.deepEqual(t.active(), []);
});

test('the status bar shows the active run, and how many others run', () => {
  const t = new RunTracker();
  assert.equal(statusText(t.current(), 0).text, '$(hubot) Orchestra');
  t.apply({ type: 'run_started', run_id: 'a', command: 'one', arguments: {}, workspace: '', mode: '', steps: ['s'], model: '' });
  t.apply({ type: 'run_started', run_id: 'b', command: 'two', arguments: {}, workspace: '', mode: '', steps: ['s'], model: '' });
  t.apply({ type: 'run_failed', run_id: 'b', error: 'no key' });
  assert.equal(t.current()?.runId, 'a');
  t.apply({ type: 'run_started', run_id: 'c', command: 'three', arguments: {}, workspace: '', mode: '', steps: ['s'], model: '' });
  assert.match(statusText(t.current(), t.active().length).text, /three · \$0.00 \+1$/);
  t.apply({ type: 'run_cancelled', run_id: 'a', reason: 'by you' });
  t.apply({ type: 'run_cancelled', run_id: 'c', reason: 'by you' });
  assert.equal(statusText(t.current(), 0).text, '$(circle-slash) Orchestra: three stopped · $0.00');
  assert.equal(statusText(t.runs.get('c'), 0).tooltip, 'Run c stopped');
  assert.equal(statusText(t.runs.get('b'), 0).tooltip, 'Run b failed: no key');
});

test('events after the end do not revive a run', () => {
  const t = new RunTracker();
  t.apply({ type: 'run_cancelled', run_id: 'x', reason: 'stop' });
  t.apply({ type: 'step_started', run_id: 'x', step_id: 's', agent: 'a', index: 0, total: 1 });
  assert.equal(t.runs.get('x')?.state, 'cancelled');
});
