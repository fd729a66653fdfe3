// The page at the top of a review: what the agent says about its change, the files it
// proposes, what an undo cannot take back (its conflicts: what, where, and what the
// person can do), and how to decide in the chosen review. No vscode import.

import { formatArguments } from './format';
import { RunView } from './state';

/** One file of a `proposal_ready` event. */
export interface ProposedFile {
  path: string;
  kind: string;
  hunks: number;
}

/** How an undo's notice of what it left out begins (engine/undo.py `NOT_UNDONE`). */
const NOT_UNDONE = 'not undone: ';

/** A conflict an undo reported: the file and why its lines stay as they are. */
export interface UndoConflict {
  path: string;
  detail: string;
}

/** The undo's notices of what it did not take back, split into file and reason. */
export function undoConflicts(run: RunView): UndoConflict[] {
  return run.notices
    .filter((n) => n.message.startsWith(NOT_UNDONE))
    .map((n) => {
      const rest = n.message.slice(NOT_UNDONE.length);
      const colon = rest.indexOf(': ');
      return colon < 0 ? { path: '', detail: rest } : { path: rest.slice(0, colon), detail: rest.slice(colon + 2) };
    });
}

const KINDS: Record<string, string> = { create: 'new file', delete: 'deleted', modify: 'changed' };

/** The summary page as Markdown. `files` is empty when nothing was proposed. */
export function reviewSummaryMarkdown(run: RunView, files: ProposedFile[], mode: 'refactorPreview' | 'diffEditor'): string {
  const args = formatArguments(run.arguments);
  const lines = [`# Review: ${run.command}${args ? ` ${args}` : ''}`, '', `Run ${run.runId}.`, ''];
  if (run.said) {
    lines.push(`## What ${run.agent || 'the agent'} says`, '', ...run.said.split('\n').map((l) => `> ${l}`.trimEnd()), '');
  }
  const conflicts = undoConflicts(run);
  if (conflicts.length) {
    lines.push(`## Not taken back: ${conflicts.length} conflict${conflicts.length === 1 ? '' : 's'}`, '');
    for (const c of conflicts) lines.push(`- ${c.path ? `\`${c.path}\`: ` : ''}${c.detail.replace(/^conflict: /, '')}`);
    lines.push(
      '',
      'Nothing there was overwritten: these lines keep the later edits. What you can do: take them back by hand ' +
        '(the run page, "Show Run", shows what the run changed), or undo the later run that edited them first and ' +
        'then undo this run again.',
      '',
    );
  }
  const other = run.notices.filter((n) => !n.message.startsWith(NOT_UNDONE) && n.level !== 'info');
  if (other.length) {
    lines.push('## Before you decide', '', ...other.map((n) => `- ${n.message}`), '');
  }
  if (files.length) {
    lines.push('## Proposed changes', '');
    for (const f of files) lines.push(`- \`${f.path}\` — ${KINDS[f.kind] ?? f.kind}, ${f.hunks} hunk${f.hunks === 1 ? '' : 's'}`);
    lines.push('', '## How to decide', '');
    lines.push(
      mode === 'refactorPreview'
        ? 'In the Refactor Preview (the panel below) every hunk is listed with its lines; tick what you want, ' +
            'then **Apply** — or **Discard** to keep none. Click a hunk to see its diff.'
        : 'Each file opens as a diff: **Accept This File**, **Reject This File** or **Accept Some Hunks…** ' +
            'with the buttons in the editor title ("Orchestra: Show Changed Files" lists them).',
      '',
    );
  } else {
    lines.push('Nothing is proposed for review.', '');
  }
  return lines.join('\n');
}
