import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { SENTINEL, startTicked } from '../src/previewEdit';

const range = (line: number) => ({ start: { line, character: 0 }, end: { line: line + 1, character: 0 } });
const review = {
  label: 'Orchestra: developer · review',
  edit: {
    documentChanges: [
      { textDocument: { uri: 'file:///w/a.py', version: null }, edits: [{ range: range(4), newText: 'x\n', annotationId: 'a.py#h1' }] },
      { textDocument: { uri: 'file:///w/b.md', version: 3 }, edits: [{ range: range(2), newText: 'y\n', annotationId: 'b.md#h1' }] },
    ],
    changeAnnotations: {
      'a.py#h1': { label: 'developer · review: a.py', needsConfirmation: true },
      'b.md#h1': { label: 'developer · review: b.md', needsConfirmation: true },
    },
  },
};

test('a review opens with every hunk ticked and one empty row that asks for confirmation', () => {
  const out = startTicked(review);
  const annotations = out.edit.changeAnnotations!;
  assert.equal(annotations['a.py#h1'].needsConfirmation, false);
  assert.equal(annotations['b.md#h1'].needsConfirmation, false);
  assert.equal(annotations[SENTINEL].needsConfirmation, true);
  const [a, b] = out.edit.documentChanges as { edits: { newText: string; annotationId?: string }[] }[];
  assert.deepEqual(a.edits.map((e) => [e.newText, e.annotationId]), [['', SENTINEL], ['x\n', 'a.py#h1']]);
  assert.equal(b.edits.length, 1);
  assert.equal(review.edit.changeAnnotations['a.py#h1'].needsConfirmation, true); // not mutated
});

test('an edit that asks for no confirmation is left alone', () => {
  const plain = { edit: { documentChanges: [{ textDocument: { uri: 'file:///w/a.py', version: 1 }, edits: [{ range: range(1), newText: 'z' }] }] } };
  assert.equal(startTicked(plain), plain);
});
