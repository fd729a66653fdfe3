// Starting `orchestra serve` and talking to it: the language client, the capabilities
// Orchestra adds, and a message that says why the server did not start and how to fix it.

import * as cp from 'child_process';
import * as os from 'os';
import * as vscode from 'vscode';
import {
  CloseAction,
  ErrorAction,
  ExecuteCommandRequest,
  LanguageClient,
  LanguageClientOptions,
  ServerOptions,
  State,
  StaticFeature,
  FeatureState,
  DynamicFeature,
  ClientCapabilities,
} from 'vscode-languageclient/node';
import { Launch, exitedMessage, expandPath, findExecutable, interpreterCandidates, notFoundMessage, resolveLaunch, workspaceCandidates } from './launch';
import { documentSelector, userConfigFolders } from './folders';
import { startTicked } from './previewEdit';
import { Methods } from './protocol';

export type ReviewMode = 'refactorPreview' | 'diffEditor';

export function reviewMode(): ReviewMode {
  const mode = vscode.workspace.getConfiguration('orchestra').get<string>('review.mode');
  return mode === 'diffEditor' ? 'diffEditor' : 'refactorPreview';
}

/** Declares `experimental.orchestra` in the client capabilities: free-text questions, the event stream and the review flow. */
class OrchestraCapabilities implements StaticFeature {
  constructor(private readonly mode: ReviewMode) {}
  fillClientCapabilities(capabilities: ClientCapabilities): void {
    const experimental = (capabilities.experimental ?? {}) as Record<string, unknown>;
    experimental.orchestra = {
      ask: true,
      edit: true, // an approve gate offers Edit…, answered through orchestra/edit
      events: true, // orchestra/event is sent only to clients that ask for it
      review: this.mode === 'diffEditor' ? 'proposal' : 'applyEdit',
    };
    capabilities.experimental = experimental;
    // The extension shows each run's progress itself, from its events, as a notification
    // with a Cancel button; the language client would show the server's $/progress as a
    // second, uncancellable entry in the status bar.
    if (capabilities.window) capabilities.window.workDoneProgress = false;
  }
  initialize(): void {}
  getState(): FeatureState {
    return { kind: 'static' };
  }
  clear(): void {}
}

export class StartError extends Error {}

/**
 * A language client that leaves the server's `executeCommandProvider` commands to the
 * extension: vscode-languageclient registers each one with VS Code per client, so the
 * second folder's client would fail to start ("command 'orchestra.run' already exists").
 * `OrchestraServers` registers them once and sends each to the right folder's server.
 */
class FolderLanguageClient extends LanguageClient {
  override registerFeature(feature: StaticFeature | DynamicFeature<unknown>): void {
    if ((feature as Partial<DynamicFeature<unknown>>).registrationType?.method === ExecuteCommandRequest.method) return;
    super.registerFeature(feature);
  }
}

/** The Python extension's selected interpreter for `resource`, when that extension is
 * installed (its `environments` API); undefined otherwise or when it does not answer. */
async function selectedInterpreter(resource: vscode.Uri | undefined): Promise<string | undefined> {
  const extension = vscode.extensions.getExtension('ms-python.python');
  if (!extension) return undefined;
  const ask = async (): Promise<string | undefined> => {
    const api = (extension.isActive ? extension.exports : await extension.activate()) as
      | { environments?: { getActiveEnvironmentPath?: (r?: vscode.Uri) => { path?: string } | undefined } }
      | undefined;
    return api?.environments?.getActiveEnvironmentPath?.(resource)?.path || undefined;
  };
  const late = new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 5000));
  return Promise.race([ask().catch(() => undefined), late]);
}

const STDERR_KEPT = 8000;

/** The language server of one workspace folder (or of a window with no folder). */
export class OrchestraClient implements vscode.Disposable {
  client: LanguageClient | undefined;
  private stderr = '';
  private exitCode: number | null | undefined;
  private launch: Launch | undefined;
  private crashes: number[] = [];
  private readonly serverLog: vscode.LogOutputChannel;

  /**
   * `home`: this server is also sent the person's own configuration files (one server
   * is, so that they are checked once). `named`: the window has several folders, so the
   * log and messages name this one.
   */
  constructor(
    readonly folder: vscode.WorkspaceFolder | undefined,
    readonly home: boolean,
    private readonly named: boolean,
    private readonly listeners: ((client: LanguageClient, server: OrchestraClient) => void)[],
  ) {
    const name = named && folder ? `Orchestra Language Server (${folder.name})` : 'Orchestra Language Server';
    this.serverLog = vscode.window.createOutputChannel(name, { log: true });
  }

