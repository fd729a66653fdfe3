// An ACP client on the official TypeScript SDK: starts the agent given on the command
// line in the folder given, runs the actions given (a JSON list), and prints one JSON
// object: the initialize answer, every update, every permission ask, each action's
// answer. Actions: "text" (a prompt, in a new session if none is open yet),
// {"new": true}, {"list": true}, {"load": "SESSION_ID"}, {"mode": "MODE_ID"}.
// Permission asks are answered with the first still-unused option id listed in
// ANSWERS (a JSON list), else cancelled; elicitations (offered when FEEDBACK is set)
// with the next text of FEEDBACK (a JSON list), else declined. MCP (a JSON list) is
// the mcpServers of session/new and session/load. With BUFFERS set (a JSON object of
// workspace-relative path: unsaved text), the client offers fs/*: reads give a
// buffer's text, else the disk's; writes go to disk, as an editor saving them. With
// TERMINAL set, it offers terminal/*, running each command as a child process.
// TYPED (a JSON object of path: text) is typed into those buffers when the first
// review of an edit is asked (the person goes on editing while the review waits).
// With ACP_MCP set, the client provides an MCP server of its own over the connection
// (MCP-over-ACP, `"type": "acp"` in mcpServers): `editor` with the tool `selection`.
import { spawn } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { relative } from "node:path";
import { Readable, Writable } from "node:stream";
// The unstable entry point: the stable one does not route `mcp/message` yet.
import {
  client,
  McpOverAcpProvider,
  McpProtocolError,
  methods,
  ndJsonStream,
  PROTOCOL_VERSION,
  RequestError,
} from "@agentclientprotocol/sdk/unstable";

const [cwd, actionsJson, ...agent] = process.argv.slice(2);
const answers = JSON.parse(process.env.ANSWERS ?? "[]");
const mcpServers = JSON.parse(process.env.MCP ?? "[]");
const buffers = process.env.BUFFERS === undefined ? null : JSON.parse(process.env.BUFFERS);
const offersTerminal = process.env.TERMINAL !== undefined;
const providesMcp = process.env.ACP_MCP !== undefined;
const mcpRequests = [];
const provider = new McpOverAcpProvider();

// A hand-written MCP 2026-07-28 server: discovery, one tool, its call. Results of that
// revision say they are complete, and lists how long they may be cached.
const listed = { resultType: "complete", ttlMs: 0, cacheScope: "private" };
function editorServer({ method, params, protocolVersion }) {
  mcpRequests.push({ method, protocolVersion });
  if (method === "server/discover") {
    return {
      result: {
        ...listed,
        supportedVersions: ["2026-07-28"],
        capabilities: { tools: {} },
        serverInfo: { name: "editor", version: "1.0.0" },
      },
    };
  }
  if (method === "tools/list") {
    const inputSchema = { type: "object", properties: { wrap: { type: "string" } } };
    const tools = [{ name: "selection", description: "The selection", inputSchema }];
    return { result: { ...listed, tools } };
  }
  if (method === "tools/call" && params.name === "selection") {
    const wrap = params.arguments?.wrap ?? "";
    const content = [{ type: "text", text: `${wrap}selected-in-the-editor${wrap}` }];
    return { result: { resultType: "complete", content } };
  }
  throw new McpProtocolError(-32601, `no method ${method}`);
}
const typed = JSON.parse(process.env.TYPED ?? "{}");
const feedback = process.env.FEEDBACK === undefined ? null : JSON.parse(process.env.FEEDBACK);
const child = spawn(agent[0], agent.slice(1), { cwd, stdio: ["pipe", "pipe", "inherit"] });
const stream = ndJsonStream(Writable.toWeb(child.stdin), Readable.toWeb(child.stdout));

