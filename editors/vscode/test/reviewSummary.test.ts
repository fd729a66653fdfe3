import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { reviewSummaryMarkdown, undoConflicts } from '../src/reviewSummary';
import { RunTracker } from '../src/state';

test("the review page starts with the agent's summary, then the files and how to decide", () => {
  const t = new RunTracker(() => 0);
  t.apply({ type: 'run_started', run_id: 'r1', command: 'tidy', arguments: { path: 'src' }, steps: ['fix'] });
  t.apply({ type: 'step_started', run_id: 'r1', step_id: 'fix', agent: 'developer', index: 0, total: 1 });
  t.apply({ type: 'step_finished', run_id: 'r1', step_id: 'fix/task-1', parent_step: 'fix', output: 'a sub-agent said this' });
  const run = t.apply({ type: 'step_finished', run_id: 'r1', step_id: 'fix', output: 'Renamed x to count.\nNo behaviour change.' });
  const page = reviewSummaryMarkdown(run, [{ path: 'a.py', kind: 'modify', hunks: 2 }, { path: 'b.py', kind: 'create', hunks: 1 }], 'refactorPreview');
  assert.ok(page.startsWith('# Review: tidy path="src"\n\nRun r1.'));
  assert.match(page, /## What developer says\n\n> Renamed x to count.\n> No behaviour change./);
  assert.ok(!page.includes('sub-agent'));
  assert.match(page, /- `a.py` — changed, 2 hunks\n- `b.py` — new file, 1 hunk/);
  assert.match(page, /Refactor Preview/);
  assert.match(reviewSummaryMarkdown(run, [{ path: 'a.py', kind: 'modify', hunks: 1 }], 'diffEditor'), /Accept This File/);
  assert.ok(!page.includes('Not taken back'));
});

test("an undo's conflicts say what, where, and what the person can do", () => {
  const t = new RunTracker(() => 0);
  t.apply({ type: 'run_started', run_id: 'u1', command: 'undo', arguments: { undoes: 'r1' }, steps: ['undo'] });
  t.apply({ type: 'notice', run_id: 'u1', level: 'warning', message: 'git: greet.py has uncommitted changes' });
  const run = t.apply({ type: 'notice', run_id: 'u1', level: 'warning', message: 'not undone: greet.py: conflict: lines 4–4 as the run left them were edited since; left as they are' });
  assert.deepEqual(undoConflicts(run), [{ path: 'greet.py', detail: 'conflict: lines 4–4 as the run left them were edited since; left as they are' }]);
  const page = reviewSummaryMarkdown(run, [], 'refactorPreview');
  assert.match(page, /## Not taken back: 1 conflict\n\n- `greet.py`: lines 4–4 as the run left them were edited since; left as they are/);
  assert.match(page, /Nothing there was overwritten/);
  assert.match(page, /undo the later run/);
  assert.match(page, /## Before you decide\n\n- git: greet.py has uncommitted changes/);
  assert.match(page, /Nothing is proposed for review/);
});
