// An ACP client on the official TypeScript SDK: starts the agent given on the command
// line in the folder given, runs the actions given (a JSON list), and prints one JSON
// object: the initialize answer, every update, every permission ask, each action's
// answer. Actions: "text" (a prompt, in a new session if none is open yet),
// {"new": true}, {"list": true}, {"load": "SESSION_ID"}, {"mode": "MODE_ID"}.
// Permission asks are answered with the first still-unused option id listed in
// ANSWERS (a JSON list), else cancelled; elicitations (offered when FEEDBACK is set)
// with the next text of FEEDBACK (a JSON list), else declined. MCP (a JSON list) is
// the mcpServers of session/new and session/load.
import { spawn } from "node:child_process";
import { Readable, Writable } from "node:stream";
import { client, methods, ndJsonStream, PROTOCOL_VERSION } from "@agentclientprotocol/sdk";

const [cwd, actionsJson, ...agent] = process.argv.slice(2);
const answers = JSON.parse(process.env.ANSWERS ?? "[]");
const mcpServers = JSON.parse(process.env.MCP ?? "[]");
const feedback = process.env.FEEDBACK === undefined ? null : JSON.parse(process.env.FEEDBACK);
const child = spawn(agent[0], agent.slice(1), { cwd, stdio: ["pipe", "pipe", "inherit"] });
const stream = ndJsonStream(Writable.toWeb(child.stdin), Readable.toWeb(child.stdout));

const updates = [];
const asks = [];
const elicitations = [];
const results = [];
const stops = [];
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
  });

const clientCapabilities = feedback === null ? {} : { elicitation: { form: {} } };
const result = await app.connectWith(stream, async (ctx) => {
  const init = await ctx.request(methods.agent.initialize, {
    protocolVersion: PROTOCOL_VERSION,
    clientCapabilities,
  });
  let sessionId = null;
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
  return { init, updates, asks, elicitations, results, stops };
});
child.stdin.end();
await new Promise((resolve) => child.on("exit", resolve));
process.stdout.write(JSON.stringify(result));
