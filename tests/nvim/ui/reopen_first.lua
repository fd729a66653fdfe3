-- Restart, part one: a run reaches its review, the review is closed with q (the
-- proposal stays pending) and Neovim quits as a person quits it (:qa).
local H = dofile(vim.fs.joinpath(vim.fs.dirname(debug.getinfo(1, "S").source:sub(2)), "harness.lua"))
local root = os.getenv("ORCH_ROOT")

H.run(function()
  require("orchestra").setup({ cmd = vim.json.decode(os.getenv("ORCH_CMD")) })
  vim.cmd.edit(vim.fs.joinpath(root, "calc.py"))
  local events = require("orchestra.events")
  -- lines 8-9 selected: they become the command's {{selection}}
  vim.cmd("8,9Orchestra run improve goal=rename mean area=calc.py")
  H.wait("the review", function()
    local run = events.runs[events.order[1] or ""]
    return run and H.buffer("orchestra://review/" .. run.id)
  end)
  H.report.run = events.order[1]
  vim.api.nvim_set_current_win(vim.fn.bufwinid(H.buffer("orchestra://review/" .. H.report.run)))
  H.keys("q")
  H.finish(nil) -- :qa!, with the client's shutdown and exit
end)
