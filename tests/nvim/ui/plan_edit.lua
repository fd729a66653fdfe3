-- Edit the plan at an approve gate in a real Neovim, through the plugin only: "Edit…"
-- at the gate's picker opens the step's output in a buffer; closing it without writing
-- gives the edit up (the gate comes back), :w approves the edited text. Then a
-- structured step: JSON the schema refuses comes back with the problem as a
-- diagnostic at its position, and a fixed :w is taken.
-- Environment: ORCH_ROOT, ORCH_CMD (JSON), ORCH_ANSWERS, ORCH_OUT.
local H = dofile(vim.fs.joinpath(vim.fs.dirname(debug.getinfo(1, "S").source:sub(2)), "harness.lua"))

local function edit_buffer()
  local found
  H.wait("the edit buffer", function()
    found = H.buffer("orchestra://edit/")
    return found ~= nil and vim.api.nvim_get_current_buf() == found
  end)
  return found
end

H.run(function()
  H.start("calc.py")
  local events = require("orchestra.events")

  -- 1. a text plan: give the first edit up, then edit and write
  vim.cmd("Orchestra run planned goal=tidy")
  local bufnr = edit_buffer()
  H.report.first_edit = H.lines(bufnr)
  H.report.first_filetype = vim.bo[bufnr].filetype
  vim.api.nvim_buf_set_lines(bufnr, 0, -1, false, { "scrapped" })
  H.keys(":bwipeout!<CR>")
  H.wait("the gate again", function()
    return H.buffer("orchestra://edit/") ~= nil and H.buffer("orchestra://edit/") ~= bufnr
  end)
  bufnr = edit_buffer()
  H.report.second_edit = H.lines(bufnr)
  vim.api.nvim_buf_set_lines(bufnr, 0, -1, false, { "1. Fix add()", "2. Leave mean() alone" })
  H.keys(":w<CR>")
  H.report.first_state = H.ended(1).state
  H.report.first_run = events.order[1]
  vim.cmd("Orchestra log " .. events.order[1])
  H.wait("the log", function()
    return H.buffer("orchestra://log/" .. events.order[1]) ~= nil
  end)
  H.report.log = H.lines(H.buffer("orchestra://log/" .. events.order[1]))
  vim.cmd("close")

  -- 2. a structured answer: JSON the schema refuses, then a fixed one
  vim.cmd("Orchestra run triaged")
  bufnr = edit_buffer()
  H.report.json_filetype = vim.bo[bufnr].filetype
  vim.api.nvim_buf_set_lines(bufnr, 0, -1, false, { "{", '  "kind": "bug",', '  "area": "calc.py"' })
  H.keys(":w<CR>")
  H.wait("the refused edit back", function()
    local again = H.buffer("orchestra://edit/")
    return again ~= nil and again ~= bufnr and #vim.diagnostic.get(again) > 0
  end)
  bufnr = edit_buffer()
  H.report.refused_lines = H.lines(bufnr)
  local diagnostic = vim.diagnostic.get(bufnr)[1]
  H.report.diagnostic = { lnum = diagnostic.lnum, col = diagnostic.col, message = diagnostic.message }
  vim.api.nvim_buf_set_lines(bufnr, 0, -1, false, { '{"kind": "bug", "area": "calc.py"}' })
  H.keys(":w<CR>")
  H.report.second_state = H.ended(2).state
  H.report.second_run = events.order[2]
  H.finish()
end)
