-- A person has unsaved edits in calc.py when a review lands a change in it: the plugin
-- must not save their edits for them. Environment as for review_session.lua.
local H = dofile(vim.fs.joinpath(vim.fs.dirname(debug.getinfo(1, "S").source:sub(2)), "harness.lua"))

H.run(function()
  H.start("calc.py")
  local calc = vim.api.nvim_get_current_buf()
  H.keys("ggA # edited, not saved<Esc>")
  local events = require("orchestra.events")
  vim.cmd("Orchestra run improve goal=rename mean area=calc.py")
  local run = H.review_of(1, "the review")
  vim.api.nvim_set_current_win(vim.fn.bufwinid(H.buffer("orchestra://review/" .. run)))
  H.cursor_to("calc.py · modify")
  H.keys("A")
  H.keys(":w<CR>")
  H.wait("the run to end", function()
    return events.runs[run].state ~= "running"
  end)
  H.report.run = run
  H.report.calc_buffer = H.lines(calc)
  H.report.calc_modified = vim.bo[calc].modified
  H.finish(nil)
end)
