// The Orchestra extension: a thin client of `orchestra serve`. The palette commands,
// the run's feedback (progress notification, log, status bar), questions, and review.

import * as vscode from 'vscode';
import { LanguageClient, State } from 'vscode-languageclient/node';
import { OrchestraClient, OrchestraServers, StartError, reviewMode, showStartError } from './client';
import { CommandPickItem, argumentPrompt, collectArguments, commandPickItems, validateArgument } from './commands';
import { EventLog, contextMarkdown, formatAgo, formatCost, stateWord } from './format';
import {
  AskParams,
  AskResult,
  BatchProgress,
  CommandInfo,
  CommandsResult,
  ContextResult,
  DiagnosticInfo,
  EditParams,
  EditResult,
  FINAL_EVENTS,
  Methods,
  RunEvent,
  RunInfo,
  RunPageResult,
  RunParams,
  RunStarted,
  ResumeParams,
  RunsResult,
  StepInfo,
  UndoParams,
} from './protocol';
import { Batches } from './batch';
import { Reviews } from './review';
import { ProposedFile, reviewSummaryMarkdown, undoConflicts } from './reviewSummary';
import { RunTracker, RunView, isActive, percentage, progressMessage, progressTitle, runStatusText, statusText, ticking } from './state';

interface ProgressHandle {
  progress: vscode.Progress<{ message?: string; increment?: number }>;
  reported: number;
  done: () => void;
}

class Orchestra implements vscode.Disposable {
  /** One language server per workspace folder. */
  readonly servers: OrchestraServers;
  /** Which folder's server each run belongs to (from its events, its start, the run list). */
  private readonly runServers = new Map<string, OrchestraClient>();
  readonly tracker = new RunTracker();
  readonly eventLog = new EventLog();
  readonly log: vscode.OutputChannel;
  readonly status: vscode.StatusBarItem;
  readonly reviews: Reviews;
  readonly batches: Batches;
  private readonly progress = new Map<string, ProgressHandle>();
  /** "Show Context" pages: read-only documents of the `orchestra-context:` scheme. */
  private readonly contextPages = new Map<string, string>();
  private readonly contextChanged = new vscode.EventEmitter<vscode.Uri>();
  private readonly contextProvider: vscode.Disposable;
  /** Review summaries: read-only Markdown of the `orchestra-review:` scheme, by URI. */
  private readonly reviewPages = new Map<string, string>();
  private readonly reviewChanged = new vscode.EventEmitter<vscode.Uri>();
  private readonly reviewProvider: vscode.Disposable;
  /** Runs whose review is open (between its gate_opened and gate_decided). */
  private readonly inReview = new Set<string>();
  /** Per run in review: the documents that had unsaved changes of the person's own. */
  private readonly dirtyAtReview = new Map<string, Set<string>>();
  /** Step outputs being edited at an approve gate: the untitled document's URI → its answer. */
  private readonly editing = new Map<string, (text: string | null) => void>();
  /** One status-bar entry per active run, with its menu. */
  private readonly runItems = new Map<string, vscode.StatusBarItem>();
  /** Ticks the clocks in progress messages ("waiting for the model (4 s)"). */
  private readonly clock: NodeJS.Timeout;

  constructor(private readonly memento: vscode.Memento) {
    this.log = vscode.window.createOutputChannel('Orchestra');
    this.status = vscode.window.createStatusBarItem('orchestra.status', vscode.StatusBarAlignment.Left, 10);
    this.status.name = 'Orchestra';
    this.status.command = 'orchestra.showRuns';
    this.servers = new OrchestraServers((server, error) => this.serverStarted(server, error));
    this.reviews = new Reviews((runId) => this.serverOf(runId));
    this.batches = new Batches((runId) => this.showRunPage(runId), (line) => this.write(line));
    this.servers.onClient((client, server) => this.attach(client, server));
    this.contextProvider = vscode.workspace.registerTextDocumentContentProvider('orchestra-context', {
      onDidChange: this.contextChanged.event,
      provideTextDocumentContent: (uri) => this.contextPages.get(uri.toString()) ?? '',
    });
    this.reviewProvider = vscode.workspace.registerTextDocumentContentProvider('orchestra-review', {
      onDidChange: this.reviewChanged.event,
      provideTextDocumentContent: (uri) => this.reviewPages.get(uri.toString()) ?? '',
    });
    this.updateStatus();
    this.status.show();
    this.clock = setInterval(() => {
      const runs = this.tracker.active().filter(ticking);
      for (const run of runs) this.reportProgress(run);
      if (runs.length) this.updateStatus();
    }, 1000);
  }

  /** The server a run belongs to: its folder's. */
  serverOf(runId: string): OrchestraClient {
    const server = this.runServers.get(runId) ?? this.servers.preferred();
    if (!server) throw new Error('the Orchestra language server is not running (see "Orchestra: Restart Server")');
    return server;
  }

  private attach(client: LanguageClient, server: OrchestraClient): void {
    client.onNotification(Methods.event, (event: RunEvent) => {
      if (event && typeof event.run_id === 'string') this.runServers.set(event.run_id, server);
      this.onEvent(event);
      this.rememberActive(event);
    });
    client.onRequest(Methods.ask, (params: AskParams) => this.ask(params));
    client.onNotification(Methods.batchProgress, (progress: BatchProgress) => {
      for (const item of progress?.items ?? []) if (item.runId) this.runServers.set(item.runId, server);
      this.batches.onProgress(progress);
    });
    client.onRequest(Methods.edit, (params: EditParams) => this.editOutput(params));
    client.onDidChangeState((e) => {
      if (e.newState === State.Stopped) this.serverStopped(server);
      this.updateStatus();
    });
  }

