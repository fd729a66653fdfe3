-- Restart, part one: a run reaches its review, the review is closed with q (the
-- proposal stays pending) and Neovim quits as a person quits it (:qa).
local H = dofile(vim.fs.joinpath(vim.fs.dirname(debug.getinfo(1, "S").source:sub(2)), "harness.lua"))

H.run(function()
  H.open("calc.py")
  -- lines 8-9 selected: they become the command's {{selection}}
  vim.cmd("8,9Orchestra run improve goal=rename mean area=calc.py")
  H.report.run = H.review_of(1, "the review")
  vim.api.nvim_set_current_win(vim.fn.bufwinid(H.buffer("orchestra://review/" .. H.report.run)))
  H.keys("q")
  H.finish(nil) -- :qa!, with the client's shutdown and exit
end)
