// An ACP client on the official TypeScript SDK: starts the agent given on the command
// line, opens a session in the folder given, sends each prompt, and answers every
// permission ask with the first still-unused option id listed in ANSWERS (a JSON list),
// else cancels it. Prints one JSON object: the updates, the asks and the answers.
import { spawn } from "node:child_process";
import { Readable, Writable } from "node:stream";
import { client, methods, ndJsonStream, PROTOCOL_VERSION } from "@agentclientprotocol/sdk";

const [cwd, promptsJson, ...agent] = process.argv.slice(2);
const answers = JSON.parse(process.env.ANSWERS ?? "[]");
const child = spawn(agent[0], agent.slice(1), { cwd, stdio: ["pipe", "pipe", "inherit"] });
const stream = ndJsonStream(Writable.toWeb(child.stdin), Readable.toWeb(child.stdout));

const updates = [];
const asks = [];
const stops = [];
const app = client({ name: "orchestra-test-client" })
  .onNotification(methods.client.session.update, ({ params }) => {
    updates.push(params.update);
  })
  .onRequest(methods.client.session.requestPermission, ({ params }) => {
    asks.push({ toolCallId: params.toolCall.toolCallId, options: params.options.map((o) => o.optionId) });
    const ids = params.options.map((o) => o.optionId);
    const index = answers.findIndex((a) => ids.includes(a));
    if (index < 0) return { outcome: { outcome: "cancelled" } };
    const [optionId] = answers.splice(index, 1);
    return { outcome: { outcome: "selected", optionId } };
  });

const result = await app.connectWith(stream, async (ctx) => {
  const init = await ctx.request(methods.agent.initialize, {
    protocolVersion: PROTOCOL_VERSION,
    clientCapabilities: {},
  });
  const session = await ctx.request(methods.agent.session.new, { cwd, mcpServers: [] });
  for (const text of JSON.parse(promptsJson)) {
    const answer = await ctx.request(methods.agent.session.prompt, {
      sessionId: session.sessionId,
      prompt: [{ type: "text", text }],
    });
    stops.push(answer.stopReason);
  }
  return { init, updates, asks, stops };
});
child.stdin.end();
await new Promise((resolve) => child.on("exit", resolve));
process.stdout.write(JSON.stringify(result));