  /** Runs die with their server: end their progress and say so (the journal marks them interrupted). */
  private serverStopped(server: OrchestraClient): void {
    for (const run of this.tracker.active().filter((r) => this.runServers.get(r.runId) === server)) {
      this.onEvent({ type: 'run_failed', run_id: run.runId, error: 'interrupted: the Orchestra language server stopped' });
    }
  }

  /**
   * The runs going on, kept in the workspace's state at their start, gates and end, so
   * that after a window reload (which stops the server, and the runs with it) the new
   * window can say what happened to each. Only the server's own events change it.
   */
  private rememberActive(event: RunEvent): void {
    if (!event || typeof event.run_id !== 'string') return;
    const kept = this.memento.get<ActiveRun[]>(ACTIVE_RUNS_KEY, []).filter((r) => r.runId !== event.run_id);
    const run = this.tracker.runs.get(event.run_id);
    if (FINAL_EVENTS.has(event.type) || !run) {
      if (kept.length !== this.memento.get<ActiveRun[]>(ACTIVE_RUNS_KEY, []).length) void this.memento.update(ACTIVE_RUNS_KEY, kept);
      return;
    }
    if (!['run_started', 'gate_opened', 'gate_decided', 'step_started'].includes(event.type)) return;
    const doing = run.gate ? `waiting for your ${run.gate}` : run.step ? `running step ${run.step}` : 'starting';
    void this.memento.update(ACTIVE_RUNS_KEY, [...kept, { runId: run.runId, command: run.command, doing }]);
  }

  /** After a reload: what became of the runs the previous window was watching. */
  private async sayWhatHappened(): Promise<void> {
    const before = this.memento.get<ActiveRun[]>(ACTIVE_RUNS_KEY, []);
    if (!before.length) return;
    await this.memento.update(ACTIVE_RUNS_KEY, []);
    const runs = await this.listRuns().catch(() => [] as RunInfo[]);
    for (const was of before) {
      const now = runs.find((r) => r.runId === was.runId);
      const state = now?.state ?? 'interrupted';
      if (now && ['starting', 'running', 'waiting'].includes(state)) continue; // another window's server runs it
      const kept = now && (now.pendingProposal || now.awaitingReview)
        ? 'its proposed changes are kept for your review'
        : 'the journal keeps everything it did';
      const message =
        `Orchestra: the window reloaded while ${was.command} (run ${was.runId}) was ${was.doing}. ` +
        `The run stopped there (${stateWord(state)}); nothing is lost: ${kept}.`;
      this.write(message);
      const actions = now && recoverable(now) ? ['Review Proposal', 'Show Runs'] : ['Show Runs'];
      void vscode.window.showWarningMessage(message, ...actions).then((picked) => {
        if (picked === 'Review Proposal') {
          this.recover(was.runId).catch((error) => void vscode.window.showErrorMessage(`Orchestra: ${String(error)}`));
        }
        else if (picked === 'Show Runs') void vscode.commands.executeCommand('orchestra.showRuns');
      });
    }
  }

  write(line: string): void {
    const time = new Date().toTimeString().slice(0, 8);
    this.log.appendLine(`${time} ${line}`);
  }

  // -- events ------------------------------------------------------------------------

  onEvent(event: RunEvent): void {
    if (!event || typeof event.type !== 'string' || typeof event.run_id !== 'string') return;
    for (const line of this.eventLog.add(event)) this.write(line);
    const run = this.tracker.apply(event);
    // A batch's items have no notifications of their own: one each (and one more as each
    // finished) crowded out the batch's end message, which VS Code then kept from showing
    // (it shows at most 3 new notifications in 800 ms as toasts).
    if (event.type === 'run_started' && !this.batches.isItem(run.runId)) this.showProgress(run);
    this.reportProgress(run);
    if (event.type === 'gate_opened' && event.gate === 'review' && reviewMode() === 'diffEditor') {
      void this.offerReview(run.runId);
    }
    if (event.type === 'gate_opened' && event.gate === 'review') {
      this.inReview.add(run.runId);
      this.dirtyAtReview.set(run.runId, new Set(vscode.workspace.textDocuments.filter((d) => d.isDirty).map((d) => d.uri.toString())));
    }
    if (event.type === 'gate_opened' && event.gate === 'review') {
      // The review is the person's to do, not progress to watch: the notification (which
      // would sit over the Refactor Preview's hunk list) closes, having said so; the run's
      // status-bar entry says "your review" and its menu offers Review and Stop Run.
      this.progress.get(run.runId)?.done();
      this.progress.delete(run.runId);
    }
    if (event.type === 'gate_decided' && event.gate === 'review') {
      this.inReview.delete(run.runId);
      if (run.index + 1 < run.total) this.showProgress(run); // more steps to come
    }
    if (event.type === 'proposal_ready') {
      void this.showReviewSummary(run, Array.isArray(event.files) ? (event.files as ProposedFile[]) : []);
    }
    if (FINAL_EVENTS.has(event.type) && undoConflicts(run).length && !this.reviewPages.has(this.reviewUri(run).toString())) {
      // An undo that could take nothing back still says what conflicts, where, and what to do.
      void this.showReviewSummary(run, []);
    }
    if (event.type === 'run_cancelled' && this.inReview.delete(run.runId) && reviewMode() === 'refactorPreview') {
      // The run is cancelled: withdraw its review, so Apply cannot land it unrecorded.
      void vscode.commands.executeCommand('refactorPreview.discard').then(undefined, () => undefined);
    }
    if (event.type === 'proposal_decided' && event.outcome === 'applied_in_editor') void this.saveAccepted(run.runId, String(event.path));
    if (event.type === 'proposal_decided' && (event.outcome === 'conflict' || event.outcome === 'partly_applied')) {
      void vscode.window.showWarningMessage(`Orchestra: ${String(event.path)}: ${String(event.outcome).replace(/_/g, ' ')} — ${String(event.detail)}`);
    }
    if (FINAL_EVENTS.has(event.type)) this.onRunEnded(run, event);
    this.updateStatus();
  }

