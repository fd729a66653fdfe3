import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { documentSelector, userConfigFolders } from '../src/folders';

test("a folder's server is sent its folder's files; only the home server the person's own", () => {
  const user = ['/home/me/.config/orchestra', '/home/me/.claude'];
  assert.deepEqual(documentSelector('file:///work/a%20b', []), [
    { scheme: 'file', pattern: { baseUri: 'file:///work/a%20b', pattern: '**' } },
  ]);
  assert.deepEqual(documentSelector('file:///work/a', user), [
    { scheme: 'file', pattern: { baseUri: 'file:///work/a', pattern: '**' } },
    { scheme: 'file', pattern: { baseUri: 'file:///home/me/.config/orchestra', pattern: '**' } },
    { scheme: 'file', pattern: { baseUri: 'file:///home/me/.claude', pattern: '**' } },
  ]);
  // no folder: configuration files wherever they are, never every file
  const loose = documentSelector(undefined, []);
  assert.ok(loose.length > 0 && loose.every((f) => f.scheme === 'file' && typeof f.pattern === 'string' && f.pattern.includes('.orchestra') || String(f.pattern).includes('CLAUDE.md')));
});

test("the person's configuration folders are where the server looks", () => {
  assert.deepEqual(userConfigFolders('linux', {}, '/home/me'), ['/home/me/.config/orchestra', '/home/me/.claude']);
  assert.deepEqual(userConfigFolders('linux', { XDG_CONFIG_HOME: '/x' }, '/home/me'), ['/x/orchestra', '/home/me/.claude']);
  assert.deepEqual(userConfigFolders('darwin', {}, '/Users/me'), ['/Users/me/Library/Application Support/orchestra', '/Users/me/.claude']);
});