  /** "Orchestra (a): …" in messages when the window has several folders. */
  tag(message: string): string {
    return this.named && this.folder ? message.replace(/^Orchestra: /, `Orchestra (${this.folder.name}): `) : message;
  }

  get running(): boolean {
    return this.client?.state === State.Running;
  }

  private starting: Promise<void> | undefined;

  /** Start the server; requests made meanwhile wait for it. */
  start(): Promise<void> {
    const starting = this.doStart();
    this.starting = starting;
    void starting.catch(() => undefined).then(() => {
      if (this.starting === starting) this.starting = undefined;
    });
    return starting;
  }

  private async doStart(): Promise<void> {
    const folder = this.folder;
    const config = vscode.workspace.getConfiguration('orchestra', folder);
    const root = folder?.uri.scheme === 'file' ? folder.uri.fsPath : undefined;
    const launch = resolveLaunch({
      command: expandPath(config.get<string>('server.command') ?? '', root, os.homedir()),
      args: config.get<string[]>('server.args') ?? ['serve'],
      pythonPath: expandPath(config.get<string>('pythonPath') ?? '', root, os.homedir()),
      env: {},
    });
    const env: NodeJS.ProcessEnv = { ...process.env, ...(config.get<Record<string, string>>('server.env') ?? {}) };
    let executable: string | undefined;
    if (launch.origin === 'PATH') {
      // Nothing configured: the interpreter the Python extension selected, when it has
      // Orchestra installed beside it, comes before a search of PATH.
      const interpreter = await selectedInterpreter(folder?.uri);
      executable = interpreter ? interpreterCandidates(interpreter).map((c) => findExecutable(c, undefined)).find(Boolean) : undefined;
      if (executable) {
        launch.command = executable;
        launch.origin = "the Python extension's interpreter";
      }
    }
    executable ??= findExecutable(launch.command, env.PATH);
    if (!executable && launch.origin === 'PATH' && root) {
      // Nothing configured and nothing on PATH: a virtualenv in the workspace will do.
      executable = workspaceCandidates(root).map((c) => findExecutable(c, undefined)).find(Boolean);
      if (executable) launch.command = executable;
    }
    this.launch = launch;
    if (!executable) throw new StartError(this.tag(notFoundMessage(launch)));

    this.stderr = '';
    this.exitCode = undefined;
    const serverOptions: ServerOptions = async () => {
      this.serverLog.info(`starting ${[executable, ...launch.args].join(' ')} (from ${launch.origin})`);
      const child = cp.spawn(executable, launch.args, { cwd: root, env, stdio: 'pipe' });
      child.stderr.on('data', (data: Buffer) => {
        this.stderr = (this.stderr + data.toString()).slice(-STDERR_KEPT);
      });
      child.on('exit', (code) => {
        this.exitCode = code;
      });
      child.on('error', (error) => {
        this.stderr += `\n${error.message}`;
      });
      return child;
    };

    const mode = reviewMode();
    const clientOptions: LanguageClientOptions = {
      // Only what the server needs (see `documentSelector`): its folder's files, and the
      // person's own configuration for the home server.
      documentSelector: documentSelector(
        root ? folder?.uri.toString() : undefined,
        this.home ? userConfigFolders(process.platform, process.env, os.homedir()) : [],
      ),
      workspaceFolder: folder,
      outputChannel: this.serverLog,
      middleware: {
        // A folder nested in this one has its own server: its documents are not sent
        // here (the selector's pattern takes them in; the innermost folder owns a file).
        didOpen: (document, next) => (this.nestedElsewhere(document.uri) ? Promise.resolve() : next(document)),
        didChange: (event, next) => (this.nestedElsewhere(event.document.uri) ? Promise.resolve() : next(event)),
        didSave: (document, next) => (this.nestedElsewhere(document.uri) ? Promise.resolve() : next(document)),
        didClose: (document, next) => (this.nestedElsewhere(document.uri) ? Promise.resolve() : next(document)),
        workspace: {
          // The handler's token is unused by the client's own (it answers when applied).
          handleApplyEdit: (params, next) =>
            next(config.get<boolean>('review.startTicked', true) ? startTicked(params) : params, new vscode.CancellationTokenSource().token),
        },
      },
      synchronize: {
        fileEvents: vscode.workspace.createFileSystemWatcher(
          folder
            ? new vscode.RelativePattern(folder, '{.orchestra/**,.claude/**,CLAUDE.md,AGENTS.md,.mcp.json}')
            : '{**/.orchestra/**,**/.claude/**,**/CLAUDE.md,**/AGENTS.md,**/.mcp.json}',
        ),
      },
      initializationOptions: { client: 'orchestra-vscode', reviewMode: mode },
      errorHandler: {
        error: () => ({ action: ErrorAction.Continue }),
        closed: () => this.onClosed(),
      },
      initializationFailedHandler: () => false,
    };
    const id = this.named && folder ? `orchestra-${folder.index}` : 'orchestra';
    const client = new FolderLanguageClient(id, `Orchestra${this.named && folder ? ` (${folder.name})` : ''}`, serverOptions, clientOptions);
    client.registerFeature(new OrchestraCapabilities(mode));
    for (const listener of this.listeners) listener(client, this);
    this.client = client;
    try {
      await client.start();
    } catch (error) {
      await this.waitForExit();
      this.client = undefined;
      throw new StartError(this.tag(exitedMessage(launch, this.exitCode ?? null, this.stderr || String(error))));
    }
  }