  /**
   * Accepted changes to a file open in the editor land in its buffer: save it, so that
   * accepting means the file changes, unless the person had unsaved edits of their own.
   */
  private async saveAccepted(runId: string, path: string): Promise<void> {
    const folder = this.runServers.get(runId)?.folder ?? vscode.workspace.workspaceFolders?.[0];
    if (!folder || !vscode.workspace.getConfiguration('orchestra').get<boolean>('review.saveAccepted', true)) return;
    const uri = vscode.Uri.joinPath(folder.uri, ...path.split('/')).toString();
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri);
    if (!doc || !doc.isDirty || this.dirtyAtReview.get(runId)?.has(uri)) return;
    if (await doc.save()) this.write(`  ✎ ${path}: saved`);
  }

  private reviewUri(run: RunView): vscode.Uri {
    return vscode.Uri.from({ scheme: 'orchestra-review', path: `/${run.runId}/Review of ${run.command || 'run'}.md` });
  }

  /** The page at the top of a review: the agent's summary, the files, an undo's conflicts. */
  private async showReviewSummary(run: RunView, files: ProposedFile[]): Promise<void> {
    const uri = this.reviewUri(run);
    this.reviewPages.set(uri.toString(), reviewSummaryMarkdown(run, files, reviewMode()));
    this.reviewChanged.fire(uri);
    const doc = await vscode.workspace.openTextDocument(uri);
    // Beside the diff editors of the diff-editor review; above the Refactor Preview's panel.
    const column = reviewMode() === 'diffEditor' ? vscode.ViewColumn.Beside : vscode.ViewColumn.Active;
    await vscode.window.showTextDocument(doc, { preview: false, preserveFocus: true, viewColumn: column });
  }

  private onRunEnded(run: RunView, event: RunEvent): void {
    this.dirtyAtReview.delete(run.runId);
    for (const line of this.eventLog.flush(run.runId)) this.write(line);
    this.progress.get(run.runId)?.done();
    this.progress.delete(run.runId);
    this.reviews.forget(run.runId);
    if (event.type === 'run_finished' && !this.batches.isItem(run.runId)) {
      void vscode.window
        .showInformationMessage(`Orchestra: ${run.command} finished · ${formatCost(run.cost)}`, 'Show Log')
        .then((picked) => picked && this.log.show(true));
    }
  }

  private showProgress(run: RunView): void {
    if (this.progress.has(run.runId) || !isActive(run)) return;
    void vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: progressTitle(run) + this.inFolder(this.runServers.get(run.runId)), cancellable: true },
      (progress, token) =>
        new Promise<void>((resolve) => {
          this.progress.set(run.runId, { progress, reported: 0, done: resolve });
          token.onCancellationRequested(() => void this.cancel(run.runId));
          this.reportProgress(run);
        }),
    );
  }

  private reportProgress(run: RunView): void {
    const handle = this.progress.get(run.runId);
    if (!handle) return;
    const pct = percentage(run);
    handle.progress.report({ message: progressMessage(run), increment: Math.max(0, pct - handle.reported) });
    handle.reported = Math.max(handle.reported, pct);
  }

  updateStatus(): void {
    const active = this.tracker.active();
    // Active runs have an entry each; the main entry shows the server and the last run.
    const run = active.length ? undefined : this.tracker.current();
    const { text, tooltip } = statusText(run, 0);
    this.status.text = this.servers.running || run ? (active.length ? `${text} · ${active.length} running` : text) : '$(circle-slash) Orchestra: server not running';
    this.status.tooltip = this.servers.running || run ? tooltip : 'Orchestra: the language server is not running. Click for runs.';
    for (const view of active) {
      let item = this.runItems.get(view.runId);
      if (!item) {
        item = vscode.window.createStatusBarItem(`orchestra.run.${view.runId}`, vscode.StatusBarAlignment.Left, 9);
        item.name = `Orchestra run ${view.runId}`;
        item.command = { command: 'orchestra.runMenu', title: 'Run menu', arguments: [view.runId] };
        this.runItems.set(view.runId, item);
        item.show();
      }
      const shown = runStatusText(view);
      const folder = this.inFolder(this.runServers.get(view.runId)); // " · folder beta" in a multi-root window
      item.text = shown.text + folder.replace(' · folder ', ' · ');
      item.tooltip = shown.tooltip + folder.replace(' · ', '\n');
    }
    for (const [runId, item] of this.runItems) {
      if (!active.some((r) => r.runId === runId)) {
        item.dispose();
        this.runItems.delete(runId);
      }
    }
  }

  /** A run's status-bar menu: show its progress, stop it, review its proposal, its log. */
  async runMenu(runId: string): Promise<void> {
    const run = this.tracker.runs.get(runId);
    if (!run) return;
    const actions = [
      { label: '$(bell) Show Progress', id: 'show', detail: progressMessage(run) },
      ...(this.inReview.has(runId) ? [{ label: '$(diff) Review Proposal', id: 'review', detail: '' }] : []),
      { label: '$(output) Show Log', id: 'log', detail: '' },
      ...(isActive(run) ? [{ label: '$(stop) Stop Run', id: 'cancel', detail: '' }] : []),
    ];
    const action = await vscode.window.showQuickPick(actions, { title: progressTitle(run) });
    if (action?.id === 'show') await vscode.commands.executeCommand('notifications.showList');
    else if (action?.id === 'review') {
      if (reviewMode() === 'diffEditor') await this.reviewProposal(runId);
      else await vscode.commands.executeCommand('refactorPreview.focus').then(undefined, () => undefined);
    } else if (action?.id === 'log') this.log.show(true);
    else if (action?.id === 'cancel') await this.cancel(runId);
  }

  private async offerReview(runId: string): Promise<void> {
    const picked = await vscode.window.showInformationMessage(
      `Orchestra: run ${runId} proposes changes. Review them file by file?`,
      'Review',
    );
    if (picked === 'Review') await this.reviewProposal(runId);
  }

  // -- questions -----------------------------------------------------------------------

  async ask(params: AskParams): Promise<AskResult> {
    const title = `Orchestra asks (${params.stepId})`;
    if (params.choices && params.choices.length) {
      const other = '$(edit) Answer in my own words…';
      const picked = await vscode.window.showQuickPick([...params.choices, other], {
        title,
        placeHolder: params.question,
        ignoreFocusOut: true,
      });
      if (picked !== other) return { answer: picked ?? null };
    }
    const answer = await vscode.window.showInputBox({ title, prompt: params.question, ignoreFocusOut: true });
    return { answer: answer ?? null };
  }

  /**
   * Edit… at an approve gate: the step's output opens as an untitled document; the
   * edited text approves the step (Approve Edit, or ✓ in the editor title), Give Up
   * (or closing it) asks the gate again. An edit the server refused comes back here
   * with the reason.
   */
  async editOutput(params: EditParams): Promise<EditResult> {
    const doc = await vscode.workspace.openTextDocument({
      language: params.format === 'json' ? 'json' : 'markdown',
      content: params.text,
    });
    await vscode.window.showTextDocument(doc, { preview: false });
    const key = doc.uri.toString();
    const answer = new Promise<string | null>((resolve) => this.editing.set(key, resolve));
    await this.updateEditing();
    const closed = vscode.workspace.onDidCloseTextDocument((d) => {
      if (d.uri.toString() === key) this.editing.get(key)?.(null);
    });
    const what = `the output of step ${params.stepId} (${params.agent})${params.format === 'json' ? ' (JSON)' : ''}`;
    const refused = params.problem ? ` Your last edit was not taken: ${params.problem}.` : '';
    void vscode.window
      .showInformationMessage(`Orchestra: edit ${what}, then approve it.${refused}`, 'Approve Edit', 'Give Up')
      .then((picked) => {
        if (picked === 'Approve Edit') void this.finishEdit(doc.uri, true);
        else if (picked === 'Give Up') void this.finishEdit(doc.uri, false);
      });
    const text = await answer;
    closed.dispose();
    this.editing.delete(key);
    await this.updateEditing();
    return { text };
  }

  /** Answer the edit of `uri` (the active editor's when not given) and close its document unsaved. */
  async finishEdit(uri: vscode.Uri | undefined, approve: boolean): Promise<void> {
    const target = uri ?? vscode.window.activeTextEditor?.document.uri;
    const resolve = target && this.editing.get(target.toString());
    if (!target || !resolve) return;
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === target.toString());
    resolve(approve && doc ? doc.getText() : null);
    if (doc) {
      await vscode.window.showTextDocument(doc, { preview: false });
      await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
    }
  }

  private async updateEditing(): Promise<void> {
    await vscode.commands.executeCommand('setContext', 'orchestra.editingOutputs', [...this.editing.keys()]);
  }

  // -- palette -------------------------------------------------------------------------

  async commands(server: OrchestraClient): Promise<CommandInfo[]> {
    return (await server.request<CommandsResult>(Methods.commands, {})).commands;
  }

  async runCommand(): Promise<void> {
    const server = await this.servers.pick('Orchestra: Run Command');
    if (!server) return;
    const commands = await this.commands(server);
    if (!commands.length) {
      void vscode.window.showWarningMessage('Orchestra: no commands found. Add one under .orchestra/commands/ (see `orchestra init`).');
      return;
    }
    const picked = await this.pickCommand(commands, 'Orchestra: Run Command', 'Pick a command to run', server);
    if (!picked) return;
    const command = picked.command;
    if (command.unavailable) {
      void vscode.window.showWarningMessage(`Orchestra: ${command.name} cannot run here: ${command.unavailable}.`);
      return;
    }
    const values: (string | undefined)[] = [];
    for (const [i, arg] of command.arguments.entries()) {
      const value = await vscode.window.showInputBox({
        ...argumentPrompt(command, arg, i),
        value: arg.default ?? '',
        ignoreFocusOut: true,
        validateInput: (v) => validateArgument(arg, v),
      });
      if (value === undefined) return; // Escape: no run
      values.push(value);
    }
    const params: RunParams = { command: command.name, arguments: collectArguments(command.arguments, values) };
    const editor = vscode.window.activeTextEditor;
    // The editor's file, selection and diagnostics, when they are the chosen folder's.
    if (editor && editor.document.uri.scheme === 'file' && this.servers.forUri(editor.document.uri) === server) {
      params.uri = editor.document.uri.toString();
      const s = editor.selection;
      params.range = { start: { line: s.start.line, character: s.start.character }, end: { line: s.end.line, character: s.end.character } };
      params.diagnostics = vscode.languages.getDiagnostics(editor.document.uri).slice(0, 50).map(toDiagnosticInfo);
    }
    const started = await server.request<RunStarted>(Methods.run, params);
    this.runServers.set(started.runId, server);
    const run = this.tracker.started(started.runId, command.name, params.arguments);
    this.write(`▷ started ${command.name}${this.inFolder(server)} · run ${started.runId}`);
    this.showProgress(run);
    this.updateStatus();
  }

  /** "Run Command on Several…": the same command once per item, as one batch. */
  async runOnSeveral(): Promise<void> {
    const server = await this.servers.pick('Orchestra: Run Command on Several');
    if (!server) return;
    const commands = await this.commands(server);
    const picked = await this.pickCommand(commands, 'Orchestra: Run Command on Several', 'Pick a command to run once per item', server);
    if (!picked) return;
    if (picked.command.unavailable) {
      void vscode.window.showWarningMessage(`Orchestra: ${picked.command.name} cannot run here: ${picked.command.unavailable}.`);
      return;
    }
    await this.batches.start(picked.command, server);
  }

  /** The command picker: sections (repository, user, …, built-in), hint and description
   * in view, unavailable commands marked with the reason. */
  async pickCommand(commands: CommandInfo[], title: string, placeHolder: string, server: OrchestraClient): Promise<CommandPickItem | undefined> {
    const rows = commandPickItems(commands, server.folder?.uri.fsPath);
    if (this.servers.all().length > 1 && server.folder) title = `${title} in ${server.folder.name}`;
    const items: (CommandPickItem | vscode.QuickPickItem)[] = [];
    let group = '';
    for (const row of rows) {
      if (row.group !== group) items.push({ label: row.group, kind: vscode.QuickPickItemKind.Separator });
      group = row.group;
      items.push(row);
    }
    const picked = await vscode.window.showQuickPick(items, { title, placeHolder, matchOnDescription: true, matchOnDetail: true });
    return picked && 'command' in picked ? picked : undefined;
  }

  /**
   * A run, picked from the journal's runs. A run whose proposal waits for review has a
   * Review button on its row ($(diff)), which opens that review at once.
   */
  async pickRun(title: string, filter: (run: RunInfo) => boolean): Promise<RunInfo | undefined> {
    const runs = await this.listRuns();
    const candidates = runs.filter(filter);
    if (!candidates.length) {
      void vscode.window.showInformationMessage(`Orchestra: no runs to choose from (${title.toLowerCase()}).`);
      return undefined;
    }
    const reviewButton: vscode.QuickInputButton = { iconPath: new vscode.ThemeIcon('diff'), tooltip: 'Review' };
    const pick = vscode.window.createQuickPick<vscode.QuickPickItem & { run: RunInfo }>();
    pick.title = `Orchestra: ${title}`;
    pick.matchOnDetail = true;
    pick.items = candidates.map((run) => {
      const waiting = run.awaitingReview || recoverable(run);
      return {
        label: `${run.command} ${Object.values(run.arguments ?? {}).join(' ')}`.trim(),
        description: `${stateWord(run.state)}${waiting ? ' · $(diff) review waiting' : ''} · ${formatCost(run.costUsd)}${run.undone ? ` · undone ${run.undone.label}` : ''}`,
        detail: `started ${formatAgo(run.startedAt)}${run.finishedAt ? ` · ended ${formatAgo(run.finishedAt)}` : ''} · run ${run.runId}${this.inFolder(this.runServers.get(run.runId))}`,
        buttons: waiting ? [reviewButton] : [],
        run,
      };
    });
    const picked = await new Promise<RunInfo | undefined>((resolve) => {
      pick.onDidAccept(() => {
        resolve(pick.selectedItems[0]?.run);
        pick.hide();
      });
      pick.onDidTriggerItemButton((e) => {
        resolve(undefined);
        pick.hide();
        this.reviewRun(e.item.run).catch((error) => void vscode.window.showErrorMessage(`Orchestra: ${String(error)}`));
      });
      pick.onDidHide(() => resolve(undefined));
      pick.show();
    });
    pick.dispose();
    return picked;
  }

  /** Open the review of a run whose proposal waits: the open one, or an interrupted run's again. */
  async reviewRun(run: RunInfo): Promise<void> {
    if (recoverable(run)) return this.recover(run.runId);
    if (reviewMode() === 'diffEditor') return this.reviews.open(run.runId);
    await vscode.commands.executeCommand('refactorPreview.focus').then(undefined, () => undefined);
  }

  /** Runs from the server's journal, with the live state of the runs this window watches. */
  async listRuns(): Promise<RunInfo[]> {
    // Every folder's journal; a folder whose server is down is left out, not an error.
    const servers = this.servers.all().filter((s) => s.running);
    if (!servers.length) throw new Error('the Orchestra language server is not running (see "Orchestra: Restart Server")');
    const lists = await Promise.all(servers.map(async (server) => {
      const runs = (await server.request<RunsResult>(Methods.runs, { limit: 50 }).catch(() => ({ runs: [] as RunInfo[] }))).runs;
      for (const run of runs) this.runServers.set(run.runId, server);
      return runs;
    }));
    const fromServer = lists.flat();
    const byId = new Map(fromServer.map((r) => [r.runId, r]));
    for (const view of this.tracker.runs.values()) {
      const known = byId.get(view.runId);
      if (known && isActive(view)) known.state = view.state;
      if (!known) {
        byId.set(view.runId, {
          runId: view.runId, command: view.command, arguments: {}, state: view.state,
          startedAt: new Date(view.startedAt).toISOString(), finishedAt: null, costUsd: view.cost,
          pendingProposal: false, awaitingReview: false,
        });
      }
    }
    return [...byId.values()].sort((a, b) => b.startedAt.localeCompare(a.startedAt));
  }

  async showRuns(): Promise<void> {
    const run = await this.pickRun('Runs', () => true);
    if (!run) return;
    const active = ['starting', 'running', 'waiting'].includes(run.state);
    const actions = [
      ...(active ? [] : [{ label: '$(graph) Show Run', id: 'page', detail: 'the report, a timeline, cost and the reviewed diff' }]),
      ...(active ? [] : [{ label: '$(markdown) Open Report', id: 'report' }]),
      { label: '$(output) Show Log', id: 'log' },
      ...(run.awaitingReview ? [{ label: '$(diff) Review Proposal', id: 'review' }] : []),
      ...(recoverable(run) ? [{ label: '$(history) Review Its Proposal Again', id: 'recover' }] : []),
      ...(active ? [{ label: '$(stop) Stop Run', id: 'cancel' }] : []),
      ...(active ? [] : [{ label: '$(discard) Undo Run…', id: 'undo', detail: 'take back what it landed, reviewed like any proposal' }]),
      ...(resumable(run) ? [{ label: '$(debug-continue) Resume Run…', id: 'resume', detail: 'continue it in a new run; its finished steps are reused' }] : []),
    ];
    const action = await vscode.window.showQuickPick(actions, { title: `Orchestra: run ${run.runId} (${stateWord(run.state)})` });
    if (action?.id === 'page') await this.showRunPage(run.runId);
    else if (action?.id === 'report') await this.openReport(run.runId);
    else if (action?.id === 'log') this.log.show(true);
    else if (action?.id === 'review') await this.reviewRun(run);
    else if (action?.id === 'recover') await this.recover(run.runId);
    else if (action?.id === 'cancel') await this.cancel(run.runId);
    else if (action?.id === 'undo') await this.undoRun(run.runId);
    else if (action?.id === 'resume') await this.resumeRun(run);
  }

  /** Take back what a run landed (the whole run, one of its steps, or only the file in
   * the editor): the server builds the undo from the journal and offers it for review
   * like any proposal. */
  async undoRun(runId?: string): Promise<void> {
    let run: RunInfo | undefined;
    if (!runId) {
      run = await this.pickRun('Undo Run', (r) => !['starting', 'running', 'waiting'].includes(r.state));
      if (!run) return;
      runId = run.runId;
    }
    run ??= (await this.listRuns()).find((r) => r.runId === runId);
    const server = this.serverOf(runId);
    // The file in the editor, when it is of the run's folder: the person may take back only it.
    const editor = vscode.window.activeTextEditor?.document.uri;
    const file = editor && server.folder && this.servers.forUri(editor) === server ? vscode.workspace.asRelativePath(editor, false) : undefined;
    // The command's steps, when it has several: the person may take back one step's edits.
    const command = run && (await this.commands(server).catch(() => [] as CommandInfo[])).find((c) => c.name === run?.command);
    const steps = command && command.steps.length > 1 ? command.steps : [];
    const scopes = [
      { label: 'The whole run', file: undefined as string | undefined, step: undefined as string | undefined },
      ...steps.map((s) => ({ label: `Only step ${s.id}`, description: s.agent, file: undefined, step: s.id })),
      ...(file ? [{ label: `Only ${file}`, file, step: undefined }] : []),
    ];
    const scope = scopes.length > 1
      ? await vscode.window.showQuickPick(scopes, { title: `Orchestra: undo run ${runId}` })
      : scopes[0];
    if (!scope) return;
    const params: UndoParams = { runId, file: scope.file, step: scope.step };
    const started = await server.request<RunStarted>(Methods.undo, params);
    this.runServers.set(started.runId, server);
    const undo = this.tracker.started(started.runId, `undo of ${runId}`);
    const what = scope.file ? ` (${scope.file})` : scope.step ? ` (step ${scope.step})` : '';
    this.write(`▷ undoing run ${runId}${what} · run ${started.runId}`);
    this.showProgress(undo);
    this.updateStatus();
  }

  /** Continue a run that did not finish, where it stopped or from one of its steps: the
   * server starts a new run of the same command whose finished steps are reused. */
  async resumeRun(run: RunInfo): Promise<void> {
    const server = this.serverOf(run.runId);
    const command = (await this.commands(server).catch(() => [] as CommandInfo[])).find((c) => c.name === run.command);
    const choices = [
      { label: 'Where it stopped', description: 'reuse every step it finished', fromStep: undefined as string | undefined },
      ...stepPaths(command?.steps ?? []).map((s) => ({ label: `From step ${s.path}`, description: `${s.agent}: run it and what follows again`, fromStep: s.path })),
    ];
    const choice = choices.length > 1
      ? await vscode.window.showQuickPick(choices, { title: `Orchestra: resume run ${run.runId} (${run.command})` })
      : choices[0];
    if (!choice) return;
    const params: ResumeParams = { runId: run.runId, fromStep: choice.fromStep };
    const started = await server.request<RunStarted>(Methods.resume, params);
    this.runServers.set(started.runId, server);
    const resumed = this.tracker.started(started.runId, run.command, run.arguments);
    this.write(`▷ resuming run ${run.runId}${choice.fromStep ? ` from step ${choice.fromStep}` : ''} · run ${started.runId}`);
    this.showProgress(resumed);
    this.updateStatus();
  }

  /** The run's page (written by the server beside its journal) in a webview beside the code. */
  async showRunPage(runId: string): Promise<void> {
    const page = await this.serverOf(runId).request<RunPageResult>(Methods.runPage, { runId });
    const written = new TextDecoder().decode(await vscode.workspace.fs.readFile(vscode.Uri.parse(page.uri)));
    // The server leaves `<p id="undo-action"></p>` where an undo can be offered; the
    // link is a command URI, the only one the page may run.
    const undo = `command:orchestra.undoRun?${encodeURIComponent(JSON.stringify([runId]))}`;
    const html = written.replace(
      '<p id="undo-action"></p>',
      `<p id="undo-action"><a href="${undo}">Undo Run…</a> (reviewed like any proposal)</p>`,
    );
    // The page is self-contained (styles inline, images as data: URIs) and runs no script.
    const panel = vscode.window.createWebviewPanel(
      'orchestra.runPage', `Orchestra run ${runId}`, vscode.ViewColumn.Beside,
      { enableScripts: false, enableCommandUris: ['orchestra.undoRun'] },
    );
    panel.webview.html = html;
  }

  /** The run's report.md in VS Code's Markdown preview, its evidence images beside it. */
  async openReport(runId: string): Promise<void> {
    const page = await this.serverOf(runId).request<RunPageResult>(Methods.runPage, { runId });
    if (!page.reportUri) {
      void vscode.window.showInformationMessage(`Orchestra: run ${runId} wrote no report.`);
      return;
    }
    await vscode.commands.executeCommand('markdown.showPreviewToSide', vscode.Uri.parse(page.reportUri));
  }

  async cancelRun(): Promise<void> {
    const run = await this.pickRun('Stop Run', (r) => ['starting', 'running', 'waiting'].includes(r.state));
    if (run) await this.cancel(run.runId);
  }

  /** A run interrupted with changes pending review: the server offers them again as a new run. */
  async recover(runId: string): Promise<void> {
    const server = this.serverOf(runId);
    const started = await server.request<RunStarted>(Methods.recover, { runId });
    this.runServers.set(started.runId, server);
    const run = this.tracker.started(started.runId, `review of ${runId}`, { run: runId });
    this.write(`▷ reviewing the proposal of interrupted run ${runId} · run ${started.runId}`);
    this.showProgress(run);
    this.updateStatus();
  }

  async cancel(runId: string): Promise<void> {
    const result = await this.serverOf(runId).request<{ cancelled: boolean }>(Methods.cancel, { runId });
    this.write(result.cancelled ? `■ stopping run ${runId}` : `■ run ${runId} is not running`);
  }

  async reviewProposal(runId?: string): Promise<void> {
    if (!runId) {
      const run = await this.pickRun(
        'Review Proposal',
        (r) => r.awaitingReview || recoverable(r) || this.reviews.runs().includes(r.runId),
      );
      if (!run) {
        if (reviewMode() === 'refactorPreview') {
          void vscode.window.showInformationMessage(
            'Orchestra: proposed changes open in the Refactor Preview. For a diff editor per file, set "orchestra.review.mode" to "diffEditor".',
          );
        }
        return;
      }
      if (recoverable(run)) return this.recover(run.runId);
      runId = run.runId;
    }
    await this.reviews.open(runId);
  }

  async showContext(): Promise<void> {
    const server = await this.servers.pick('Orchestra: Show Context');
    if (!server) return;
    const commands = await this.commands(server);
    const picked = await this.pickCommand(commands, 'Orchestra: Show Context', 'What would this command send to the model?', server);
    if (!picked) return;
    const result = await server.request<ContextResult>(Methods.context, { command: picked.command.name, arguments: {} });
    const content = contextMarkdown(result);
    const uri = vscode.Uri.from({ scheme: 'orchestra-context', path: `/${picked.command.name}.md` });
    this.contextPages.set(uri.toString(), content);
    this.contextChanged.fire(uri);
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc, { preview: true });
  }

  async reload(): Promise<void> {
    await Promise.all(this.servers.all().filter((s) => s.running).map((s) => s.reload()));
    void vscode.window.setStatusBarMessage('Orchestra: configuration reloaded', 3000);
  }

  /** Start every folder's server; then say what became of runs a reload stopped. */
  async start(): Promise<void> {
    await this.servers.start();
    void this.sayWhatHappened();
  }

  async restart(): Promise<void> {
    await this.servers.restart();
  }

  /** A folder's server started, or could not (`error`). */
  private serverStarted(server: OrchestraClient, error?: unknown): void {
    if (error === undefined) {
      this.write(`server ready (review: ${reviewMode() === 'diffEditor' ? 'diff editor' : 'Refactor Preview'})${this.inFolder(server)}`);
    } else {
      const message = error instanceof StartError ? error.message : server.tag(`Orchestra: the language server did not start: ${String(error)}`);
      this.write(message);
      void showStartError(message, server.log);
    }
    this.updateStatus();
  }

  /** " · folder a" when the window has several folders. */
  private inFolder(server: OrchestraClient | undefined): string {
    return server?.folder && this.servers.all().length > 1 ? ` · folder ${server.folder.name}` : '';
  }

  dispose(): void {
    clearInterval(this.clock);
    for (const item of this.runItems.values()) item.dispose();
    for (const handle of this.progress.values()) handle.done();
    this.servers.dispose();
    this.reviews.dispose();
    this.contextProvider.dispose();
    this.contextChanged.dispose();
    this.reviewProvider.dispose();
    this.reviewChanged.dispose();
    this.log.dispose();
    this.status.dispose();
  }
}

