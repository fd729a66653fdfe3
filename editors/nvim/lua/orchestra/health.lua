--- :checkhealth orchestra
local M = {}

function M.check()
  local health = vim.health
  health.start("orchestra: Neovim")
  if vim.fn.has("nvim-0.10") == 1 then
    health.ok("Neovim " .. tostring(vim.version()))
  else
    health.error("Neovim 0.10 or newer is needed")
    return
  end

  local config = require("orchestra.config").options
  local client_mod = require("orchestra.client")
  health.start("orchestra: server")
  local cmd = config.cmd
  local exe = vim.fn.exepath(cmd[1])
  if exe == "" then
    health.error(("%s not found on PATH"):format(cmd[1]), {
      "install the server: pip install -e <orchestra checkout> (it provides `orchestra`)",
      "or point setup({cmd = {...}}) at it",
    })
  else
    health.ok(("%s found: %s"):format(cmd[1], exe))
  end
  local root = client_mod.current_root()
  local client = root and client_mod.get(root)
  if client and client.server_info then
    health.ok(("running: %s %s"):format(client.server_info.name or "?", client.server_info.version or "?"))
  elseif exe ~= "" and vim.fs.basename(exe) == "orchestra" then
    local result = vim.system({ exe, "--version" }, { text = true }):wait(10000)
    if result.code == 0 then
      health.ok("version: " .. vim.trim(result.stdout or ""))
    else
      health.warn("`orchestra --version` failed: " .. vim.trim(result.stderr or ""))
    end
  else
    health.info("not running for this workspace (it starts with a buffer inside it, or :Orchestra)")
  end

  health.start("orchestra: workspace")
  health.ok("root: " .. root)
  if client then
    local namespace = vim.lsp.diagnostic.get_namespace(client.id)
    local counts = { 0, 0, 0, 0 }
    local files = 0
    for _, bufnr in ipairs(vim.api.nvim_list_bufs()) do
      if vim.api.nvim_buf_get_name(bufnr):find("/.orchestra/", 1, true) then
        local found = vim.diagnostic.get(bufnr, { namespace = namespace })
        if #found > 0 then
          files = files + 1
        end
        for _, d in ipairs(found) do
          counts[d.severity] = counts[d.severity] + 1
        end
      end
    end
    local text = ("%d errors, %d warnings in .orchestra files (%d files)"):format(counts[1], counts[2], files)
    if counts[1] > 0 then
      health.warn(text, { ":lua vim.diagnostic.setqflist() lists them" })
    else
      health.ok(text)
    end
  else
    health.info(".orchestra diagnostics: the server is not running")
  end

  health.start("orchestra: model")
  local env = vim.tbl_extend("force", vim.fn.environ(), config.cmd_env or {})
  if env.ANTHROPIC_API_KEY and env.ANTHROPIC_API_KEY ~= "" then
    health.ok("ANTHROPIC_API_KEY is set")
  elseif env.ANTHROPIC_BASE_URL and env.ANTHROPIC_BASE_URL ~= "" then
    health.ok("no API key; ANTHROPIC_BASE_URL = " .. env.ANTHROPIC_BASE_URL .. " (a gateway, or the scripted model)")
  else
    health.error("no ANTHROPIC_API_KEY and no ANTHROPIC_BASE_URL: runs cannot call a model", {
      "export ANTHROPIC_API_KEY=<your key> before starting Neovim, or setup({cmd_env = {...}})",
    })
  end
end

return M
