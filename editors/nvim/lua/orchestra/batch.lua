--- :Orchestra batch [command] [name=value…] [each=V1,V2…] [parallel=N] [gate=STEP=ANSWER]…
--- [yes] — "run on several": the command once per item (`orchestra/batch`), shown in a
--- buffer (`orchestra://batch/<id>`) that follows `orchestra/batchProgress`: each item's
--- state, verdicts, cost and run, and at the end the summary. `<CR>` on an item opens
--- its run's log. Without a command: a picker, then the items and how many at a time.
local catalog = require("orchestra.catalog")
local client_mod = require("orchestra.client")
local util = require("orchestra.util")

local M = {}

---@type table<string, table> batch id -> the last BatchProgress
M.batches = {}

--- The request's params from the command's words; nil and why on a word it cannot read.
function M.parse(words)
  local params = { arguments = vim.empty_dict(), gates = {} }
  for _, word in ipairs(words) do
    local name, value = word:match("^([%w_%-]+)=(.*)$")
    if word == "yes" then
      params.yes = true
    elseif name == "each" then
      params.items = vim.split(value, ",", { trimempty = true })
    elseif name == "parallel" then
      params.parallel = tonumber(value)
      if not params.parallel then
        return nil, ("parallel=%s is not a number"):format(value)
      end
    elseif name == "gate" then
      table.insert(params.gates, value)
    elseif name then
      params.arguments[name] = value
    elseif params.command == nil then
      params.command = word
    else
      return nil, ("cannot read %q (:Orchestra batch [command] [name=value] each=A,B [parallel=N] [gate=STEP=ANSWER] [yes])"):format(word)
    end
  end
  return params
end

--- The argument the items set, as the server picks it: the only one, else the only required one.
local function varying(command)
  local all, required = {}, {}
  for _, argument in ipairs(command.arguments or {}) do
    table.insert(all, argument.name)
    if argument.required then
      table.insert(required, argument.name)
    end
  end
  return (#all == 1 and all[1]) or (#required == 1 and required[1]) or nil
end

local function verdicts(item)
  local parts = {}
  for step, verdict in pairs(type(item.verdicts) == "table" and item.verdicts or {}) do
    local shown = type(verdict) == "table" and table.concat(vim.tbl_map(tostring, verdict), ", ") or tostring(verdict)
    table.insert(parts, step .. ": " .. shown)
  end
  table.sort(parts)
  return table.concat(parts, "; ")
end

local function text(value)
  return (value == nil or value == vim.NIL) and "" or tostring(value)
end

--- The buffer's lines for `progress` (a BatchProgress), and the item of each line.
function M.lines(progress)
  local lines = {
    ("Orchestra batch %s · %s over %s · %d item(s)%s · <CR> log · q close"):format(
      progress.batchId,
      progress.command,
      progress.argument,
      #progress.items,
      progress.isolated and " · each in its own git worktree" or ""
    ),
    "",
    ("%-20s %-11s %-28s %9s  %s"):format("item", "state", "verdicts", "cost", "run"),
  }
  local by_line = {}
  local finished = 0
  for _, item in ipairs(progress.items) do
    local state = util.said(item.state)
    if item.state == "finished" then
      finished = finished + 1
    end
    table.insert(lines, ("%-20s %-11s %-28s %9s  %s"):format(item.item, state, verdicts(item), util.cost(item.costUsd), text(item.runId)))
    by_line[#lines] = item
    -- a stopped item's error is the server's bare reason, `cancelled`: `stopped` says it
    if text(item.error) ~= "" and not (item.state == "cancelled" and item.error == "cancelled") then
      table.insert(lines, "    " .. text(item.error))
    end
    if text(item.branch) ~= "" then
      table.insert(lines, "    edits on branch " .. item.branch)
    end
  end
  table.insert(lines, "")
  if progress.done then
    table.insert(lines, ("done: %d of %d finished · %s"):format(finished, #progress.items, util.cost(progress.costUsd)))
    if text(progress.summaryUri) ~= "" then
      table.insert(lines, "summary: " .. vim.uri_to_fname(progress.summaryUri))
    end
  else
    table.insert(lines, "running…")
  end
  return lines, by_line, finished
end

local function show(progress, focus)
  local name = "orchestra://batch/" .. progress.batchId
  local bufnr = util.buffer_named(name)
  local lines, by_line = M.lines(progress)
  if bufnr == -1 then
    if not focus then
      return
    end
    bufnr = util.scratch(name, lines, "orchestrabatch")
    vim.bo[bufnr].bufhidden = "hide"
    util.map(bufnr, "<CR>", function()
      local item = vim.b[bufnr].orchestra_items[tostring(vim.api.nvim_win_get_cursor(0)[1])]
      if item and text(item.runId) ~= "" then
        require("orchestra.views").log(item.runId)
      end
    end, "Orchestra: this item's run log")
    util.map(bufnr, "q", "<cmd>close<cr>", "close")
  else
    vim.bo[bufnr].modifiable = true
    vim.api.nvim_buf_set_lines(bufnr, 0, -1, false, lines)
    vim.bo[bufnr].modifiable = false
    vim.bo[bufnr].modified = false
  end
  local items = {}
  for row, item in pairs(by_line) do
    items[tostring(row)] = item
  end
  vim.b[bufnr].orchestra_items = items
end

--- `orchestra/batchProgress`: keep the batch's table up to date; say when it is done.
function M.on_progress(_, progress)
  if type(progress) ~= "table" or progress.batchId == nil then
    return
  end
  M.batches[progress.batchId] = progress
  show(progress, false)
  if progress.done then
    local _, _, finished = M.lines(progress)
    util.notify(
      ("batch %s: %d of %d finished · %s"):format(progress.command, finished, #progress.items, util.cost(progress.costUsd)),
      finished == #progress.items and vim.log.levels.INFO or vim.log.levels.WARN
    )
  end
  vim.api.nvim_exec_autocmds("User", { pattern = "OrchestraBatch", modeline = false, data = progress })
end

--- :Orchestra batch … (`words`).
M.batch = util.async(function(words)
  local params, problem = M.parse(words or {})
  if not params then
    util.notify(problem, vim.log.levels.ERROR)
    return
  end
  local client = client_mod.current()
  if not client then
    return
  end
  local command
  if params.command == nil then
    command = require("orchestra.run").pick(client, "Orchestra: run which command on several?")
    if not command then
      return
    end
    params.command = command.name
  else
    command = catalog.find(catalog.fetch(client) or {}, params.command)
  end
  if params.items == nil then
    local name = command and varying(command) or "the varying argument"
    local typed = util.input({ prompt = ("%s · %s of each item (comma-separated): "):format(params.command, name) })
    if typed == nil or vim.trim(typed) == "" then
      util.notify("no batch: no items", vim.log.levels.WARN)
      return
    end
    params.items = vim.split(typed, ",", { trimempty = true, plain = true })
    local at_once = util.input({ prompt = "how many at a time: ", default = "1" })
    if at_once == nil then
      return
    end
    params.parallel = tonumber(at_once) or 1
  end
  params.items = vim.tbl_map(vim.trim, params.items)
  local result, err = client_mod.request(client, "orchestra/batch", params)
  if not result then
    util.notify(("cannot run %s on several: %s"):format(params.command, err), vim.log.levels.ERROR)
    return
  end
  M.batches[result.batchId] = M.batches[result.batchId] or result
  show(M.batches[result.batchId], true)
end)

return M
