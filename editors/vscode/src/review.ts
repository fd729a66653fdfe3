// "Review Proposal": a run's proposed files as diff editors over a virtual
// `orchestra-proposal:` document, accepted or rejected file by file (or hunk by hunk)
// with buttons in the editor title. Nothing changes on disk until a file is accepted:
// then `orchestra/decide` lets the server apply it.

import * as vscode from 'vscode';
import { OrchestraClient } from './client';
import { DecideResult, ProposalFile, ProposalResult, Methods } from './protocol';
import { ProposalRef, Side, parseProposalUri, proposalUriParts, SCHEME } from './proposalUri';

interface Review {
  proposal: ProposalResult;
  decided: Map<string, string>;
}

export class Reviews implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly reviews = new Map<string, Review>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private readonly registration: vscode.Disposable;

  /** `serverOf(runId)`: the server of the run's folder. */
  constructor(private readonly serverOf: (runId: string) => OrchestraClient) {
    this.registration = vscode.workspace.registerTextDocumentContentProvider(SCHEME, this);
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    const ref = parseProposalUri(uri.path, uri.query);
    const file = ref && this.file(ref.runId, ref.path);
    if (!ref || !file) return '';
    return (ref.side === 'original' ? file.originalText : file.proposedText) ?? '';
  }

  private file(runId: string, path: string): ProposalFile | undefined {
    return this.reviews.get(runId)?.proposal.files.find((f) => f.path === path);
  }

  uri(runId: string, path: string, side: Side): vscode.Uri {
    return vscode.Uri.from(proposalUriParts({ runId, path, side }));
  }

  /** Fetch the run's proposal and show the list of its files. */
  async open(runId: string): Promise<void> {
    const proposal = await this.serverOf(runId).request<ProposalResult>(Methods.proposal, { runId });
    const previous = this.reviews.get(runId);
    const decided = previous?.decided ?? new Map<string, string>();
    for (const file of proposal.files) if (file.decided && !decided.has(file.path)) decided.set(file.path, 'decided');
    this.reviews.set(runId, { proposal, decided });
    await this.updateContext();
    const first = proposal.files.find((f) => !decided.has(f.path));
    if (first) await this.showFile(runId, first.path);
    await this.pickFile(runId);
  }

  /** The list of changed files: pick one to see its diff. */
  async pickFile(runId: string): Promise<void> {
    const review = this.reviews.get(runId);
    if (!review) return;
    const items = review.proposal.files.map((f) => ({
      label: f.path,
      description: `${f.kind} · ${f.hunks.length} hunk${f.hunks.length === 1 ? '' : 's'}`,
      detail: review.decided.has(f.path) ? `decided: ${review.decided.get(f.path)}` : 'waiting for your decision',
      path: f.path,
    }));
    const picked = await vscode.window.showQuickPick(items, {
      title: `Orchestra: changes proposed by ${review.proposal.agent} (${review.proposal.stepId}), run ${runId}`,
      placeHolder: 'Pick a file to review; accept or reject it with the buttons in the editor title',
    });
    if (picked) await this.showFile(runId, picked.path);
  }

  async showFile(runId: string, path: string): Promise<void> {
    const review = this.reviews.get(runId);
    const file = review && this.file(runId, path);
    if (!review || !file) return;
    const title = `${path} (${file.kind === 'create' ? 'new file' : file.kind === 'delete' ? 'deleted' : 'proposed'} by ${review.proposal.agent}) ↔ Orchestra`;
    await vscode.commands.executeCommand('vscode.diff', this.uri(runId, path, 'original'), this.uri(runId, path, 'proposed'), title, {
      preview: false,
    });
  }

  /** Accept (all hunks, or the chosen ones) or reject the file behind `uri`. */
  async decide(uri: vscode.Uri | undefined, accept: boolean | 'pick'): Promise<void> {
    const ref = this.refOf(uri);
    if (!ref) {
      void vscode.window.showWarningMessage('Orchestra: open a proposed file first ("Orchestra: Review Proposal").');
      return;
    }
    const file = this.file(ref.runId, ref.path);
    if (!file) return;
    let accepted: string[] | 'all' = accept === true ? 'all' : [];
    if (accept === 'pick') {
      const picks = await vscode.window.showQuickPick(
        file.hunks.map((h, i) => ({
          label: `Hunk ${i + 1}: line ${h.range.start.line + 1}`,
          detail: (h.newText || h.oldText).split('\n').slice(0, 2).join(' ⏎ ').slice(0, 120) || '(deletion)',
          picked: true,
          id: h.id,
        })),
        { canPickMany: true, title: `Orchestra: hunks of ${file.path} to apply` },
      );
      if (!picks) return;
      accepted = picks.map((p) => p.id);
    }
    const result = await this.serverOf(ref.runId).request<DecideResult>(Methods.decide, {
      runId: ref.runId,
      files: [{ path: ref.path, accepted }],
    });
    const review = this.reviews.get(ref.runId);
    // Recorded at once; each file's outcome arrives afterwards as a proposal_decided event.
    for (const file of result.files) review?.decided.set(file.path, file.accepted.length ? 'accepted' : 'rejected');
    await this.closeDiff(ref);
    if (result.undecided.length === 0) {
      this.reviews.delete(ref.runId);
      await this.updateContext();
      void vscode.window.showInformationMessage(`Orchestra: review of run ${ref.runId} done.`);
    } else {
      await this.showFile(ref.runId, result.undecided[0]);
    }
  }

  private refOf(uri: vscode.Uri | undefined): ProposalRef | undefined {
    const candidates: (vscode.Uri | undefined)[] = [uri, vscode.window.activeTextEditor?.document.uri];
    const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
    if (input instanceof vscode.TabInputTextDiff) candidates.push(input.modified);
    for (const candidate of candidates) {
      if (candidate?.scheme === SCHEME) return parseProposalUri(candidate.path, candidate.query);
    }
    return undefined;
  }

  private async closeDiff(ref: ProposalRef): Promise<void> {
    const modified = this.uri(ref.runId, ref.path, 'proposed').toString();
    const tabs = vscode.window.tabGroups.all
      .flatMap((g) => g.tabs)
      .filter((t) => t.input instanceof vscode.TabInputTextDiff && t.input.modified.toString() === modified);
    if (tabs.length) await vscode.window.tabGroups.close(tabs);
  }

  /** Runs whose review is open here. */
  runs(): string[] {
    return [...this.reviews.keys()];
  }

  /** A run ended (or was cancelled): its review is gone. */
  forget(runId: string): void {
    if (this.reviews.delete(runId)) void this.updateContext();
  }

  private async updateContext(): Promise<void> {
    await vscode.commands.executeCommand('setContext', 'orchestra.reviewing', this.reviews.size > 0);
  }

  dispose(): void {
    this.registration.dispose();
    this.changed.dispose();
  }
}
