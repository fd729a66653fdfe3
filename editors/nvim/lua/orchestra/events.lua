--- What the server's `orchestra/event` notifications say, folded per run: the state
--- behind require("orchestra").status(), the waits for a person, and the last context
--- manifest. Every event is also a `User OrchestraEvent` autocmd (data: the event).
local util = require("orchestra.util")

local M = {}

---@class orchestra.Run
---@field id string
---@field client_id integer
---@field command string
---@field state "running"|"finished"|"failed"|"cancelled"|"interrupted"
---@field step string|nil
---@field agent string|nil
---@field index integer|nil
---@field total integer|nil
---@field tool string|nil
---@field tokens integer
---@field cost number
---@field waiting string|nil  what the run waits for: "approval", "permission", "answer", "review"
---@field proposal boolean    a review is waiting for it
---@field notices string[]|nil  the run's notices ("warning: …"), for its review

---@type table<string, orchestra.Run>
M.runs = {}
--- Run ids in the order they started (newest last).
M.order = {}
--- The `context` event of the last model call: {run_id, step_id, manifest}.
M.last_context = nil

local function run_of(client_id, run_id)
  local run = M.runs[run_id]
  if run == nil then
    run = { id = run_id, client_id = client_id, command = "?", state = "running", tokens = 0, cost = 0, proposal = false }
    M.runs[run_id] = run
    table.insert(M.order, run_id)
  end
  return run
end

local function changed(event)
  vim.api.nvim_exec_autocmds("User", { pattern = "OrchestraEvent", data = event, modeline = false })
  vim.cmd.redrawstatus({ bang = true })
end

--- The person is asked something for `run_id` (a gate, a permission, a question), or no
--- longer (`what` nil).
function M.set_waiting(run_id, what)
  local run = M.runs[run_id]
  if run then
    run.waiting = what
    changed({ type = "waiting", run_id = run_id, waiting = what })
  end
end

--- How an outcome reads to a person, as the server words it (changes/landing.py LABELS).
local OUTCOMES = {
  applied_in_editor = "applied in the editor (unsaved)",
  applied_outside_review = "applied outside review",
  partly_applied = "partly applied",
  pending = "pending (not written)",
}

local fold = {
  run_started = function(run, e)
    run.command = e.command
    run.total = #(e.steps or {})
  end,
  step_started = function(run, e)
    run.step, run.agent, run.index, run.total = e.step_id, e.agent, e.index + 1, e.total
    run.tool, run.waiting = nil, nil
  end,
  tool_call_started = function(run, e)
    run.tool = e.tool
  end,
  tool_call_finished = function(run)
    run.tool = nil
  end,
  usage = function(run, e)
    run.tokens = run.tokens + (e.input_tokens or 0) + (e.output_tokens or 0)
    run.cost = e.run_cost_usd or run.cost
  end,
  context = function(run, e)
    M.last_context = { run_id = run.id, command = run.command, step_id = e.step_id, manifest = e.manifest }
  end,
  notice = function(run, e)
    -- shown atop the run's review (an undo's conflicts, what git holds since)
    run.notices = run.notices or {}
    table.insert(run.notices, ("%s: %s"):format(e.level, e.message))
  end,
  gate_opened = function(run, e)
    if e.gate == "review" then
      run.waiting = "review"
    elseif e.gate == "approve" then
      run.waiting = "approval"
    else
      run.waiting = e.gate
    end
  end,
  gate_decided = function(run)
    run.waiting = nil
  end,
  permission_asked = function(run)
    run.waiting = "permission"
  end,
  permission_decided = function(run)
    run.waiting = nil
  end,
  proposal_ready = function(run)
    run.waiting, run.proposal = "review", true
    local review = require("orchestra.review")
    if require("orchestra.config").options.review.auto_open or review.expected[run.id] then
      review.expected[run.id] = nil
      vim.schedule(function()
        util.when_normal(function()
          review.open(run.id)
        end)
      end)
    else
      util.notify(("%s waits for your review: :Orchestra review %s"):format(run.command, run.id))
    end
  end,
  proposal_decided = function(run, e)
    run.waiting, run.proposal = nil, false
    -- what really landed, as the journal records it (read back from buffer and disk)
    local parts = { (OUTCOMES[e.outcome] or tostring(e.outcome):gsub("_", " ")) }
    if #(e.accepted or {}) > 0 then
      table.insert(parts, "accepted " .. table.concat(e.accepted, ", "))
    end
    if #(e.rejected or {}) > 0 then
      table.insert(parts, "rejected " .. table.concat(e.rejected, ", "))
    end
    if e.detail and e.detail ~= "" then
      table.insert(parts, e.detail)
    end
    local level = (e.outcome == "conflict" or e.outcome == "partly_applied") and vim.log.levels.WARN or vim.log.levels.INFO
    util.notify(("%s: %s"):format(e.path, table.concat(parts, " · ")), level)
  end,
  run_finished = function(run, e)
    run.state, run.waiting, run.tool = "finished", nil, nil
    run.cost = e.cost_usd or run.cost
    util.notify(("%s finished · %s"):format(run.command, util.cost(run.cost)))
  end,
  run_failed = function(run)
    -- the server shows why (window/showMessage)
    run.state, run.waiting, run.tool = "failed", nil, nil
  end,
  run_cancelled = function(run, e)
    run.state, run.waiting, run.tool = "cancelled", nil, nil
    util.notify(("%s stopped%s"):format(run.command, (e.reason and e.reason ~= "" and e.reason ~= "cancelled") and (": " .. e.reason) or ""))
  end,
}

