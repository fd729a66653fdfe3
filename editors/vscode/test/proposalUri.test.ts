import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { parseProposalUri, proposalUriParts } from '../src/proposalUri';

test('a proposal URI names the run, the file and the side, and reads back', () => {
  const parts = proposalUriParts({ runId: '20250101-abc', path: 'src/a b/ü.py', side: 'original' });
  assert.deepEqual(parts, { scheme: 'orchestra-proposal', path: '/20250101-abc/src/a b/ü.py', query: 'original' });
  assert.deepEqual(parseProposalUri(parts.path, parts.query), { runId: '20250101-abc', path: 'src/a b/ü.py', side: 'original' });
  assert.deepEqual(parseProposalUri('/r/x.py', 'proposed'), { runId: 'r', path: 'x.py', side: 'proposed' });
  assert.equal(parseProposalUri('/only-run', 'proposed'), undefined);
});
