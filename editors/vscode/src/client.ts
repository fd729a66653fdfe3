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
  ClientCapabilities,
} from 'vscode-languageclient/node';
import { Launch, exitedMessage, expandPath, findExecutable, interpreterCandidates, notFoundMessage, resolveLaunch, workspaceCandidates } from './launch';
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

export class OrchestraClient implements vscode.Disposable {
  client: LanguageClient | undefined;
  private stderr = '';
  private exitCode: number | null | undefined;
  private launch: Launch | undefined;
  private crashes: number[] = [];
  private readonly serverLog: vscode.LogOutputChannel;
  private readonly listeners: ((client: LanguageClient) => void)[] = [];

  constructor() {
    this.serverLog = vscode.window.createOutputChannel('Orchestra Language Server', { log: true });
  }

  /** Called with each new client before it starts (to register handlers). */
  onClient(listener: (client: LanguageClient) => void): void {
    this.listeners.push(listener);
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
    const folder = vscode.workspace.workspaceFolders?.[0];
    const config = vscode.workspace.getConfiguration('orchestra');
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
    if (!executable) throw new StartError(notFoundMessage(launch));

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
      // Only what the server needs: files of the folder it serves (a run may change any
      // of them, and reads open buffers back) and configuration files wherever they are
      // (the user's own commands and agents); not untitled buffers, output channels or
      // files of other folders.
      documentSelector: [
        // (a folder whose path holds glob characters cannot be a pattern: all files then)
        root && !/[[\]{}*?!]/.test(root) ? { scheme: 'file', pattern: `${root.replace(/\\/g, '/')}/**` } : { scheme: 'file' },
        { scheme: 'file', pattern: '**/{.orchestra,orchestra,.claude}/**' },
        { scheme: 'file', pattern: '**/{CLAUDE.md,AGENTS.md,.mcp.json}' },
      ],
      outputChannel: this.serverLog,
      middleware: {
        workspace: {
          // The handler's token is unused by the client's own (it answers when applied).
          handleApplyEdit: (params, next) =>
            next(config.get<boolean>('review.startTicked', true) ? startTicked(params) : params, new vscode.CancellationTokenSource().token),
        },
      },
      synchronize: {
        fileEvents: vscode.workspace.createFileSystemWatcher('{**/.orchestra/**,**/.claude/**,**/CLAUDE.md,**/AGENTS.md,**/.mcp.json}'),
      },
      initializationOptions: { client: 'orchestra-vscode', reviewMode: mode },
      errorHandler: {
        error: () => ({ action: ErrorAction.Continue }),
        closed: () => this.onClosed(),
      },
      initializationFailedHandler: () => false,
    };
    const client = new LanguageClient('orchestra', 'Orchestra', serverOptions, clientOptions);
    client.registerFeature(new OrchestraCapabilities(mode));
    for (const listener of this.listeners) listener(client);
    this.client = client;
    try {
      await client.start();
    } catch (error) {
      await this.waitForExit();
      this.client = undefined;
      throw new StartError(exitedMessage(launch, this.exitCode ?? null, this.stderr || String(error)));
    }
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
    const message = this.launch
      ? exitedMessage(this.launch, this.exitCode ?? null, this.stderr)
      : 'Orchestra: the language server stopped.';
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
      throw new Error('the Orchestra language server is not running (see "Orchestra: Restart Server")');
    }
    return client.sendRequest<R>(method, params);
  }

  async executeCommand(command: string, args: unknown[] = []): Promise<unknown> {
    return this.request(ExecuteCommandRequest.method, { command, arguments: args });
  }

  reload(): Promise<unknown> {
    return this.executeCommand(Methods.reloadCommand);
  }

  showServerLog(): void {
    this.serverLog.show(true);
  }

  dispose(): void {
    void this.stop();
    this.serverLog.dispose();
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
