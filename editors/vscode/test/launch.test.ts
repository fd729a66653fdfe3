import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { exitedMessage, expandPath, findExecutable, notFoundMessage, resolveLaunch, workspaceCandidates, interpreterCandidates } from '../src/launch';

const base = { command: '', args: ['serve'], pythonPath: '', env: {} };

test('the server command wins, then the Python interpreter, then orchestra on PATH', () => {
  assert.deepEqual(resolveLaunch({ ...base, command: '/v/bin/orchestra', pythonPath: '/usr/bin/python3' }), {
    command: '/v/bin/orchestra', args: ['serve'], origin: 'orchestra.server.command',
  });
  assert.deepEqual(resolveLaunch({ ...base, pythonPath: '/v/bin/python' }), {
    command: '/v/bin/python', args: ['-m', 'orchestra_lsp', 'serve'], origin: 'orchestra.pythonPath',
  });
  assert.deepEqual(resolveLaunch({ ...base, args: [] }), { command: 'orchestra', args: ['serve'], origin: 'PATH' });
  assert.deepEqual(resolveLaunch({ ...base, args: ['serve', '--log-level', 'DEBUG'] }).args, ['serve', '--log-level', 'DEBUG']);
});

test('paths expand ~ and ${workspaceFolder}, and relative ones resolve in the workspace', () => {
  assert.equal(expandPath('~/venv/bin/orchestra', '/w', '/home/me'), '/home/me/venv/bin/orchestra');
  assert.equal(expandPath('${workspaceFolder}/.venv/bin/orchestra', '/w', '/h'), '/w/.venv/bin/orchestra');
  assert.equal(expandPath('.venv/bin/orchestra', '/w', '/h'), '/w/.venv/bin/orchestra');
  assert.equal(expandPath('orchestra', '/w', '/h'), 'orchestra');
});

test('executables are found by path or on PATH, and only when they can run', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orchestra-launch-'));
  const exe = path.join(dir, 'orchestra');
  fs.writeFileSync(exe, '#!/bin/sh\n', { mode: 0o755 });
  const plain = path.join(dir, 'plain');
  fs.writeFileSync(plain, '', { mode: 0o644 });
  try {
    assert.equal(findExecutable(exe, ''), exe);
    assert.equal(findExecutable('orchestra', `/nonexistent${path.delimiter}${dir}`), exe);
    assert.equal(findExecutable('orchestra', '/nonexistent'), undefined);
    assert.equal(findExecutable(dir, ''), undefined);
    if (process.getuid?.() !== 0) assert.equal(findExecutable(plain, ''), undefined);
  } finally {
    fs.rmSync(dir, { recursive: true });
  }
});

test('a server that cannot start says why and how to fix it', () => {
  const missing = notFoundMessage({ command: '/nope/orchestra', args: ['serve'], origin: 'orchestra.server.command' });
  assert.match(missing, /"orchestra.server.command" is `\/nope\/orchestra`, which does not exist/);
  assert.match(missing, /pip install orchestra-lsp/);
  assert.match(notFoundMessage({ command: 'orchestra', args: ['serve'], origin: 'PATH' }), /no `orchestra` executable on PATH/);
  const python = { command: '/usr/bin/python3', args: ['-m', 'orchestra_lsp', 'serve'], origin: 'orchestra.pythonPath' as const };
  const noModule = exitedMessage(python, 1, 'Traceback...\n/usr/bin/python3: No module named orchestra_lsp\n');
  assert.match(noModule, /exited with code 1 before it started: .*No module named orchestra_lsp/);
  assert.match(noModule, /\/usr\/bin\/python3 -m pip install orchestra-lsp/);
  const old = exitedMessage({ command: 'orchestra', args: ['serve'], origin: 'PATH' }, 2, "error: argument cmd: invalid choice: 'serve'");
  assert.match(old, /too old to serve editors/);
});

test('with nothing configured, a virtualenv in the workspace is looked at too', () => {
  assert.deepEqual(workspaceCandidates('/w'), ['/w/.venv/bin/orchestra', '/w/venv/bin/orchestra', '/w/.env/bin/orchestra']);
});

test('the Python extension\'s interpreter: orchestra beside its python, or in its environment', () => {
  assert.deepEqual(interpreterCandidates('/p/.venv/bin/python3.12'), ['/p/.venv/bin/orchestra']);
  assert.deepEqual(interpreterCandidates('/p/.venv/bin/python'), ['/p/.venv/bin/orchestra']);
  assert.deepEqual(interpreterCandidates('/p/envs/tools'), ['/p/envs/tools/bin/orchestra']);
});
