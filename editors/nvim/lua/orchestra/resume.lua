--- :Orchestra resume [run] [from=STEP], and `R` in :Orchestra runs: continue a failed,
--- stopped or interrupted run in a new run that reuses what it finished
--- (`orchestra/resume`). Without from=, the person picks where: where it stopped, or
--- any step of the command — steps inside groups by their path (`build/review`).
local client_mod = require("orchestra.client")
local util = require("orchestra.util")

local M = {}

local WHERE_IT_STOPPED = "where it stopped"

--- `run` and `from=STEP` from the command's words.
function M.parse(words)
  local params = {}
  for _, word in ipairs(words) do
    local value = word:match("^from=(.+)$")
    if value then
      params.fromStep = value
    elseif not word:find("=", 1, true) and params.runId == nil then
      params.runId = word
    else
      return nil, ("cannot read %q (:Orchestra resume [run] [from=STEP])"):format(word)
    end
  end
  return params
end

--- Every step path of `steps` (a `StepInfo` tree), groups before their steps.
local function paths(steps, into)
  for _, step in ipairs(steps or {}) do
    table.insert(into, step.path ~= "" and step.path or step.id)
    paths(step.steps, into)
  end
  return into
end

--- Inside a coroutine: where to go on from, for a run of `command`; false: dismissed.
local function pick_from(client, command)
  local commands = require("orchestra.catalog").fetch(client) or {}
  local info = require("orchestra.catalog").find(commands, command)
  local items = { WHERE_IT_STOPPED }
  if info then
    vim.list_extend(items, paths(info.steps, {}))
  end
  local picked = util.select(items, { prompt = "Orchestra: resume " .. command .. " from", kind = "orchestra_step" })
  if picked == nil then
    return false
  end
  return picked ~= WHERE_IT_STOPPED and picked or nil
end

--- :Orchestra resume [run] [from=STEP] (`words`); `run` (a RunInfo) from the runs list.
M.resume = util.async(function(words, run)
  local params, problem = M.parse(words or {})
  if not params then
    util.notify(problem, vim.log.levels.ERROR)
    return
  end
  if run then
    params.runId = run.runId
  end
  local client = require("orchestra.runs").client_for(params.runId)
  if not client then
    return
  end
  if run == nil and (params.runId == nil or params.fromStep == nil) then
    local result, err = client_mod.request(client, "orchestra/runs", { limit = require("orchestra.config").options.runs_limit })
    if not result then
      util.notify("cannot list runs: " .. err, vim.log.levels.ERROR)
      return
    end
    local ended = vim.tbl_filter(function(listed)
      return listed.state ~= "running"
    end, result.runs or {})
    if params.runId == nil then
      run = util.select(ended, {
        prompt = "Orchestra: resume which run?",
        kind = "orchestra_run",
        format_item = function(listed)
          return ("%s  %s  %s"):format(listed.runId, listed.command, util.said(listed.state))
        end,
      })
      if run == nil then
        return
      end
      params.runId = run.runId
    else
      for _, listed in ipairs(ended) do
        if vim.startswith(listed.runId, params.runId) then
          run = listed
          break
        end
      end
    end
  end
  if params.fromStep == nil and run then
    local from = pick_from(client, run.command)
    if from == false then
      return
    end
    params.fromStep = from
  end
  local result, err = client_mod.request(client, "orchestra/resume", params)
  if not result then
    util.notify(("cannot resume %s: %s"):format(params.runId, err), vim.log.levels.ERROR)
    return
  end
  util.notify(("resumed %s as run %s%s"):format(params.runId, result.runId, params.fromStep and (" from " .. params.fromStep) or ""))
end)

return M