const updates = [];
const asks = [];
const elicitations = [];
const results = [];
const stops = [];
const reads = [];
const writes = [];
const terminals = new Map();
const commands = [];
const app = client({ name: "orchestra-test-client" })
  .onNotification(methods.client.session.update, ({ params }) => {
    updates.push({ ...params.update, _action: results.length, _session: params.sessionId });
  })
  .onRequest(methods.client.session.requestPermission, ({ params }) => {
    asks.push({
      toolCallId: params.toolCall.toolCallId,
      options: params.options.map((o) => o.optionId),
      kinds: params.options.map((o) => o.kind),
    });
    if (buffers !== null && params.toolCall.toolCallId.startsWith("review-")) {
      Object.assign(buffers, typed);
      for (const key of Object.keys(typed)) delete typed[key];
    }
    const ids = params.options.map((o) => o.optionId);
    const index = answers.findIndex((a) => ids.includes(a));
    if (index < 0) return { outcome: { outcome: "cancelled" } };
    const [optionId] = answers.splice(index, 1);
    return { outcome: { outcome: "selected", optionId } };
  })
  .onRequest(methods.client.elicitation.create, ({ params }) => {
    elicitations.push({ message: params.message, schema: params.requestedSchema });
    const text = feedback?.shift();
    if (text === undefined) return { action: "decline" };
    return { action: "accept", content: { feedback: text } };

  })
  .onRequest(methods.client.fs.readTextFile, ({ params }) => {
    const path = relative(cwd, params.path);
    reads.push(path);
    if (path in buffers) return { content: buffers[path] };
    if (!existsSync(params.path)) throw RequestError.resourceNotFound(params.path);
    return { content: readFileSync(params.path, "utf8") };
  })
  .onRequest(methods.client.fs.writeTextFile, ({ params }) => {
    writes.push({ path: relative(cwd, params.path), content: params.content });
    writeFileSync(params.path, params.content);
    delete buffers[relative(cwd, params.path)];
    return {};
  })
  .onRequest(methods.client.mcp.message, provider.handleRequest)
  .onRequest(methods.client.terminal.create, ({ params }) => {
    const id = `term-${terminals.size + 1}`;
    commands.push({ command: params.command, args: params.args ?? [], cwd: params.cwd });
    const env = { ...process.env };
    for (const { name, value } of params.env ?? []) env[name] = value;
    // Its own process group, so a kill ends what the command started too.
    const proc = spawn(params.command, params.args ?? [], {
      cwd: params.cwd ?? cwd,
      env,
      detached: true,
    });
    const term = { output: "", exit: null };
    term.done = new Promise((resolve) => {
      proc.on("exit", (exitCode, signal) => {
        term.exit = { exitCode, signal };
        resolve(term.exit);
      });
    });
    proc.stdout.on("data", (d) => (term.output += d));
    proc.stderr.on("data", (d) => (term.output += d));
    term.proc = proc;
    terminals.set(id, term);
    return { terminalId: id };
  })
  .onRequest(methods.client.terminal.output, ({ params }) => {
    const term = terminals.get(params.terminalId);
    return { output: term.output, truncated: false, exitStatus: term.exit };
  })
  .onRequest(methods.client.terminal.waitForExit, async ({ params }) => {
    return await terminals.get(params.terminalId).done;
  })
  .onRequest(methods.client.terminal.kill, ({ params }) => {
    endGroup(terminals.get(params.terminalId));
    return {};
  })
  .onRequest(methods.client.terminal.release, ({ params }) => {
    endGroup(terminals.get(params.terminalId));
    terminals.delete(params.terminalId);
    return {};
  });

function endGroup(term) {
  try {
    process.kill(-term.proc.pid, "SIGKILL");
  } catch {
    // already gone
  }
}

const clientCapabilities = {};
if (feedback !== null) clientCapabilities.elicitation = { form: {} };
if (buffers !== null) clientCapabilities.fs = { readTextFile: true, writeTextFile: true };
if (offersTerminal) clientCapabilities.terminal = true;
const result = await app.connectWith(stream, async (ctx) => {
  const init = await ctx.request(methods.agent.initialize, {
    protocolVersion: PROTOCOL_VERSION,
    clientCapabilities,
  });
  let sessionId = null;
  if (providesMcp) {
    const editor = provider.registerServer(ctx, { name: "editor", handler: editorServer });
    mcpServers.push(editor.declaration);
  }
  for (const action of JSON.parse(actionsJson)) {
    if (typeof action === "string") {
      if (sessionId === null) {
        sessionId = (await ctx.request(methods.agent.session.new, { cwd, mcpServers })).sessionId;
      }
      const answer = await ctx.request(methods.agent.session.prompt, {
        sessionId,
        prompt: [{ type: "text", text: action }],
      });
      stops.push(answer.stopReason);
      results.push(answer);
    } else if (action.new) {
      const answer = await ctx.request(methods.agent.session.new, { cwd, mcpServers });
      sessionId = answer.sessionId;
      results.push(answer);
    } else if (action.list) {
      results.push(await ctx.request(methods.agent.session.list, { cwd }));
    } else if (action.load) {
      const answer = await ctx.request(methods.agent.session.load, {
        cwd,
        sessionId: action.load,
        mcpServers,
      });
      sessionId = action.load;
      results.push({ ...answer, updatesSoFar: updates.length });
    } else if (action.mode) {
      results.push(
        await ctx.request(methods.agent.session.setMode, { sessionId, modeId: action.mode }),
      );
    }
  }
  return {
    init,
    updates,
    asks,
    elicitations,
    results,
    stops,
    reads,
    writes,
    commands,
    mcpRequests,
  };
});
child.stdin.end();
await new Promise((resolve) => child.on("exit", resolve));
process.stdout.write(JSON.stringify(result));