--- A run that ended asks nothing any more: forget a gate left waiting for it.
local function settle(run)
  if run.state ~= "running" then
    require("orchestra.gates").pending[run.id] = nil
    if run.state ~= "finished" then
      require("orchestra.review").withdraw(run.id, "the run " .. (run.state == "interrupted" and "lost its server" or "is " .. util.said(run.state)))
    end
  end
end

function M.on_event(client_id, event)
  if type(event) ~= "table" or type(event.run_id) ~= "string" then
    return
  end
  local run = run_of(client_id, event.run_id)
  local step = fold[event.type]
  if step then
    step(run, event)
  end
  settle(run)
  if event.type ~= "text_delta" then
    changed(event)
  end
end

--- The server went away: its runs are interrupted (the journal keeps their proposals).
function M.on_exit(client_id, code, signal)
  local lost = {}
  for _, run in pairs(M.runs) do
    if run.client_id == client_id and run.state == "running" then
      run.state, run.waiting, run.tool = "interrupted", nil, nil
      settle(run)
      table.insert(lost, run.command)
    end
  end
  if #lost > 0 then
    util.notify(
      ("the server stopped (exit %s%s); interrupted: %s. :Orchestra runs lists them"):format(
        tostring(code),
        signal and signal ~= 0 and (", signal " .. signal) or "",
        table.concat(lost, ", ")
      ),
      vim.log.levels.WARN
    )
  end
  changed({ type = "server_exited", run_id = "" })
end

--- Runs still going, oldest first.
function M.active()
  local list = {}
  for _, id in ipairs(M.order) do
    local run = M.runs[id]
    if run.state == "running" then
      table.insert(list, run)
    end
  end
  return list
end

local WAITING = {
  approval = "waiting for your approval",
  permission = "waiting for your permission",
  answer = "waiting for your answer",
  review = "waiting for your review",
}

--- One line about `run`: step, agent, tool, tokens and cost, or what it waits for and
--- the command that continues it.
function M.describe(run)
  local parts = { run.command }
  if run.step then
    table.insert(parts, ("%s (%s) %d/%d"):format(run.step, run.agent or "?", run.index or 0, run.total or 0))
  end
  if run.waiting then
    local continue = require("orchestra.gates").continue_command(run)
    table.insert(parts, (WAITING[run.waiting] or ("waiting for " .. run.waiting)) .. (continue and (": " .. continue) or ""))
  elseif run.tool then
    table.insert(parts, run.tool)
  end
  table.insert(parts, ("%s tokens"):format(run.tokens))
  table.insert(parts, util.cost(run.cost))
  return table.concat(parts, " · ")
end

--- For a statusline: the newest active run (and how many others), or "".
function M.status()
  local active = M.active()
  if #active == 0 then
    return ""
  end
  local text = "Orchestra: " .. M.describe(active[#active])
  if #active > 1 then
    text = text .. (" (+%d)"):format(#active - 1)
  end
  return text
end

return M