/** A run the window was watching, as kept in the workspace's state. */
interface ActiveRun {
  runId: string;
  command: string;
  /** What it was doing when last heard of: "waiting for your review", "running step fix". */
  doing: string;
}

const ACTIVE_RUNS_KEY = 'orchestra.activeRuns';

/** Every step with its path (`build/review` inside a group), groups before their steps. */
function stepPaths(steps: StepInfo[]): { path: string; agent: string }[] {
  return steps.flatMap((s) => [{ path: s.path || s.id, agent: s.agent }, ...stepPaths(s.steps ?? [])]);
}

/** A run that ended without finishing (failed, cancelled, stopped, interrupted): it can be resumed. */
function resumable(run: RunInfo): boolean {
  return !['starting', 'running', 'waiting', 'finished'].includes(run.state) && !run.command.startsWith('undo');
}

/** A run that left a proposal pending (interrupted, or stopped for want of a person). */
function recoverable(run: RunInfo): boolean {
  return run.pendingProposal && run.state !== 'running' && !run.awaitingReview;
}

function toDiagnosticInfo(d: vscode.Diagnostic): DiagnosticInfo {
  return {
    range: {
      start: { line: d.range.start.line, character: d.range.start.character },
      end: { line: d.range.end.line, character: d.range.end.character },
    },
    message: d.message,
    severity: d.severity + 1,
    source: d.source ?? null,
    code: typeof d.code === 'object' ? String(d.code.value) : d.code ?? null,
  };
}

