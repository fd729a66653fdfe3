--- :Orchestra run [command] [args…]: pick a command (vim.ui.select), take its arguments
--- from the command line (`name=value`, or plain words for the first one missing), ask
--- for the required ones still missing (vim.ui.input, with description and default),
--- and start it with the current file and selection.
local catalog = require("orchestra.catalog")
local client_mod = require("orchestra.client")
local util = require("orchestra.util")

local M = {}

--- `name=value` words start an argument; other words continue the one before (so
--- `goal=rename the thing` needs no quotes), or, before any, fill the first argument.
function M.parse_arguments(command, words)
  local known = {}
  for _, argument in ipairs(command.arguments or {}) do
    known[argument.name] = true
  end
  local values, loose, current = {}, {}, nil
  for _, word in ipairs(words) do
    local name, value = word:match("^([%w_%-]+)=(.*)$")
    if name and known[name] then
      current = name
      values[name] = value
    elseif current then
      values[current] = values[current] .. " " .. word
    else
      table.insert(loose, word)
    end
  end
  if #loose > 0 then
    for _, argument in ipairs(command.arguments or {}) do
      if values[argument.name] == nil then
        values[argument.name] = table.concat(loose, " ")
        break
      end
    end
  end
  return values
end

local function pick_item(command)
  local hint = catalog.argument_hint(command)
  local text = command.name
  if hint ~= "" then
    text = text .. " " .. hint
  end
  if command.description and command.description ~= "" then
    text = text .. " — " .. command.description
  end
  return text .. " [" .. (command.layer or "?") .. "]"
end

--- Inside a coroutine: the command chosen in the picker, or nil.
function M.pick(client, prompt)
  local commands, err = catalog.fetch(client)
  if not commands then
    util.notify("cannot list the commands: " .. err, vim.log.levels.ERROR)
    return nil
  end
  if #commands == 0 then
    util.notify("this workspace has no commands (.orchestra/commands/)", vim.log.levels.WARN)
    return nil
  end
  return util.select(commands, { prompt = prompt or "Orchestra: run which command?", kind = "orchestra_command", format_item = pick_item })
end

--- Inside a coroutine: ask for each required argument still missing; nil if dismissed.
function M.complete_arguments(command, values)
  for _, argument in ipairs(command.arguments or {}) do
    if values[argument.name] == nil and argument.required then
      local default = argument.default ~= vim.NIL and argument.default or nil
      local description = argument.description ~= "" and (" (" .. argument.description .. ")") or ""
      local value = util.input({ prompt = ("%s · %s%s: "):format(command.name, argument.name, description), default = default })
      if value == nil then
        util.notify(command.name .. " not started: no " .. argument.name, vim.log.levels.WARN)
        return nil
      end
      values[argument.name] = value
    end
  end
  return values
end

--- The current buffer as `{{file}}` and the range given to the command as its selection.
local function location(client, range)
  local bufnr = vim.api.nvim_get_current_buf()
  local name = vim.api.nvim_buf_get_name(bufnr)
  if vim.bo[bufnr].buftype ~= "" or name == "" or client_mod.root_of(name) ~= client.config.root_dir then
    return {}
  end
  local where = { uri = vim.uri_from_bufnr(bufnr) }
  if range then
    -- whole lines: from the first line's start to the start of the line after the last
    where.range = { start = { line = range[1] - 1, character = 0 }, ["end"] = { line = range[2], character = 0 } }
  end
  return where
end

--- :Orchestra run [command] [args…] (range: the selected lines).
M.run = util.async(function(words, range)
  local client = client_mod.current()
  if not client then
    return
  end
  local command
  if words[1] then
    local commands = catalog.fetch(client) or catalog.cached(client)
    command = catalog.find(commands, words[1])
    if not command then
      util.notify("no command " .. words[1] .. " in this workspace (:Orchestra run lists them)", vim.log.levels.ERROR)
      return
    end
  else
    command = M.pick(client)
    if not command then
      return
    end
  end
  local values = M.complete_arguments(command, M.parse_arguments(command, vim.list_slice(words, 2)))
  if not values then
    return
  end
  local params = vim.tbl_extend("force", location(client, range), { command = command.name, arguments = vim.tbl_isempty(values) and vim.empty_dict() or values })
  local started, err = client_mod.request(client, "orchestra/run", params)
  if not started then
    util.notify(command.name .. " did not start: " .. err, vim.log.levels.ERROR)
    return
  end
  local run = require("orchestra.events").runs[started.runId]
  if run == nil then
    require("orchestra.events").on_event(client.id, { type = "run_started", run_id = started.runId, command = command.name, steps = {} })
  end
  util.notify(("%s started (run %s)"):format(command.name, started.runId))
end)

return M
