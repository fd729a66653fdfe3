// The Refactor Preview's starting state. VS Code opens the preview when an edit needs
// confirmation, and starts exactly those edits unticked: to open it with every hunk
// ticked (so the diff shows the change at once), the hunks are marked as not needing
// confirmation and one empty edit that does is added at the top of the first file, a
// row that changes nothing whether ticked or not. No vscode import.

import type { AnnotatedTextEdit, ApplyWorkspaceEditParams, ChangeAnnotation, TextDocumentEdit } from 'vscode-languageserver-protocol';

export const SENTINEL = 'orchestra.review';

/** `params` with every hunk ticked at first; unchanged when nothing asks for a preview. */
export function startTicked(params: ApplyWorkspaceEditParams): ApplyWorkspaceEditParams {
  const annotations = params.edit.changeAnnotations;
  const changes = params.edit.documentChanges;
  if (!annotations || !changes || !Object.values(annotations).some((a) => a.needsConfirmation)) return params;
  const first = changes.find((c): c is TextDocumentEdit => 'textDocument' in c && c.edits.length > 0);
  if (!first) return params;
  const ticked: Record<string, ChangeAnnotation> = {};
  for (const [id, annotation] of Object.entries(annotations)) ticked[id] = { ...annotation, needsConfirmation: false };
  ticked[SENTINEL] = {
    label: 'Orchestra: every hunk starts ticked — untick what you do not want, then Apply',
    needsConfirmation: true,
  };
  const noop: AnnotatedTextEdit = { range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, newText: '', annotationId: SENTINEL };
  const edits: TextDocumentEdit['edits'] = [noop, ...first.edits];
  return {
    ...params,
    edit: {
      ...params.edit,
      changeAnnotations: ticked,
      documentChanges: changes.map((c) => (c === first ? { ...first, edits } : c)),
    },
  };
}
