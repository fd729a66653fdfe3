--- Orchestra for Neovim (:help orchestra). require("orchestra").setup(opts) starts
--- `orchestra serve` for buffers inside a workspace; everything else is :Orchestra.
local M = {}

local supported = vim.fn.has("nvim-0.10") == 1

--- On a Neovim older than 0.10: say so, once.
function M.too_old()
  if not vim.g.orchestra_said_too_old then
    vim.g.orchestra_said_too_old = true
    vim.api.nvim_echo({ { "orchestra.nvim needs Neovim 0.10 or newer; it does nothing here.", "WarningMsg" } }, true, {})
  end
end

--- Start or attach the language server for buffers inside a workspace (a folder with
--- `.orchestra`). `opts`: see :help orchestra-setup.
function M.setup(opts)
  if not supported then
    return M.too_old()
  end
  local config = require("orchestra.config")
  config.set(opts)
  if vim.fn.exists(":Orchestra") ~= 2 then
    require("orchestra.commands").define()
  end
  local client = require("orchestra.client")
  local group = vim.api.nvim_create_augroup("orchestra", { clear = true })
  vim.api.nvim_create_autocmd({ "BufReadPost", "BufNewFile" }, {
    group = group,
    callback = function(event)
      client.attach(event.buf)
    end,
  })
  for _, bufnr in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_is_loaded(bufnr) then
      client.attach(bufnr)
    end
  end
end

--- For a statusline: the newest active run's step, agent, tool, tokens and cost, or
--- what it waits for with the command that continues it; "" when nothing runs.
function M.status()
  if not supported then
    return ""
  end
  return require("orchestra.events").status()
end

return M
