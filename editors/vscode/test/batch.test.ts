import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { batchMessage, itemDescription, splitItems } from '../src/format';

test('items are split on commas and new lines, blanks dropped', () => {
  assert.deepEqual(splitItems(' Ada, Bob ,\nCy,, '), ['Ada', 'Bob', 'Cy']);
  assert.deepEqual(splitItems(' , '), []);
});

test("a batch's progress counts the items by state, with the cost", () => {
  const items = [
    { item: 'Ada', state: 'finished' as const, costUsd: 0.01, verdicts: { check: 'pass' } },
    { item: 'Bob', state: 'failed' as const, costUsd: 0.02, error: 'boom' },
    { item: 'Cy', state: 'running' as const },
  ];
  const message = batchMessage({ batchId: 'b', command: 'qa', argument: 'ticket', isolated: false, items, costUsd: 0.03 });
  assert.equal(message, '2/3 done · 1 finished, 1 failed, 1 running · $0.03');
  assert.equal(itemDescription(items[0]), 'finished · check: pass · $0.01');
  assert.equal(itemDescription(items[1]), 'failed · $0.02 · boom');
});

test('a stopped batch says its items were stopped, as the CLI does, not cancelled', () => {
  const items = [
    { item: 'Ada', state: 'cancelled' as const, costUsd: 0.01, error: 'cancelled' },
    { item: 'Bob', state: 'cancelled' as const, error: 'not run: the batch was cancelled' },
  ];
  const message = batchMessage({ batchId: 'b', command: 'qa', argument: 'ticket', isolated: false, items, costUsd: 0.01, done: true });
  assert.equal(message, '2/2 done · 2 stopped · $0.01');
  assert.equal(itemDescription(items[0]), 'stopped · $0.01');
  assert.equal(itemDescription(items[1]), 'stopped · $0.00 · not run: the batch was cancelled');
});
