// How the language server starts, from the settings, and what to tell the person when
// it does not. No vscode import.

import * as fs from 'fs';
import * as path from 'path';

export interface ServerSettings {
  command: string;
  args: string[];
  pythonPath: string;
  env: Record<string, string>;
}

export interface Launch {
  command: string;
  args: string[];
  /** Which setting chose it, for messages. */
  origin: 'orchestra.server.command' | 'orchestra.pythonPath' | 'the Python extension\'s interpreter' | 'PATH';
}

export function resolveLaunch(settings: ServerSettings): Launch {
  const args = settings.args.length ? settings.args : ['serve'];
  if (settings.command.trim()) return { command: settings.command.trim(), args, origin: 'orchestra.server.command' };
  if (settings.pythonPath.trim()) {
    return { command: settings.pythonPath.trim(), args: ['-m', 'orchestra_lsp', ...args], origin: 'orchestra.pythonPath' };
  }
  return { command: 'orchestra', args, origin: 'PATH' };
}

/** Where `orchestra` is beside the interpreter the Python extension selected (its
 * `python` executable, or the environment's folder). */
export function interpreterCandidates(interpreter: string): string[] {
  const dir = /python[\d.]*(\.exe)?$/i.test(path.basename(interpreter)) ? path.dirname(interpreter) : path.join(interpreter, 'bin');
  return [path.join(dir, 'orchestra')];
}

/** Where `orchestra` may be when nothing is configured and it is not on PATH. */
export function workspaceCandidates(workspaceFolder: string): string[] {
  return ['.venv', 'venv', '.env'].map((dir) => path.join(workspaceFolder, dir, 'bin', 'orchestra'));
}

/** `~` and `${workspaceFolder}` in a configured path. */
export function expandPath(value: string, workspaceFolder: string | undefined, home: string): string {
  let out = value;
  if (out === '~' || out.startsWith('~/')) out = home + out.slice(1);
  if (workspaceFolder) out = out.split('${workspaceFolder}').join(workspaceFolder);
  if (!path.isAbsolute(out) && out.includes('/') && workspaceFolder) out = path.resolve(workspaceFolder, out);
  return out;
}

/** The executable's full path, or undefined when it cannot be found or run. */
export function findExecutable(command: string, envPath: string | undefined): string | undefined {
  const candidates = command.includes('/')
    ? [command]
    : (envPath ?? '').split(path.delimiter).filter(Boolean).map((dir) => path.join(dir, command));
  for (const candidate of candidates) {
    try {
      const stat = fs.statSync(candidate);
      if (stat.isFile()) {
        fs.accessSync(candidate, fs.constants.X_OK);
        return candidate;
      }
    } catch {
      // not this one
    }
  }
  return undefined;
}

export const INSTALL_HINT =
  'Install the server with `pip install orchestra-lsp` (or `pip install -e .` in the Orchestra repository), ' +
  'then set "orchestra.server.command" to its `orchestra` executable (e.g. `/path/to/.venv/bin/orchestra`) ' +
  'or "orchestra.pythonPath" to the Python interpreter it is installed in.';

export function notFoundMessage(launch: Launch): string {
  const what = launch.origin === 'PATH'
    ? 'no `orchestra` executable on PATH (nor in the workspace\'s .venv)'
    : `"${launch.origin}" is \`${launch.command}\`, which does not exist or is not executable`;
  return `Orchestra: the language server cannot start: ${what}. ${INSTALL_HINT}`;
}

/** When the process started but died before answering `initialize`. */
export function exitedMessage(launch: Launch, code: number | null, stderr: string): string {
  const last = stderr.trim().split('\n').slice(-3).join(' ').trim();
  let hint = INSTALL_HINT;
  if (/No module named ['"]?orchestra_lsp/.test(stderr)) {
    hint = `\`${launch.command}\` has no orchestra_lsp module: install it there with \`${launch.command} -m pip install orchestra-lsp\`, or point "orchestra.server.command" at an \`orchestra\` executable.`;
  } else if (/invalid choice: 'serve'|unrecognized arguments/.test(stderr)) {
    hint = 'This Orchestra is too old to serve editors: upgrade it (`pip install -U orchestra-lsp`), or check "orchestra.server.args".';
  }
  const status = code === null ? 'stopped' : `exited with code ${code}`;
  return `Orchestra: the language server \`${[launch.command, ...launch.args].join(' ')}\` ${status} before it started` +
    (last ? `: ${last}` : '') + `. ${hint}`;
}