let orchestra: Orchestra | undefined;
let restartTimer: NodeJS.Timeout | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const o = new Orchestra(context.workspaceState);
  orchestra = o;
  context.subscriptions.push(o);
  const guard = (name: string, body: (...args: any[]) => Promise<void>) =>
    vscode.commands.registerCommand(name, async (...args: any[]) => {
      try {
        await body(...args);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        o.write(`✗ ${name}: ${message}`);
        void vscode.window.showErrorMessage(`Orchestra: ${message}`);
      }
    });
  context.subscriptions.push(
    guard('orchestra.runCommand', () => o.runCommand()),
    guard('orchestra.runOnSeveral', () => o.runOnSeveral()),
    guard('orchestra.showRuns', () => o.showRuns()),
    guard('orchestra.runMenu', (runId?: unknown) => (typeof runId === 'string' ? o.runMenu(runId) : o.showRuns())),
    guard('orchestra.cancelRun', () => o.cancelRun()),
    guard('orchestra.undoRun', (runId?: unknown) => o.undoRun(typeof runId === 'string' ? runId : undefined)),
    guard('orchestra.showContext', () => o.showContext()),
    guard('orchestra.reloadConfiguration', () => o.reload()),
    guard('orchestra.reviewProposal', (runId?: unknown) => o.reviewProposal(typeof runId === 'string' ? runId : undefined)),
    guard('orchestra.acceptFile', (uri?: unknown) => o.reviews.decide(uri instanceof vscode.Uri ? uri : undefined, true)),
    guard('orchestra.rejectFile', (uri?: unknown) => o.reviews.decide(uri instanceof vscode.Uri ? uri : undefined, false)),
    guard('orchestra.acceptHunks', (uri?: unknown) => o.reviews.decide(uri instanceof vscode.Uri ? uri : undefined, 'pick')),
    guard('orchestra.showChangedFiles', async () => {
      for (const runId of o.reviews.runs()) await o.reviews.pickFile(runId);
    }),
    guard('orchestra.approveEdit', (uri?: unknown) => o.finishEdit(uri instanceof vscode.Uri ? uri : undefined, true)),
    guard('orchestra.cancelEdit', (uri?: unknown) => o.finishEdit(uri instanceof vscode.Uri ? uri : undefined, false)),
    guard('orchestra.showLog', async () => o.log.show(true)),
    guard('orchestra.chooseReviewMode', async () => {
      const current = reviewMode();
      const items = [
        { label: 'Refactor Preview', description: 'tick the hunks to apply', mode: 'refactorPreview' },
        { label: 'Diff editor', description: 'one diff per file, Accept / Reject in the editor title', mode: 'diffEditor' },
      ].map((item) => ({ ...item, detail: item.mode === current ? 'current' : undefined }));
      const picked = await vscode.window.showQuickPick(items, { title: 'Orchestra: review proposed changes in…' });
      if (picked && picked.mode !== current) {
        await vscode.workspace.getConfiguration('orchestra').update('review.mode', picked.mode, vscode.ConfigurationTarget.Global);
      }
    }),
    guard('orchestra.restartServer', async () => {
      await o.restart();
    }),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (['orchestra.server', 'orchestra.pythonPath', 'orchestra.review.mode'].some((s) => e.affectsConfiguration(s))) {
        // Several settings often change at once: restart once, after the last.
        clearTimeout(restartTimer);
        restartTimer = setTimeout(() => void vscode.commands.executeCommand('orchestra.restartServer'), 300);
      }
    }),
  );
  await o.start();
}

export async function deactivate(): Promise<void> {
  await orchestra?.servers.stop();
}
