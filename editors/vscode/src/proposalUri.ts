// `orchestra-proposal:` URIs name one side of one file of a run's proposal:
//   orchestra-proposal:/<runId>/<workspace-relative path>?original | ?proposed
// Built with `Uri.from({scheme, path, query})` from these parts and read back from
// `uri.path` / `uri.query` (both already decoded by VS Code). No vscode import.

export const SCHEME = 'orchestra-proposal';
export type Side = 'original' | 'proposed';

export interface ProposalRef { runId: string; path: string; side: Side }

export function proposalUriParts(ref: ProposalRef): { scheme: string; path: string; query: string } {
  return { scheme: SCHEME, path: `/${ref.runId}/${ref.path}`, query: ref.side };
}

export function parseProposalUri(uriPath: string, query: string): ProposalRef | undefined {
  const match = /^\/+([^/]+)\/(.+)$/.exec(uriPath);
  if (!match) return undefined;
  return { runId: match[1], path: match[2], side: query === 'original' ? 'original' : 'proposed' };
}