  /** Whether `uri` is in another workspace folder nested inside this server's. */
  private nestedElsewhere(uri: vscode.Uri): boolean {
    const owner = this.folder && vscode.workspace.getWorkspaceFolder(uri);
    return !!owner && owner.uri.toString() !== this.folder?.uri.toString();
  }

  private async waitForExit(): Promise<void> {
    for (let i = 0; i < 20 && this.exitCode === undefined; i++) await new Promise((r) => setTimeout(r, 50));
  }

  private async onClosed(): Promise<{ action: CloseAction; message?: string; handled?: boolean }> {
    const now = Date.now();
    this.crashes = this.crashes.filter((t) => now - t < 180_000);
    this.crashes.push(now);
    if (this.client && this.client.state !== State.Starting && this.crashes.length <= 3) {
      return { action: CloseAction.Restart, handled: true };
    }
    await this.waitForExit();
    if (this.client?.state === State.Starting) {
      return { action: CloseAction.DoNotRestart, handled: true }; // start() reports it
    }
    const message = this.tag(this.launch
      ? exitedMessage(this.launch, this.exitCode ?? null, this.stderr)
      : 'Orchestra: the language server stopped.');
    void showStartError(message, this.serverLog);
    return { action: CloseAction.DoNotRestart, handled: true };
  }

  async stop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (client) {
      try {
        await client.stop(2000);
      } catch {
        // it is going away anyway
      }
    }
  }

  /** A request to the server; a clear error when it is not running. */
  async request<R>(method: string, params: unknown): Promise<R> {
    if (this.starting) await this.starting.catch(() => undefined);
    const client = this.client;
    if (!client || client.state !== State.Running) {
      const of = this.named && this.folder ? ` of ${this.folder.name}` : '';
      throw new Error(`the Orchestra language server${of} is not running (see "Orchestra: Restart Server")`);
    }
    return client.sendRequest<R>(method, params);
  }

  async executeCommand(command: string, args: unknown[] = []): Promise<unknown> {
    return this.request(ExecuteCommandRequest.method, { command, arguments: args });
  }

  reload(): Promise<unknown> {
    return this.executeCommand(Methods.reloadCommand);
  }

  /** The server's log (the language client's output). */
  get log(): vscode.OutputChannel {
    return this.serverLog;
  }

  dispose(): void {
    void this.stop();
    this.serverLog.dispose();
  }
}

/**
 * One server per workspace folder, started and stopped as folders come and go (VS
 * Code's lsp-multi-server pattern); a window with no folder has one server of its own.
 * The servers' `workspace/executeCommand` commands (those of code actions) are
 * registered here once and sent to the server of the active editor's folder.
 */
export class OrchestraServers implements vscode.Disposable {
  private readonly servers = new Map<string, OrchestraClient>();
  private readonly listeners: ((client: LanguageClient, server: OrchestraClient) => void)[] = [];
  private readonly commands = new Map<string, vscode.Disposable>();
  private readonly subscription: vscode.Disposable;

  /** `started(server)` after a server started (or failed to: then with its error). */
  constructor(private readonly started: (server: OrchestraClient, error?: unknown) => void) {
    // Folders added to the window get a server at once; removed ones lose theirs.
    this.subscription = vscode.workspace.onDidChangeWorkspaceFolders(
      () => void this.sync().then((fresh) => Promise.all(fresh.map((server) => this.startOne(server)))),
    );
  }

  /** Called with each new client before it starts (to register handlers). */
  onClient(listener: (client: LanguageClient, server: OrchestraClient) => void): void {
    this.listeners.push(listener);
  }

  /** Every folder's server, in the folders' order. */
  all(): OrchestraClient[] {
    return [...this.servers.values()];
  }

  get running(): boolean {
    return this.all().some((s) => s.running);
  }

