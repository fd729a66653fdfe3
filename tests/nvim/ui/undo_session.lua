-- Undo in a Neovim whose server never saw the run (the CLI landed it): :Orchestra undo
-- RUN file=% (one file; a conflict with the person's edit is said, the rest reviewed
-- and accepted), `u` in :Orchestra runs (the whole run: the created file offered for
-- deletion), then :Orchestra undo with the picker, undoing that undo (the deleted file
-- restored). Environment: ORCH_ROOT, ORCH_CMD (JSON), ORCH_RUN, ORCH_ANSWERS, ORCH_OUT.
local H = dofile(vim.fs.joinpath(vim.fs.dirname(debug.getinfo(1, "S").source:sub(2)), "harness.lua"))
local root = os.getenv("ORCH_ROOT")
local run = os.getenv("ORCH_RUN")

--- The id of the next undo run once its review buffer is open, and the buffer's lines.
local function next_review(what, known)
  local events = require("orchestra.events")
  local id
  H.wait(what, function()
    for _, candidate in ipairs(events.order) do
      if not known[candidate] and H.buffer("orchestra://review/" .. candidate) then
        id = candidate
        return true
      end
    end
  end)
  known[id] = true
  local review = H.buffer("orchestra://review/" .. id)
  vim.api.nvim_set_current_win(vim.fn.bufwinid(review))
  return id, H.lines(review)
end

--- Accept the hunk or file on the first line holding `text`, submit, wait for the end.
local function accept_and_submit(id, text, key)
  H.cursor_to(text)
  H.keys(key)
  H.keys(":w<CR>")
  H.wait("the end of " .. id, function()
    return require("orchestra.events").runs[id].state ~= "running"
  end)
  H.report.states = H.report.states or {}
  table.insert(H.report.states, require("orchestra.events").runs[id].state)
end

local function runs_list()
  local old = H.buffer("orchestra://runs")
  if old then
    vim.api.nvim_buf_delete(old, { force = true }) -- so what is waited for is the new list
  end
  vim.cmd("Orchestra runs")
  H.wait(":Orchestra runs", function()
    local bufnr = H.buffer("orchestra://runs")
    return bufnr and #H.lines(bufnr) > 2 and vim.api.nvim_get_current_buf() == bufnr
  end)
  return H.lines(H.buffer("orchestra://runs"))
end

H.run(function()
  H.start("values.py")
  local known = {}

  -- 1. one file, named as the current buffer
  vim.cmd("Orchestra undo " .. run .. " file=%")
  local first, lines = next_review("the review of the file's undo", known)
  H.report.first, H.report.first_review = first, lines
  accept_and_submit(first, "+value_8 = 8", "a")
  H.report.values_buffer = H.lines(vim.fn.bufnr(vim.fs.joinpath(root, "values.py")))
  H.report.values_modified = vim.bo[vim.fn.bufnr(vim.fs.joinpath(root, "values.py"))].modified

  -- 2. the whole run, from the runs list
  H.report.runs_before = runs_list()
  H.cursor_to(run)
  H.keys("u")
  local second
  second, H.report.second_review = next_review("the review of the whole run's undo", known)
  H.report.second = second
  accept_and_submit(second, "notes.txt", "A")

  -- 3. the undo of that undo, picked from the ended runs
  H.answer({ prompt = "undo which run?", pick = second })
  vim.cmd("Orchestra undo")
  local third
  third, H.report.third_review = next_review("the review of the undo's undo", known)
  H.report.third = third
  accept_and_submit(third, "notes.txt", "A")
  H.report.runs_after = runs_list()
  H.finish(nil)
end)
