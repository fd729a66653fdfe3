import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { argumentPrompt, collectArguments, commandPickItems, commandSource, validateArgument } from '../src/commands';
import { CommandInfo } from '../src/protocol';

const ticket = { name: 'ticket', description: 'Ticket key, e.g. SHOP-12', required: true, default: null };
const note = { name: 'note', description: '', required: false, default: 'none' };
const base = { mode: 'orchestration', steps: [], codeAction: null };
const implement: CommandInfo = {
  ...base, name: 'implement-ticket', description: 'Implement a ticket end to end', arguments: [ticket, note],
  uri: 'file:///repo/.orchestra/commands/implement-ticket.md', layer: 'repository',
};
const explain: CommandInfo = {
  ...base, name: 'explain-selection', description: 'Explain the selected code', arguments: [],
  uri: 'file:///venv/lib/orchestra_lsp/commands/explain-selection.md', layer: 'built-in',
};
const mine: CommandInfo = { ...explain, name: 'tidy', uri: 'file:///home/me/.config/orchestra/commands/tidy.md', layer: 'user config' };
const qa: CommandInfo = {
  ...explain, name: 'qa-ticket', arguments: [ticket],
  unavailable: "needs the MCP server 'tickets' (agent qa), which no .mcp.json or settings define",
};
const prompt: CommandInfo = { ...explain, name: 'mcp.docs.search', uri: '', layer: 'mcp' };

test('the picker lists the repository first, then the user, MCP prompts, built-ins; hint and description visible', () => {
  const items = commandPickItems([qa, explain, prompt, mine, implement], '/repo');
  assert.deepEqual(items.map((i) => i.label), [
    'implement-ticket <ticket> [note]', 'tidy', 'mcp.docs.search', 'explain-selection', '$(circle-slash) qa-ticket <ticket>',
  ]);
  assert.deepEqual(items.map((i) => i.group), ['repository', 'user', 'mcp', 'built-in', 'built-in']);
  assert.equal(items[0].description, 'Implement a ticket end to end');
  assert.equal(items[0].detail, 'repository · .orchestra/commands/implement-ticket.md');
  assert.equal(items[3].detail, 'built-in · commands/explain-selection.md');
  assert.equal(items[4].detail, "unavailable: needs the MCP server 'tickets' (agent qa), which no .mcp.json or settings define · built-in · commands/explain-selection.md");
  assert.equal(commandSource({ ...explain, layer: 'user' }), 'user · /venv/lib/orchestra_lsp/commands/explain-selection.md');
  assert.equal(commandSource({ ...prompt, uri: '' }), 'mcp');
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