  /** The server of the folder that holds `uri`, if a folder does. */
  forUri(uri: vscode.Uri | undefined): OrchestraClient | undefined {
    const folder = uri && vscode.workspace.getWorkspaceFolder(uri);
    return folder ? this.servers.get(folder.uri.toString()) : undefined;
  }

  /** The active editor's folder's server, else the first. */
  preferred(): OrchestraClient | undefined {
    return this.forUri(vscode.window.activeTextEditor?.document.uri) ?? this.all()[0];
  }

  /** Which folder `title` is for: asked only when there are several (the active
   * editor's folder first, and picked by Enter). Undefined when the person escapes. */
  async pick(title: string): Promise<OrchestraClient | undefined> {
    const servers = this.all();
    if (servers.length <= 1) {
      if (!servers[0]) throw new Error('the Orchestra language server is not running (see "Orchestra: Restart Server")');
      return servers[0];
    }
    const first = this.preferred();
    const ordered = [...servers].sort((a, b) => Number(b === first) - Number(a === first));
    const picked = await vscode.window.showQuickPick(
      ordered.map((server) => ({
        label: server.folder?.name ?? 'no folder',
        description: server === first && vscode.window.activeTextEditor ? 'the active editor\'s folder' : '',
        detail: server.folder?.uri.fsPath,
        server,
      })),
      { title: `${title} — in which folder?`, placeHolder: 'Each folder has its own commands, runs and journal' },
    );
    return picked?.server;
  }

  /** Start a server for each folder (all at once); each reports through `started`. */
  async start(): Promise<void> {
    await this.sync();
    await Promise.all(this.all().map((server) => this.startOne(server)));
  }

  async stop(): Promise<void> {
    await Promise.all(this.all().map((server) => server.stop()));
  }

  async restart(): Promise<void> {
    await this.stop();
    await Promise.all(this.all().map((server) => this.startOne(server)));
  }

  private async startOne(server: OrchestraClient): Promise<void> {
    try {
      await server.start();
      this.registerCommands(server);
      this.started(server);
    } catch (error) {
      this.started(server, error);
    }
  }

  /** Servers for the folders there are now: removed ones stop; the new ones are returned. */
  private async sync(): Promise<OrchestraClient[]> {
    const folders = vscode.workspace.workspaceFolders ?? [];
    const named = folders.length > 1 || vscode.workspace.workspaceFile !== undefined;
    const wanted = folders.length ? folders.map((f) => f.uri.toString()) : [''];
    const stopping: Promise<void>[] = [];
    for (const [key, server] of this.servers) {
      // A server that is no longer the home one stops too, and starts again without the
      // person's configuration files (and the other way round).
      const home = wanted[0] === key;
      if (!wanted.includes(key) || server.home !== home) {
        this.servers.delete(key);
        stopping.push(server.stop().then(() => server.dispose()));
      }
    }
    await Promise.all(stopping);
    const fresh: OrchestraClient[] = [];
    const servers = new Map<string, OrchestraClient>();
    for (const [i, key] of wanted.entries()) {
      let server = this.servers.get(key);
      if (!server) {
        server = new OrchestraClient(folders[i], i === 0, named, this.listeners);
        fresh.push(server);
      }
      servers.set(key, server);
    }
    this.servers.clear();
    for (const [key, server] of servers) this.servers.set(key, server);
    return fresh;
  }

  /** The server's own commands (code actions run them): registered once for all servers. */
  private registerCommands(server: OrchestraClient): void {
    const provided = server.client?.initializeResult?.capabilities.executeCommandProvider?.commands ?? [];
    for (const command of provided) {
      if (this.commands.has(command)) continue;
      this.commands.set(
        command,
        vscode.commands.registerCommand(command, (...args: unknown[]) => {
          // A code action's run names its document: that folder's server runs it.
          const named = (args[0] as { uri?: unknown } | undefined)?.uri;
          const target = (typeof named === 'string' ? this.forUri(vscode.Uri.parse(named)) : undefined) ?? this.preferred();
          if (!target) throw new Error('the Orchestra language server is not running');
          return target.executeCommand(command, args);
        }),
      );
    }
  }

  dispose(): void {
    this.subscription.dispose();
    for (const command of this.commands.values()) command.dispose();
    for (const server of this.all()) server.dispose();
  }
}

export async function showStartError(message: string, log?: vscode.OutputChannel): Promise<void> {
  const picked = await vscode.window.showErrorMessage(message, 'Open Settings', 'Show Server Log', 'Retry');
  if (picked === 'Open Settings') {
    await vscode.commands.executeCommand('workbench.action.openSettings', 'orchestra.server');
  } else if (picked === 'Show Server Log') {
    log?.show(true);
  } else if (picked === 'Retry') {
    await vscode.commands.executeCommand('orchestra.restartServer');
  }
}
