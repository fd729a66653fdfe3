-- Resume from Neovim, through the plugin only: a run that failed in round 2 of its
-- loop is resumed with `R` in :Orchestra runs ("where it stopped"), then again with
-- :Orchestra resume RUN from=build#2/review typed. Environment: ORCH_ROOT, ORCH_CMD
-- (JSON), ORCH_ANSWERS, ORCH_OUT.
local H = dofile(vim.fs.joinpath(vim.fs.dirname(debug.getinfo(1, "S").source:sub(2)), "harness.lua"))

H.run(function()
  H.start("calc.py")

  vim.cmd("Orchestra run loop")
  local first = H.ended(1)
  H.report.first = first.id
  H.report.first_state = first.state

  vim.cmd("Orchestra runs")
  H.wait("the runs list", function()
    return H.buffer("orchestra://runs") ~= nil
  end)
  H.report.runs_header = H.lines(H.buffer("orchestra://runs"))[1]
  H.cursor_to(first.id)
  H.keys("R")
  local second = H.ended(2)
  H.report.second = second.id
  H.report.second_state = second.state
  vim.cmd("close")

  vim.cmd("Orchestra resume " .. first.id .. " from=build#2/review")
  local third = H.ended(3)
  H.report.third = third.id
  H.report.third_state = third.state

  vim.cmd("Orchestra resume " .. first.id .. " from=build/nope")
  H.wait("the refusal", function()
    for _, note in ipairs(H.report.notified) do
      if note.message:find("cannot resume", 1, true) then
        return true
      end
    end
  end, 30000)
  H.finish()
end)
