--- :Orchestra runs (recent runs from the journal: state, cost, pending reviews, what
--- was undone) and :Orchestra stop [run].
local client_mod = require("orchestra.client")
local config = require("orchestra.config")
local events = require("orchestra.events")
local util = require("orchestra.util")

local M = {}

--- The client that serves `run_id`: the one its events came from, else the current one.
function M.client_for(run_id)
  local run = run_id and events.runs[run_id]
  local client = run and vim.lsp.get_client_by_id(run.client_id)
  if client and not client_mod.call(client, "is_stopped") then
    return client
  end
  return client_mod.current()
end

local function when(iso)
  if type(iso) ~= "string" then
    return ""
  end
  return (iso:gsub("T", " "):match("^(%d+%-%d+%-%d+ %d+:%d+)") or iso)
end

local function line_of(run)
  local note = ""
  if run.awaitingReview then
    note = "review waiting"
  elseif run.pendingProposal then
    note = "proposal pending"
  end
  if type(run.undone) == "table" then
    note = vim.trim(note .. " undone " .. run.undone.label)
  end
  return ("%-26s %-12s %-22s %9s  %s  %s"):format(run.runId, util.said(run.state), run.command, util.cost(run.costUsd), when(run.startedAt), note)
end

M.list = util.async(function()
  local client = client_mod.current()
  if not client then
    return
  end
  local result, err = client_mod.request(client, "orchestra/runs", { limit = config.options.runs_limit })
  if not result then
    util.notify("cannot list runs: " .. err, vim.log.levels.ERROR)
    return
  end
  local keys = config.options.runs_keys
  local lines = {
    ("Orchestra runs · %s review or log · %s page · %s stop · %s log · %s undo · %s resume · %s close"):format(
      keys.open,
      keys.page,
      keys.cancel,
      keys.log,
      keys.undo,
      keys.resume,
      keys.close
    ),
    "",
  }
  local by_line = {}
  for _, run in ipairs(result.runs or {}) do
    table.insert(lines, line_of(run))
    by_line[#lines] = run
  end
  if #(result.runs or {}) == 0 then
    table.insert(lines, "(no runs yet: :Orchestra run starts one)")
  end
  local bufnr = util.scratch("orchestra://runs", lines, "orchestraruns")
  local function current()
    return by_line[vim.api.nvim_win_get_cursor(0)[1]]
  end
  util.map(bufnr, keys.open, function()
    local run = current()
    if not run then
      return
    end
    if run.awaitingReview or run.pendingProposal then
      require("orchestra.review").open(run.runId)
    else
      require("orchestra.views").log(run.runId)
    end
  end, "Orchestra: review this run (or its log)")
  util.map(bufnr, keys.log, function()
    local run = current()
    if run then
      require("orchestra.views").log(run.runId)
    end
  end, "Orchestra: this run's log")
  util.map(bufnr, keys.page, function()
    local run = current()
    if run then
      M.page(run.runId)
    end
  end, "Orchestra: open this run's page (report, timeline, cost) in the browser")
  util.map(bufnr, keys.cancel, function()
    local run = current()
    if run then
      M.stop(run.runId)
    end
  end, "Orchestra: stop this run")
  util.map(bufnr, keys.undo, function()
    local run = current()
    if run then
      require("orchestra.undo").undo({ run.runId })
    end
  end, "Orchestra: undo what this run landed (reviewed hunk by hunk)")
  util.map(bufnr, keys.resume, function()
    local run = current()
    if run then
      require("orchestra.resume").resume({}, run)
    end
  end, "Orchestra: resume this run (where it stopped, or from a step)")
  util.map(bufnr, keys.close, "<cmd>close<cr>", "close")
  vim.api.nvim_win_set_cursor(0, { math.min(3, #lines), 0 })
end)

--- The run's page (the server writes it beside the journal: report, timeline, cost,
--- reviewed diff) opened with vim.ui.open, so in the system's browser.
M.page = util.async(function(run_id)
  local client = M.client_for(run_id)
  if not client then
    return
  end
  local result, err = client_mod.request(client, "orchestra/runPage", { runId = run_id })
  if not result then
    util.notify("cannot write the page of " .. run_id .. ": " .. err, vim.log.levels.ERROR)
    return
  end
  local path = vim.uri_to_fname(result.uri)
  local _, open_err = vim.ui.open(path)
  if open_err then
    util.notify(("the page of %s is %s (%s)"):format(run_id, path, open_err), vim.log.levels.WARN)
  else
    util.notify(("opened the page of %s: %s"):format(run_id, path))
  end
end)

--- Stop a run (orchestra/cancel): `run_id`, else the only one going, else a picker.
M.stop = util.async(function(run_id)
  if run_id == nil then
    local active = events.active()
    if #active == 0 then
      util.notify("no run is going", vim.log.levels.WARN)
      return
    end
    local run = active[1]
    if #active > 1 then
      run = util.select(active, { prompt = "Orchestra: stop which run?", format_item = events.describe })
      if not run then
        return
      end
    end
    run_id = run.id
  end
  local client = M.client_for(run_id)
  if not client then
    return
  end
  local result, err = client_mod.request(client, "orchestra/cancel", { runId = run_id })
  if not result then
    util.notify("cannot stop " .. run_id .. ": " .. err, vim.log.levels.ERROR)
  elseif not result.cancelled then
    util.notify("run " .. run_id .. " is not going on this server", vim.log.levels.WARN)
  end
end)

return M
