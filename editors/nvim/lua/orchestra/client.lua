--- The language server: one `orchestra serve` per workspace root, attached to the
--- buffers inside it, and requests to it.
local config = require("orchestra.config")
local util = require("orchestra.util")

local M = {}

local NAME = "orchestra"
local METHODS = vim.fn.has("nvim-0.11") == 1

--- `client:method(...)` on 0.11, `client.method(...)` on 0.10.
function M.call(client, method, ...)
  if METHODS then
    return client[method](client, ...)
  end
  return client[method](...)
end

--- `root_markers` as priority groups: a string is a group of its own.
local function marker_groups()
  local groups = {}
  for _, marker in ipairs(config.options.root_markers) do
    groups[#groups + 1] = type(marker) == "table" and marker or { marker }
  end
  return groups
end

--- The workspace holding `path` (a file or folder), found as the CLI and the server find
--- it (`find_root` in cli/main.py), going up from `path`: the nearest folder with a marker
--- of the first group of `root_markers` (a `.orchestra` folder); else the nearest with
--- one of a later group (Claude Code's `.claude`, `.mcp.json`, `CLAUDE.md`; never the
--- home folder, whose `.claude` holds the person's own settings). The search stops at
--- the repository root (`.git`). With `fallback` (a command run here, as the CLI runs
--- in a folder): else the repository root, else the folder itself; without it (a buffer
--- opened), nil.
---@return string|nil
function M.root_of(path, fallback)
  if path == nil or path == "" then
    return nil
  end
  local start = vim.fs.normalize(vim.fn.fnamemodify(path, ":p"))
  if vim.fn.isdirectory(start) == 0 then
    start = vim.fs.dirname(start)
  end
  start = start:gsub("(.)/$", "%1")
  local home = vim.fs.normalize(vim.uv.os_homedir() or "")
  local groups = marker_groups()
  local found = {}
  local repository = nil
  local folder = start
  while true do
    for index, group in ipairs(groups) do
      if found[index] == nil and (index == 1 or folder ~= home) then
        for _, marker in ipairs(group) do
          local stat = vim.uv.fs_stat(folder .. "/" .. marker)
          -- the first group's marker is a folder (`.orchestra/`), as the CLI asks
          if stat and (index > 1 or stat.type == "directory") then
            found[index] = folder
            break
          end
        end
      end
    end
    if found[1] then
      return found[1]
    end
    if vim.uv.fs_stat(folder .. "/.git") then
      repository = folder
      break
    end
    local parent = vim.fs.dirname(folder)
    if parent == folder then
      break
    end
    folder = parent
  end
  for index = 2, #groups do
    if found[index] then
      return found[index]
    end
  end
  if fallback then
    return repository or start
  end
  return nil
end

--- The root for the current context: the current buffer's workspace, else the working
--- directory's, else the one workspace a server runs for (from a scratch buffer such as
--- the review, opened from anywhere).
function M.current_root()
  local name = vim.api.nvim_buf_get_name(0)
  local root = (name ~= "" and vim.bo.buftype == "") and M.root_of(name) or nil
  root = root or M.root_of(vim.fn.getcwd())
  if root == nil then
    local running = vim.lsp.get_clients({ name = NAME })
    if #running == 1 then
      root = running[1].config.root_dir
    end
  end
  -- as the CLI run here: the repository root, else the working directory
  return root or M.root_of(vim.fn.getcwd(), true)
end

local function handlers()
  local events = require("orchestra.events")
  local gates = require("orchestra.gates")
  return {
    ["orchestra/event"] = function(_, event, ctx)
      events.on_event(ctx.client_id, event)
    end,
    ["orchestra/ask"] = gates.ask,
    ["orchestra/edit"] = gates.edit,
    ["orchestra/batchProgress"] = function(err, progress, ctx)
      require("orchestra.batch").on_progress(err, progress, ctx)
    end,
    ["window/showMessageRequest"] = gates.show_message_request,
    ["workspace/applyEdit"] = require("orchestra.saving").apply_edit,
  }
end

local function capabilities()
  local caps = vim.lsp.protocol.make_client_capabilities()
  caps.experimental = caps.experimental or {}
  -- ask: free text (a revision's feedback) through vim.ui.input; review: our own review
  -- buffer, since Neovim applies a WorkspaceEdit without showing it to anyone.
  -- events: orchestra/event is sent only to clients that ask for it. edit: approve
  -- gates offer Edit…, and the step's output is edited in a buffer (orchestra/edit).
  caps.experimental.orchestra = { ask = true, edit = true, events = true, review = "proposal" }
  return caps
end

local function client_config(root)
  local options = config.options
  return {
    name = NAME,
    cmd = options.cmd,
    cmd_env = options.cmd_env,
    cmd_cwd = root,
    root_dir = root,
    workspace_folders = { { uri = vim.uri_from_fname(root), name = vim.fs.basename(root) } },
    capabilities = capabilities(),
    handlers = handlers(),
    on_init = function(client)
      require("orchestra.catalog").refresh(client)
    end,
    on_exit = function(code, signal, client_id)
      vim.schedule(function()
        require("orchestra.events").on_exit(client_id, code, signal)
      end)
    end,
  }
end

--- The running client for `root`, if any.
function M.get(root)
  for _, client in ipairs(vim.lsp.get_clients({ name = NAME })) do
    if root == nil or client.config.root_dir == root then
      if not M.call(client, "is_stopped") then
        return client
      end
    end
  end
end

--- Start (or reuse) the server for `root`; attach `bufnr` when given.
function M.ensure(root, bufnr)
  local existing = M.get(root)
  if existing then
    if bufnr and not vim.lsp.buf_is_attached(bufnr, existing.id) then
      vim.lsp.buf_attach_client(bufnr, existing.id)
    end
    return existing
  end
  local id
  if bufnr then
    id = vim.lsp.start(client_config(root), { bufnr = bufnr })
  elseif vim.fn.has("nvim-0.11") == 1 then
    id = vim.lsp.start(client_config(root), { attach = false })
  else
    id = vim.lsp.start_client(client_config(root))
  end
  return id and vim.lsp.get_client_by_id(id) or nil
end

--- Attach `bufnr` when it is a file inside a workspace: agents read open buffers, and
--- review lands accepted changes in them.
function M.attach(bufnr)
  if not vim.api.nvim_buf_is_valid(bufnr) or vim.bo[bufnr].buftype ~= "" then
    return
  end
  local name = vim.api.nvim_buf_get_name(bufnr)
  if name == "" then
    return
  end
  local root = M.root_of(name)
  if root then
    M.ensure(root, bufnr)
  end
end

--- The client for the current context, started if need be (nil if it cannot start).
function M.current()
  local root = M.current_root()
  local bufnr = vim.api.nvim_get_current_buf()
  local attach = vim.bo[bufnr].buftype == "" and vim.api.nvim_buf_get_name(bufnr) ~= "" and M.root_of(vim.api.nvim_buf_get_name(bufnr)) == root
  return M.ensure(root, attach and bufnr or nil)
end

--- Inside a coroutine: wait until `client` has finished its handshake (the server
--- answers requests sent before `initialized` with an error). False if it never does.
function M.ready(client)
  if client.initialized then
    return true
  end
  return util.await(function(done)
    local timer = assert(vim.uv.new_timer())
    local waited = 0
    timer:start(20, 20, function()
      waited = waited + 20
      vim.schedule(function()
        if client.initialized or M.call(client, "is_stopped") or waited > 60000 then
          if not timer:is_closing() then
            timer:stop()
            timer:close()
          end
          done(client.initialized == true)
        end
      end)
    end)
  end)
end

--- Inside a coroutine: a request's result, or nil and a one-line error.
function M.request(client, method, params)
  if not M.ready(client) then
    return nil, "the server did not start (see :checkhealth orchestra and :LspLog)"
  end
  local err, result = util.await(function(done)
    local ok = M.call(client, "request", method, params, function(e, r)
      done(e, r)
    end)
    if not ok then
      done({ message = "the server is not running" }, nil)
    end
  end)
  if err then
    return nil, (type(err) == "table" and err.message) or tostring(err)
  end
  return result, nil
end

--- A request answered synchronously (command-line completion only), or nil.
function M.request_sync(client, method, params, timeout)
  if not client.initialized then
    return nil
  end
  local response = M.call(client, "request_sync", method, params, timeout or 500)
  return response and response.result or nil
end

return M
