import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { argumentPrompt, collectArguments, commandPickItems, commandSource, validateArgument } from '../src/commands';
import { CommandInfo } from '../src/protocol';

const ticket = { name: 'ticket', description: 'Ticket key, e.g. SHOP-12', required: true, default: null };
const note = { name: 'note', description: '', required: false, default: 'none' };
const implement: CommandInfo = {
  name: 'implement-ticket', description: 'Implement a ticket end to end', arguments: [ticket, note],
  uri: 'file:///repo/.orchestra/commands/implement-ticket.md', layer: 'repository',
};
const explain: CommandInfo = {
  name: 'explain-selection', description: 'Explain the selected code', arguments: [],
  uri: 'file:///venv/lib/orchestra_lsp/commands/explain-selection.md', layer: 'builtin',
};

test('the quick pick lists commands by name with description and where they come from', () => {
  const items = commandPickItems([implement, explain], '/repo');
  assert.deepEqual(items.map((i) => i.label), ['explain-selection', 'implement-ticket']);
  assert.equal(items[1].description, 'repository · .orchestra/commands/implement-ticket.md');
  assert.equal(items[1].detail, 'Implement a ticket end to end — <ticket> [note]');
  assert.equal(items[0].description, 'builtin · commands/explain-selection.md');
  assert.equal(commandSource({ ...explain, layer: undefined, source: 'user' }), 'user · /venv/lib/orchestra_lsp/commands/explain-selection.md');
  assert.equal(commandSource({ name: 'mcp:x:y', description: '', arguments: [], layer: 'mcp' }), 'mcp');
  assert.equal(commandSource({ ...implement, uri: 'file:///repo/a%20b.md' }, '/repo/'), 'repository · a b.md');
});

test('required arguments must not be blank; optional ones may be', () => {
  assert.equal(validateArgument(ticket, ''), 'ticket is required');
  assert.equal(validateArgument(ticket, '   '), 'ticket is required');
  assert.equal(validateArgument(ticket, 'SHOP-12'), undefined);
  assert.equal(validateArgument(note, ''), undefined);
  assert.equal(validateArgument(note, 'a\u0000b'), 'note cannot contain a NUL character');
});

test('empty optional arguments are left for the server to default', () => {
  assert.deepEqual(collectArguments([ticket, note], [' SHOP-12 ', '']), { ticket: 'SHOP-12' });
  assert.deepEqual(collectArguments([ticket, note], ['SHOP-1', 'fast']), { ticket: 'SHOP-1', note: 'fast' });
});

test('each input box says which argument, how many, and whether it is required', () => {
  assert.deepEqual(argumentPrompt(implement, ticket, 0), {
    title: 'Orchestra: implement-ticket (1/2)',
    prompt: 'ticket: Ticket key, e.g. SHOP-12',
    placeHolder: 'ticket (required)',
  });
  assert.deepEqual(argumentPrompt(implement, note, 1), {
    title: 'Orchestra: implement-ticket (2/2)',
    prompt: 'note (optional)',
    placeHolder: 'default: none',
  });
});
