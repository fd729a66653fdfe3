-- Restart, part two: a new Neovim lists the runs, <CR> on the pending one reopens its
-- review, a accepts its hunk and :w submits.
local H = dofile(vim.fs.joinpath(vim.fs.dirname(debug.getinfo(1, "S").source:sub(2)), "harness.lua"))
local root = os.getenv("ORCH_ROOT")
local pending = os.getenv("ORCH_RUN")

H.run(function()
  H.open("calc.py")
  vim.cmd("Orchestra runs")
  H.wait("the runs list", function()
    return H.buffer("orchestra://runs") ~= nil
  end)
  H.report.runs = H.lines(H.buffer("orchestra://runs"))
  H.cursor_to(pending)
  H.keys("<CR>")
  H.wait("the reopened review", function()
    return H.buffer("orchestra://review/") ~= nil
  end)
  local review = H.buffer("orchestra://review/")
  H.report.review_name = vim.api.nvim_buf_get_name(review)
  vim.api.nvim_set_current_win(vim.fn.bufwinid(review))
  H.report.review_lines = H.lines(review)
  H.cursor_to("+def average(")
  H.keys("a")
  H.keys(":w<CR>")
  H.wait("the decision to land", function()
    for _, run in pairs(require("orchestra.events").runs) do
      if run.state ~= "running" then
        return true
      end
    end
  end)
  local calc = vim.fn.bufnr(vim.fs.joinpath(root, "calc.py"))
  H.report.calc_modified = vim.bo[calc].modified
  H.finish(nil)
end)
