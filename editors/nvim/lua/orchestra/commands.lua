--- :Orchestra {subcommand} and its command-line completion.
local M = {}

local function runs()
  return require("orchestra.runs")
end

M.subcommands = {
  run = function(args, command)
    local range = command.range > 0 and { command.line1, command.line2 } or nil
    require("orchestra.run").run(args, range)
  end,
  review = function(args)
    require("orchestra.review").open(args[1])
  end,
  runs = function()
    runs().list()
  end,
  stop = function(args)
    runs().stop(args[1])
  end,
  continue = function(args)
    require("orchestra.gates").continue(args[1])
  end,
  context = function(args)
    require("orchestra.views").context(args)
  end,
  log = function(args)
    require("orchestra.views").log(args[1])
  end,
  undo = function(args)
    require("orchestra.undo").undo(args)
  end,
  resume = function(args)
    require("orchestra.resume").resume(args)
  end,
  batch = function(args)
    require("orchestra.batch").batch(args)
  end,
}
-- The name before runs were said to be stopped (as the CLI says): mappings keep working.
M.subcommands.cancel = M.subcommands.stop

local ORDER = { "run", "review", "runs", "stop", "continue", "context", "log", "undo", "resume", "batch" }

function M.dispatch(command)
  local args = vim.deepcopy(command.fargs)
  local name = table.remove(args, 1)
  if name == nil then
    name = "run"
  end
  local sub = M.subcommands[name]
  if sub == nil then
    require("orchestra.util").notify(("no :Orchestra %s; try one of: %s"):format(name, table.concat(ORDER, ", ")), vim.log.levels.ERROR)
    return
  end
  sub(args, command)
end

local function matching(items, lead)
  return vim.tbl_filter(function(item)
    return vim.startswith(item, lead)
  end, items)
end

local function run_ids(filter)
  local ids = {}
  local events = require("orchestra.events")
  for i = #events.order, 1, -1 do
    local run = events.runs[events.order[i]]
    if filter == nil or filter(run) then
      table.insert(ids, run.id)
    end
  end
  return ids
end

--- Define :Orchestra (plugin/orchestra.lua does at start-up; setup() again when the
--- plugin joined the runtimepath too late for its plugin/ file to be sourced).
function M.define()
  vim.api.nvim_create_user_command("Orchestra", function(command)
    M.dispatch(command)
  end, {
    nargs = "*",
    range = true,
    desc = "Orchestra: run, review, runs, stop, continue, context, log, undo, resume, batch",
    complete = function(lead, line, position)
      return M.complete(lead, line, position)
    end,
  })
end

function M.complete(lead, line, position)
  local before = line:sub(1, position)
  local words = vim.split(vim.trim(before:gsub("^%s*%S+", "", 1)), "%s+", { trimempty = true })
  if before:match("%s$") then
    table.insert(words, "")
  end
  if #words <= 1 then
    return matching(ORDER, lead)
  end
  local sub = words[1]
  if sub == "run" or sub == "context" or sub == "batch" then
    local client = require("orchestra.client").get(require("orchestra.client").current_root())
    if not client then
      return {}
    end
    local catalog = require("orchestra.catalog")
    local commands = catalog.cached(client)
    if #words == 2 then
      return matching(vim.tbl_map(function(c)
        return c.name
      end, commands), lead)
    end
    local command = catalog.find(commands, words[2])
    if not command then
      return {}
    end
    local given = {}
    for i = 3, #words - 1 do
      local name = words[i]:match("^([%w_%-]+)=")
      if name then
        given[name] = true
      end
    end
    local names = {}
    for _, argument in ipairs(command.arguments or {}) do
      if not given[argument.name] then
        table.insert(names, argument.name .. "=")
      end
    end
    return matching(names, lead)
  end
  if sub == "undo" then
    local options = { "file=", "file=%", "step=" }
    if #words == 2 then
      options = vim.list_extend(run_ids(function(run)
        return run.state ~= "running"
      end), options)
    end
    return matching(options, lead)
  end
  if #words == 2 then
    if sub == "stop" or sub == "cancel" or sub == "continue" then
      return matching(run_ids(function(run)
        return run.state == "running"
      end), lead)
    end
    if sub == "review" or sub == "log" then
      return matching(run_ids(), lead)
    end
  end
  return {}
end

return M
