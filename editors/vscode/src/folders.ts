// One language server per workspace folder (VS Code's multi-root pattern): which
// documents each folder's server is sent. No vscode import.

import * as path from 'path';
import { pathToFileURL } from 'url';

/** An LSP document filter; a relative pattern's base is a `file:` URI. */
export interface DocumentFilter {
  scheme: string;
  pattern?: string | { baseUri: string; pattern: string };
}

/** Configuration files wherever they are, for a server with no folder. */
const CONFIG_ANYWHERE: DocumentFilter[] = [
  { scheme: 'file', pattern: '**/{.orchestra,.claude}/**' },
  { scheme: 'file', pattern: '**/{CLAUDE.md,AGENTS.md,.mcp.json}' },
];

/**
 * The documents a server is sent (its `documentSelector`): the files of its folder (a
 * run may change any of them, and review reads open buffers back) and, for the home
 * server only (the first folder's, so that they are checked once), the person's own
 * configuration folders (`userFolders`). Never untitled buffers, other schemes, or the
 * files of another folder. A server without a folder is sent configuration files only.
 */
export function documentSelector(folderUri: string | undefined, userFolders: string[]): DocumentFilter[] {
  const own: DocumentFilter[] = folderUri ? [{ scheme: 'file', pattern: { baseUri: folderUri, pattern: '**' } }] : CONFIG_ANYWHERE;
  const user = userFolders.map((dir): DocumentFilter => ({ scheme: 'file', pattern: { baseUri: pathToFileURL(dir).href, pattern: '**' } }));
  return [...own, ...user];
}

/** The person's own Orchestra and Claude Code folders, as the server finds them
 * (platformdirs' user config folder for "orchestra", and `~/.claude`). */
export function userConfigFolders(platform: string, env: Record<string, string | undefined>, home: string): string[] {
  const config = platform === 'darwin'
    ? path.join(home, 'Library', 'Application Support')
    : platform === 'win32'
      ? env.LOCALAPPDATA || path.join(home, 'AppData', 'Local')
      : env.XDG_CONFIG_HOME || path.join(home, '.config');
  return [path.join(config, 'orchestra'), path.join(home, '.claude')];
}
