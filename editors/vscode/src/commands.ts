// Orchestra commands in the palette: quick-pick items and argument validation.
// No vscode import.

import { ArgumentInfo, CommandInfo } from './protocol';

/** Where a command comes from, for the quick pick's description. */
export function commandSource(cmd: CommandInfo, workspaceRoot?: string): string {
  const layer = cmd.layer ?? '';
  let file = '';
  if (cmd.uri) {
    file = uriPath(cmd.uri);
    if (workspaceRoot) {
      const root = workspaceRoot.replace(/\/+$/, '') + '/';
      if (file.startsWith(root)) file = file.slice(root.length);
      else if (layer === 'builtin' || layer === 'built-in') file = file.split('/').slice(-2).join('/');
    }
  }
  return [layer, file].filter(Boolean).join(' · ');
}

function uriPath(uri: string): string {
  if (!uri.startsWith('file://')) return uri;
  try {
    return decodeURIComponent(new URL(uri).pathname);
  } catch {
    return uri.slice('file://'.length);
  }
}

export interface CommandPickItem {
  label: string;
  description: string;
  detail: string;
  /** The picker's section: repository, user, MCP, built-in. */
  group: string;
  command: CommandInfo;
}

/** Sections of the picker, in order: the repository's own commands first, built-ins last. */
const GROUPS: [string, (layer: string) => boolean][] = [
  ['repository', (l) => l.startsWith('repository')],
  ['user', (l) => l.startsWith('user') || l === 'search path'],
  ['built-in', (l) => l === 'built-in' || l === 'builtin'],
];

export function commandGroup(command: CommandInfo): string {
  const layer = command.layer ?? '';
  return GROUPS.find(([, has]) => has(layer))?.[0] ?? (layer || 'other');
}

function groupRank(group: string): number {
  const at = GROUPS.findIndex(([name]) => name === group);
  return at < 0 ? GROUPS.length - 1.5 : at; // MCP prompts and the like: before built-ins
}

/**
 * The picker's rows: grouped repository → user → others → built-in, by name within a
 * group. The label carries the argument hint and the description sits beside it, so
 * neither is cut off; the detail says where it comes from, or why it cannot run here.
 */
export function commandPickItems(commands: CommandInfo[], workspaceRoot?: string): CommandPickItem[] {
  return [...commands]
    .map((command) => ({ command, group: commandGroup(command) }))
    .sort((a, b) => groupRank(a.group) - groupRank(b.group) || a.command.name.localeCompare(b.command.name))
    .map(({ command, group }) => {
      const hint = argumentHint(command.arguments);
      const source = commandSource(command, workspaceRoot);
      return {
        label: `${command.unavailable ? '$(circle-slash) ' : ''}${command.name}${hint ? ` ${hint}` : ''}`,
        description: command.description,
        detail: command.unavailable ? `unavailable: ${command.unavailable} · ${source}` : source,
        group,
        command,
      };
    });
}

export function argumentHint(args: ArgumentInfo[]): string {
  return args.map((a) => (a.required ? `<${a.name}>` : `[${a.name}]`)).join(' ');
}

/** The input box's error for `value`, or undefined when it is acceptable. */
export function validateArgument(arg: ArgumentInfo, value: string): string | undefined {
  if (arg.required && value.trim() === '') return `${arg.name} is required`;
  if (value.includes('\u0000')) return `${arg.name} cannot contain a NUL character`;
  return undefined;
}

/** The arguments to send: empty optional ones are left out (the server applies defaults). */
export function collectArguments(args: ArgumentInfo[], values: (string | undefined)[]): Record<string, string> {
  const out: Record<string, string> = {};
  args.forEach((arg, i) => {
    const value = values[i];
    if (value !== undefined && value.trim() !== '') out[arg.name] = value.trim();
  });
  return out;
}

export function argumentPrompt(cmd: CommandInfo, arg: ArgumentInfo, index: number): { title: string; prompt: string; placeHolder: string } {
  return {
    title: `Orchestra: ${cmd.name} (${index + 1}/${cmd.arguments.length})`,
    prompt: `${arg.name}${arg.required ? '' : ' (optional)'}${arg.description ? ': ' + arg.description : ''}`,
    placeHolder: arg.default ? `default: ${arg.default}` : arg.required ? `${arg.name} (required)` : `${arg.name} (Enter to skip)`,
  };
}
