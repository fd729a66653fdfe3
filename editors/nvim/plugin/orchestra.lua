-- Orchestra for Neovim: the :Orchestra command. The language server starts once
-- require("orchestra").setup() has run (see :help orchestra).
if vim.g.loaded_orchestra then
  return
end
vim.g.loaded_orchestra = true

if vim.fn.has("nvim-0.10") == 0 then
  require("orchestra").too_old() -- said once; nothing else is defined
  return
end

require("orchestra.commands").define()
