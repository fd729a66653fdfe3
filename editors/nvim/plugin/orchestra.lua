-- Orchestra for Neovim: the :Orchestra command. The language server starts once
-- require("orchestra").setup() has run (see :help orchestra).
if vim.g.loaded_orchestra then
  return
end
vim.g.loaded_orchestra = true

if vim.fn.has("nvim-0.10") == 0 then
  -- Said once, at start-up; nothing else is defined.
  vim.api.nvim_echo({ { "orchestra.nvim needs Neovim 0.10 or newer; it does nothing here.", "WarningMsg" } }, true, {})
  return
end

vim.api.nvim_create_user_command("Orchestra", function(command)
  require("orchestra.commands").dispatch(command)
end, {
  nargs = "*",
  range = true,
  desc = "Orchestra: run, review, runs, cancel, context, log",
  complete = function(arg_lead, line, position)
    return require("orchestra.commands").complete(arg_lead, line, position)
  end,
})
