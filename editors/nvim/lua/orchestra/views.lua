--- :Orchestra context (what the last model call's prompt held, per source, in tokens)
--- and :Orchestra log [run] (a run's journal, one line per event).
local client_mod = require("orchestra.client")
local events = require("orchestra.events")
local util = require("orchestra.util")

local M = {}

local function manifest_lines(manifest)
  local lines = {}
  local sources = {}
  for name, tokens in pairs(manifest.sources or {}) do
    table.insert(sources, { name = name, tokens = tokens })
  end
  table.sort(sources, function(a, b)
    return a.tokens > b.tokens
  end)
  for _, source in ipairs(sources) do
    table.insert(lines, ("  %-28s %8d tokens"):format(source.name, source.tokens))
  end
  table.insert(lines, ("  %-28s %8d tokens"):format("conversation", manifest.conversation_tokens or manifest.conversationTokens or 0))
  local total = manifest.total_tokens or manifest.totalTokens or 0
  local budget = manifest.budget_tokens or manifest.budgetTokens or 0
  table.insert(lines, ("  %-28s %8d of %d tokens%s"):format("total", total, budget, manifest.fits == false and " · does not fit" or ""))
  for _, cut in ipairs(manifest.cuts or {}) do
    table.insert(lines, ("  cut: %s (%s → %s tokens)"):format(cut.detail or cut.kind, cut.tokens_before or cut.tokensBefore or "?", cut.tokens_after or cut.tokensAfter or "?"))
  end
  return lines
end

--- :Orchestra context [command args…]: the last model call's manifest; with a command
--- (or when no call was made yet), what each of its steps would send.
M.context = util.async(function(args)
  local last = events.last_context
  if #args == 0 and last then
    local lines = { ("Context of the last model call · %s · step %s · run %s"):format(last.command, last.step_id, last.run_id), "" }
    vim.list_extend(lines, manifest_lines(last.manifest))
    util.scratch("orchestra://context", lines, "orchestracontext")
    return
  end
  local client = client_mod.current()
  if not client then
    return
  end
  local run_mod = require("orchestra.run")
  local catalog = require("orchestra.catalog")
  local command
  if args[1] then
    command = catalog.find(catalog.fetch(client) or {}, args[1])
  else
    command = run_mod.pick(client, "Orchestra: context of which command? (no model call yet)")
  end
  if not command then
    if args[1] then
      util.notify("no command " .. args[1], vim.log.levels.ERROR)
    end
    return
  end
  local values = run_mod.parse_arguments(command, vim.list_slice(args, 2))
  local result, err = client_mod.request(client, "orchestra/context", { command = command.name, arguments = vim.tbl_isempty(values) and vim.empty_dict() or values })
  if not result then
    util.notify("no context: " .. err, vim.log.levels.ERROR)
    return
  end
  local lines = { ("Context %s would send, per step (no model call made)"):format(command.name), "" }
  for _, step in ipairs(result.steps or {}) do
    table.insert(lines, ("%s (%s)%s"):format(step.stepId, step.agent, step.mcpToolsCounted and "" or " · MCP tool declarations not counted"))
    vim.list_extend(lines, manifest_lines(step.manifest))
    table.insert(lines, "")
  end
  util.scratch("orchestra://context", lines, "orchestracontext")
end)

local function brief(value, limit)
  local text = type(value) == "string" and value or vim.json.encode(value)
  text = text:gsub("\n", " ")
  if #text > limit then
    text = text:sub(1, limit) .. "…"
  end
  return text
end

local describe = {
  run_started = function(e)
    return ("%s %s"):format(e.command, brief(e.arguments or {}, 80))
  end,
  step_started = function(e)
    return ("%s (%s) %d/%d"):format(e.step_id, e.agent, e.index + 1, e.total)
  end,
  tool_call_started = function(e)
    return ("%s %s"):format(e.tool, brief(e.arguments or {}, 100))
  end,
  tool_call_finished = function(e)
    return ("%s %s%s: %s"):format(e.tool, e.is_error and "failed after " or "", util.duration(e.duration_ms), brief(e.summary or "", 80))
  end,
  permission_asked = function(e)
    return ("%s %s"):format(e.tool, brief(e.arguments or {}, 100))
  end,
  permission_decided = function(e)
    return ("%s: %s by %s %s"):format(e.tool, e.verdict, e.by, e.reason or "")
  end,
  gate_opened = function(e)
    return ("%s at %s"):format(e.gate, e.step_id)
  end,
  gate_decided = function(e)
    local edited = e.edited == true and (" · edited: " .. tostring(e.output):gsub("\n", " ⏎ ")) or ""
    return ("%s: %s by %s%s%s"):format(e.gate, e.decision, e.by, (e.feedback and e.feedback ~= vim.NIL) and (" · " .. e.feedback) or "", edited)
  end,
  proposal_ready = function(e)
    local files = {}
    for _, f in ipairs(e.files or {}) do
      table.insert(files, ("%s (%s, %d hunks)"):format(f.path, f.kind, f.hunks))
    end
    return table.concat(files, ", ")
  end,
  proposal_decided = function(e)
    local parts = { e.path .. ": " .. tostring(e.outcome) }
    if #(e.accepted or {}) > 0 then
      table.insert(parts, "accepted " .. table.concat(e.accepted, ","))
    end
    if #(e.rejected or {}) > 0 then
      table.insert(parts, "rejected " .. table.concat(e.rejected, ","))
    end
    if e.detail and e.detail ~= "" then
      table.insert(parts, e.detail)
    end
    return table.concat(parts, " · ")
  end,
  usage = function(e)
    return ("%s: %d in, %d out · %s (run %s)"):format(e.agent, e.input_tokens, e.output_tokens, util.cost(e.cost_usd), util.cost(e.run_cost_usd))
  end,
  context = function(e)
    return ("%s: %s tokens"):format(e.step_id, (e.manifest or {}).total_tokens or "?")
  end,
  notice = function(e)
    return ("%s: %s"):format(e.level, e.message)
  end,
  step_finished = function(e)
    return ("%s after %d turns"):format(e.step_id, e.turns or 0)
  end,
  run_finished = function(e)
    return util.cost(e.cost_usd)
  end,
  run_failed = function(e)
    return e.error
  end,
  run_cancelled = function(e)
    return e.reason
  end,
}

--- The lines of a journal (events.jsonl): one per event, streamed text as paragraphs.
function M.log_lines(path)
  local ok, raw = pcall(vim.fn.readfile, path)
  if not ok then
    return { "cannot read " .. path }
  end
  local lines, text = {}, nil
  local function flush()
    if text then
      for _, line in ipairs(vim.split(text, "\n", { plain = true })) do
        table.insert(lines, "    │ " .. line)
      end
      text = nil
    end
  end
  for _, json in ipairs(raw) do
    local decoded, event = pcall(vim.json.decode, json, { luanil = { object = true, array = true } })
    if decoded and type(event) == "table" then
      if event.type == "text_delta" then
        text = (text or "") .. (event.text or "")
      else
        flush()
        local time = type(event.ts) == "string" and event.ts:match("T(%d+:%d+:%d+)") or ""
        local detail = describe[event.type] and describe[event.type](event) or ""
        table.insert(lines, ("%s %-18s %s"):format(time, event.type or "?", detail or ""))
      end
    end
  end
  flush()
  return lines
end

--- :Orchestra log [run]: a run's journal (the newest run by default).
M.log = util.async(function(run_id)
  local client = require("orchestra.runs").client_for(run_id)
  if not client then
    return
  end
  if run_id == nil then
    local result = client_mod.request(client, "orchestra/runs", { limit = 1 })
    run_id = result and result.runs and result.runs[1] and result.runs[1].runId
    if not run_id then
      util.notify("no runs yet", vim.log.levels.WARN)
      return
    end
  end
  local path = vim.fs.joinpath(client.config.root_dir, ".orchestra", "runs", run_id, "events.jsonl")
  local lines = { ("Orchestra log · run %s · %s"):format(run_id, vim.fn.fnamemodify(path, ":~:.")), "" }
  vim.list_extend(lines, M.log_lines(path))
  local bufnr = util.scratch("orchestra://log/" .. run_id, lines, "orchestralog")
  util.map(bufnr, "q", "<cmd>close<cr>", "close")
  util.map(bufnr, "R", function()
    M.log(run_id)
  end, "reload")
  vim.cmd("normal! G")
end)

return M
