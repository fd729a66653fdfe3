-- One person's session in a real Neovim, through the plugin's interface only:
-- :Orchestra run with the picker and argument prompts, the approve gate revised then
-- approved, the review buffer (accept one hunk, reject another, accept a new file,
-- :w), a second run dismissed at its gate and stopped, and a third whose review is
-- closed with q and left pending when Neovim quits. Environment: ORCH_ROOT, ORCH_CMD
-- (JSON), ORCH_ANSWERS, ORCH_OUT.
local H = dofile(vim.fs.joinpath(vim.fs.dirname(debug.getinfo(1, "S").source:sub(2)), "harness.lua"))
local root = os.getenv("ORCH_ROOT")

H.run(function()
  H.start("calc.py")
  local events = require("orchestra.events")

  -- 1. run: picker, then the required arguments one by one
  vim.cmd("Orchestra run")
  H.wait("the first run to finish", function()
    local run = events.runs[events.order[1] or ""]
    return run and run.state ~= "running" or (run and run.waiting == "review" and H.buffer("orchestra://review/"))
  end, 90000)
  local first = events.order[1]
  H.report.first_run = first
  local review = H.buffer("orchestra://review/" .. first)
  if not review then
    return H.finish("no review buffer for " .. first)
  end
  vim.api.nvim_set_current_win(vim.fn.bufwinid(review))
  H.report.review_lines = H.lines(review)
  H.report.review_folds = {}
  for row = 1, vim.api.nvim_buf_line_count(review) do
    H.report.review_folds[row] = vim.fn.foldlevel(row)
  end
  H.cursor_to("return a + b")
  H.keys("a")
  H.cursor_to("raise ValueError(\"mean() needs")
  H.keys("r")
  H.cursor_to("CHANGES.md")
  H.keys("A")
  H.report.review_marked = H.lines(review)
  -- the side-by-side view opens in its own tab and q closes it
  H.cursor_to("return a + b")
  H.keys("<CR>")
  H.report.diff_windows = #vim.tbl_filter(function(win)
    return vim.wo[win].diff
  end, vim.api.nvim_tabpage_list_wins(0))
  H.keys("q")
  vim.api.nvim_set_current_win(vim.fn.bufwinid(review))
  H.keys(":w<CR>")
  H.wait("the first run to end", function()
    return events.runs[first].state ~= "running"
  end)
  H.report.first_state = events.runs[first].state
  local calc = vim.fn.bufnr(vim.fs.joinpath(root, "calc.py"))
  H.report.calc_buffer = H.lines(calc)
  H.report.calc_modified = vim.bo[calc].modified

  -- the runs list, the run's log and the last model call's context
  for _, view in ipairs({ { "runs", "orchestra://runs" }, { "log " .. first, "orchestra://log/" .. first }, { "context", "orchestra://context" } }) do
    vim.cmd("Orchestra " .. view[1])
    H.wait(":Orchestra " .. view[1], function()
      return H.buffer(view[2]) ~= nil
    end)
    H.report[view[1]:match("^%a+")] = H.lines(H.buffer(view[2]))
    if view[1] == "runs" then
      -- `p` on the finished run opens its page in the browser (vim.ui.open)
      H.cursor_to(first)
      H.keys("p")
      H.wait("the run's page to open", function()
        return H.report.opened[1] ~= nil
      end, 30000)
    end
    vim.cmd("close")
  end

  -- 2. a run dismissed at its gate waits and says how to continue; then it is stopped
  vim.cmd("Orchestra run improve goal=tidy up area=calc.py")
  H.wait("the second run's gate", function()
    local run = events.runs[events.order[2] or ""]
    return run and require("orchestra.gates").pending[run.id] ~= nil
  end)
  local second = events.order[2]
  H.report.second_run = second
  H.report.second_status = require("orchestra").status()
  -- :Orchestra continue asks again; dismissed again, the gate still waits
  local asked = #H.report.asked
  vim.cmd("Orchestra continue")
  H.wait("the gate asked again", function()
    return #H.report.asked > asked and require("orchestra.gates").pending[second] ~= nil
  end)
  vim.cmd("Orchestra stop")
  H.wait("the second run to be stopped", function()
    return events.runs[second].state ~= "running"
  end)
  H.report.second_state = events.runs[second].state

  -- 3. a run whose review is closed with q stays pending; Neovim quits
  vim.cmd("Orchestra run improve goal=rename area=calc.py")
  local third = H.review_of(3, "the third run's review")
  H.report.third_run = third
  vim.api.nvim_set_current_win(vim.fn.bufwinid(H.buffer("orchestra://review/" .. third)))
  H.keys("q")
  H.report.third_closed = vim.fn.bufwinid(H.buffer("orchestra://review/" .. third) or -1) == -1
  H.report.third_status = require("orchestra").status()
  -- stopping it withdraws its review: the server would refuse decisions now; `cancel`,
  -- the command's old name, still does it
  vim.cmd("Orchestra cancel " .. third)
  H.wait("the third run to be stopped", function()
    return events.runs[third].state ~= "running"
  end)
  H.report.third_review_left = H.buffer("orchestra://review/" .. third) ~= nil
  -- the runs list again (the first one is gone with its window): the stopped runs say so
  assert(H.buffer("orchestra://runs") == nil, "the runs list is still open")
  vim.cmd("Orchestra runs")
  H.wait(":Orchestra runs again", function()
    return H.buffer("orchestra://runs") ~= nil
  end)
  H.report.runs_after = H.lines(H.buffer("orchestra://runs"))
  H.finish(nil)
end)
