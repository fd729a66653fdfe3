--- :Orchestra undo [run] [file=PATH] [step=STEP], and `u` in :Orchestra runs: take back
--- what a run landed. The server builds the undo from the journal (`orchestra/undo`):
--- a run of its own whose proposal opens in the review buffer like any other, so each
--- hunk is accepted or rejected by a person; what was edited since is a conflict, said
--- as a warning and never overwritten.
local client_mod = require("orchestra.client")
local config = require("orchestra.config")
local util = require("orchestra.util")

local M = {}

local ACTIVE = { starting = true, running = true, waiting = true }

--- `run`, `file=PATH` (`%` is the current file) and `step=STEP` from the command's words.
function M.parse(words)
  local params = {}
  for _, word in ipairs(words) do
    local name, value = word:match("^(%a+)=(.+)$")
    if name == "file" or name == "step" then
      params[name] = value
    elseif name == nil and params.runId == nil then
      params.runId = word
    else
      return nil, ("cannot read %q (:Orchestra undo [run] [file=PATH] [step=STEP])"):format(word)
    end
  end
  return params
end

--- The workspace-relative path the journal names `file` by (`%`: the current buffer).
local function relative(client, file)
  local path = file == "%" and vim.api.nvim_buf_get_name(0) or file
  path = vim.fs.normalize(vim.fn.fnamemodify(path, ":p"))
  local root = vim.fs.normalize(client.config.root_dir)
  if vim.startswith(path, root .. "/") then
    return path:sub(#root + 2)
  end
  return file -- not in the workspace: the server says the run landed nothing there
end

--- One line of the picker: id, command, state, and how far it was undone already.
local function describe(run)
  local text = ("%s  %s  %s"):format(run.runId, run.command, util.said(run.state))
  if type(run.undone) == "table" then
    text = text .. "  (undone " .. run.undone.label .. ")"
  end
  return text
end

--- Inside a coroutine: the run to undo, picked among the ended runs of the journal.
local function pick(client)
  local result, err = client_mod.request(client, "orchestra/runs", { limit = config.options.runs_limit })
  if not result then
    util.notify("cannot list runs: " .. err, vim.log.levels.ERROR)
    return nil
  end
  local ended = vim.tbl_filter(function(run)
    return not ACTIVE[run.state]
  end, result.runs or {})
  if #ended == 0 then
    util.notify("no ended run to undo", vim.log.levels.WARN)
    return nil
  end
  local run = util.select(ended, { prompt = "Orchestra: undo which run?", kind = "orchestra_run", format_item = describe })
  return run and run.runId
end

--- :Orchestra undo [run] [file=PATH] [step=STEP] (`words`), or a table of params.
M.undo = util.async(function(words)
  local params, problem = M.parse(words or {})
  if not params then
    util.notify(problem, vim.log.levels.ERROR)
    return
  end
  local client = require("orchestra.runs").client_for(params.runId)
  if not client then
    return
  end
  if params.file then
    params.file = relative(client, params.file)
  end
  if not params.runId then
    params.runId = pick(client)
    if not params.runId then
      return
    end
  end
  local started, err = client_mod.request(client, "orchestra/undo", params)
  if not started then
    util.notify(("cannot undo %s: %s"):format(params.runId, err), vim.log.levels.ERROR)
    return
  end
  local events = require("orchestra.events")
  if events.runs[started.runId] == nil then
    events.on_event(client.id, { type = "run_started", run_id = started.runId, command = "undo", steps = {} })
  end
  local part = params.file and (" (file " .. params.file .. ")") or params.step and (" (step " .. params.step .. ")") or ""
  util.notify(("undo of %s%s started (run %s): review it like any proposal"):format(params.runId, part, started.runId))
end)

return M
