// "Run Command on Several…": a command run once per item through `orchestra/batch`,
// its progress from `orchestra/batchProgress`, and the summary when it ends. The
// batch itself (items, worktrees, journals, the summary) is the server's.

import * as vscode from 'vscode';
import { OrchestraClient } from './client';
import { argumentPrompt, validateArgument } from './commands';
import { batchMessage, itemDescription, splitItems } from './format';
import { BatchParams, BatchProgress, BatchRef, CancelResult, CommandInfo, Methods } from './protocol';

interface Watched {
  progress?: vscode.Progress<{ message?: string; increment?: number }>;
  ended: number;
  done: () => void;
}

export class Batches {
  private readonly watched = new Map<string, Watched>();
  private readonly early = new Map<string, BatchProgress>();
  /** The runs of batches' items: the batch's notification follows them, not their own. */
  private readonly itemRuns = new Set<string>();

  constructor(
    private readonly showRunPage: (runId: string) => Promise<void>,
    private readonly write: (line: string) => void,
  ) {}

  /** Ask what to run on which items, start the batch on `client` (its folder's server), and watch it. */
  async start(command: CommandInfo, client: OrchestraClient): Promise<void> {
    if (!command.arguments.length) {
      void vscode.window.showWarningMessage(`Orchestra: ${command.name} takes no argument, so it cannot run once per item.`);
      return;
    }
    let varying = command.arguments.find((a) => a.required) ?? command.arguments[0];
    if (command.arguments.length > 1) {
      const picked = await vscode.window.showQuickPick(
        command.arguments.map((a) => ({ label: a.name, description: a.description ?? '', arg: a })),
        { title: `Orchestra: ${command.name} on several — which argument do the items set?` },
      );
      if (!picked) return;
      varying = picked.arg;
    }
    const source = await vscode.window.showQuickPick(
      [
        { label: 'Type the items', id: 'items', detail: 'separated by commas' },
        { label: 'Items from an MCP tool call…', id: 'each', detail: 'e.g. mcp__tickets__search {"status": "Ready for QA"}' },
      ],
      { title: `Orchestra: ${command.name} on several — the values of ${varying.name}` },
    );
    if (!source) return;
    const params: BatchParams = { command: command.name, argument: varying.name, arguments: {} };
    if (source.id === 'items') {
      const typed = await vscode.window.showInputBox({
        title: `Orchestra: ${command.name} on several`,
        prompt: `The values of ${varying.name}, separated by commas`,
        ignoreFocusOut: true,
        validateInput: (v) => (splitItems(v).length ? undefined : 'at least one item'),
      });
      if (typed === undefined) return;
      params.items = splitItems(typed);
    } else {
      const call = await vscode.window.showInputBox({
        title: `Orchestra: ${command.name} on several`,
        prompt: 'The MCP tool call whose result lists the items: mcp__SERVER__TOOL {JSON arguments}',
        ignoreFocusOut: true,
        validateInput: (v) => (/^mcp__\S+__\S+/.test(v.trim()) ? undefined : 'mcp__SERVER__TOOL {"argument": "value"}'),
      });
      if (call === undefined) return;
      params.eachFrom = call.trim();
    }
    for (const [i, arg] of command.arguments.entries()) {
      if (arg.name === varying.name) continue;
      const value = await vscode.window.showInputBox({
        ...argumentPrompt(command, arg, i),
        value: arg.default ?? '',
        ignoreFocusOut: true,
        validateInput: (v) => validateArgument(arg, v),
      });
      if (value === undefined) return;
      if (value.trim()) params.arguments![arg.name] = value.trim();
    }
    if (command.steps.some((s) => s.gate)) {
      const gates = await vscode.window.showQuickPick(
        [
          { label: 'Stop an item at its gates', yes: false, detail: 'nobody is asked while a batch runs; such items end stopped' },
          { label: 'Approve every gate and accept every change', yes: true, detail: 'as orchestra batch --yes' },
        ],
        { title: `Orchestra: ${command.name} has gates` },
      );
      if (!gates) return;
      params.yes = gates.yes;
    }
    const first = await client.request<BatchProgress>(Methods.batch, params);
    this.watch(first, client);
  }

  /** The batch's notification, with Cancel; it ends with the batch's last progress. */
  private watch(first: BatchProgress, client: OrchestraClient): void {
    void vscode.window.withProgress(
      {
        location: vscode.ProgressLocation.Notification,
        title: `Orchestra: ${first.command} on ${first.items.length} item${first.items.length === 1 ? '' : 's'} · batch ${first.batchId}`,
        cancellable: true,
      },
      (progress, token) =>
        new Promise<void>((resolve) => {
          token.onCancellationRequested(() => void this.cancel(first.batchId, client));
          this.watched.set(first.batchId, { progress, ended: 0, done: resolve });
          this.onProgress(this.early.get(first.batchId) ?? first);
          this.early.delete(first.batchId);
        }),
    );
  }

  /** Cancel a batch: the server ends its items' runs and says so in its last progress. */
  private async cancel(batchId: string, client: OrchestraClient): Promise<void> {
    const params: BatchRef = { batchId };
    const result = await client.request<CancelResult>(Methods.cancelBatch, params).catch((error) => {
      this.write(`✗ stopping batch ${batchId}: ${String(error)}`);
      return undefined;
    });
    if (result) this.write(result.cancelled ? `■ stopping batch ${batchId}` : `■ batch ${batchId} is not running`);
  }

  /** Whether a run is a batch's item (the server names it before the run's first event). */
  isItem(runId: string): boolean {
    return this.itemRuns.has(runId);
  }

  /** `orchestra/batchProgress`: report it; at the end, say how it went. */
  onProgress(progress: BatchProgress): void {
    for (const item of progress.items) if (item.runId) this.itemRuns.add(item.runId);
    const watched = this.watched.get(progress.batchId);
    this.write(`${progress.done ? '■' : '·'} batch ${progress.batchId}: ${batchMessage(progress)}`);
    if (!watched) {
      this.early.set(progress.batchId, progress); // before the request's answer arrived
      return;
    }
    const ended = progress.items.filter((i) => i.state !== 'running' && i.state !== 'not run').length;
    const total = Math.max(progress.items.length, 1);
    watched.progress?.report({ message: batchMessage(progress), increment: (100 * (ended - watched.ended)) / total });
    watched.ended = ended;
    if (!progress.done) return;
    watched.done();
    this.watched.delete(progress.batchId);
    void this.summarize(progress);
  }

  private async summarize(progress: BatchProgress): Promise<void> {
    // The batch's summary (one row per item: state, verdicts, cost, its report) beside the
    // code. Not awaited: the preview's command may settle late, and the message below must
    // not wait for it.
    if (progress.summaryUri) {
      void vscode.commands.executeCommand('markdown.showPreviewToSide', vscode.Uri.parse(progress.summaryUri)).then(undefined, () => undefined);
    }
    const message = `Orchestra: ${progress.command} on ${progress.items.length} items: ${batchMessage(progress)}`;
    const actions = ['Show Items'];
    const picked = progress.ok
      ? await vscode.window.showInformationMessage(message, ...actions)
      : await vscode.window.showWarningMessage(message, ...actions);
    if (picked === 'Show Items') {
      const item = await vscode.window.showQuickPick(
        progress.items.map((i) => ({ label: i.item, description: itemDescription(i), detail: i.runId ? `run ${i.runId}` : undefined, info: i })),
        { title: `Orchestra: batch ${progress.batchId} (${progress.command}) — pick an item for its run page` },
      );
      if (item?.info.runId) await this.showRunPage(item.info.runId);
    }
  }
}
