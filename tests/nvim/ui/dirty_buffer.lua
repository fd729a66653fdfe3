-- A person has unsaved edits in calc.py when a review lands a change in it: the plugin
-- must not save their edits for them. Environment as for review_session.lua.
local H = dofile(vim.fs.joinpath(vim.fs.dirname(debug.getinfo(1, "S").source:sub(2)), "harness.lua"))
local root = os.getenv("ORCH_ROOT")

H.run(function()
  require("orchestra").setup({ cmd = vim.json.decode(os.getenv("ORCH_CMD")) })
  vim.cmd.edit(vim.fs.joinpath(root, "calc.py"))
  H.wait("the server", function()
    return #vim.lsp.get_clients({ name = "orchestra", bufnr = 0 }) == 1
  end)
  local calc = vim.api.nvim_get_current_buf()
  H.keys("ggA # edited, not saved<Esc>")
  local events = require("orchestra.events")
  vim.cmd("Orchestra run improve goal=rename mean area=calc.py")
  H.wait("the review", function()
    local run = events.runs[events.order[1] or ""]
    return run and H.buffer("orchestra://review/" .. run.id)
  end)
  local run = events.order[1]
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
