--- The workspace's commands (`orchestra/commands`), cached per client for pickers and
--- command-line completion, refreshed at start and before each pick.
local client_mod = require("orchestra.client")

local M = {}

---@type table<integer, table[]> client id -> CommandInfo[]
M.commands = {}

--- Fetch the commands in the background, once the handshake is over (the server
--- refuses requests before `initialized`).
M.refresh = require("orchestra.util").async(function(client)
  M.fetch(client)
end)

--- Inside a coroutine: the commands, fresh from the server; nil and an error.
function M.fetch(client)
  local result, err = client_mod.request(client, "orchestra/commands", vim.empty_dict())
  if result then
    M.commands[client.id] = result.commands or {}
    return M.commands[client.id]
  end
  return nil, err
end

--- What is known now (for completion, which cannot wait long).
function M.cached(client)
  if M.commands[client.id] == nil then
    local result = client_mod.request_sync(client, "orchestra/commands", vim.empty_dict(), 1000)
    M.commands[client.id] = result and result.commands or nil
  end
  return M.commands[client.id] or {}
end

function M.find(commands, name)
  for _, command in ipairs(commands) do
    if command.name == name then
      return command
    end
  end
end

--- `<goal> [scope=all]`: required arguments in angle brackets, optional ones with
--- their default in square brackets.
function M.argument_hint(command)
  local parts = {}
  for _, argument in ipairs(command.arguments or {}) do
    if argument.required and (argument.default == nil or argument.default == vim.NIL) then
      table.insert(parts, "<" .. argument.name .. ">")
    elseif argument.default ~= nil and argument.default ~= vim.NIL then
      table.insert(parts, ("[%s=%s]"):format(argument.name, argument.default))
    else
      table.insert(parts, "[" .. argument.name .. "]")
    end
  end
  return table.concat(parts, " ")
end

return M
