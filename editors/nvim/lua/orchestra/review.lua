--- :Orchestra review [run]: a run's proposal in a scratch buffer, one section per
--- file and one fold per hunk, highlighted like a unified diff. Keys (config
--- `review.keys`): a / r accept / reject the hunk under the cursor, A / R the whole
--- file, <CR> a side-by-side `diffthis` of the file, :w submits (`orchestra/decide`),
--- q closes and leaves the proposal pending (reopen it with :Orchestra review).
local client_mod = require("orchestra.client")
local config = require("orchestra.config")
local events = require("orchestra.events")
local util = require("orchestra.util")

local M = {}

local ns = vim.api.nvim_create_namespace("orchestra_review")
local CONTEXT = 3

local links = {
  OrchestraReviewTitle = "Title",
  OrchestraReviewHelp = "Comment",
  OrchestraReviewNotice = "DiagnosticWarn",
  OrchestraReviewFile = "Directory",
  OrchestraReviewHunk = "Function",
  OrchestraReviewAdd = "Added",
  OrchestraReviewDelete = "Removed",
  OrchestraReviewAccepted = "DiagnosticOk",
  OrchestraReviewRejected = "DiagnosticError",
  OrchestraReviewUndecided = "DiagnosticWarn",
}
for group, target in pairs(links) do
  vim.api.nvim_set_hl(0, group, { link = target, default = true })
end

---@class orchestra.Review
---@field run_id string
---@field client_id integer
---@field proposal table           ProposalResult
---@field marks table<string, table<string, "accept"|"reject">>  path -> hunk id -> decision
---@field rows table<integer, {file: integer, hunk: integer|nil, level: string}>
---@field bufnr integer|nil

---@type table<string, orchestra.Review>
M.reviews = {}
--- Run ids whose proposal should open as soon as it is ready (a recovered run).
M.expected = {}

local function count_lines(text)
  return #util.lines(text)
end

local MARK_TEXT = { accept = "accepted", reject = "rejected" }

local function hunk_header(review, file, hunk, first_old, old_n, first_new, new_n)
  local mark = file.decided and "decided" or (MARK_TEXT[review.marks[file.path][hunk.id]] or "undecided")
  return ("@@ -%d,%d +%d,%d @@ %s · %s"):format(first_old, old_n, first_new, new_n, hunk.id, mark)
end

--- The lines of one file's section, with what each row is.
local function file_section(review, index, file, lines, rows, marks_at)
  local function add(text, row)
    table.insert(lines, text)
    rows[#lines] = row
  end
  local total = #file.hunks
  add(("%s · %s · %d hunk%s%s"):format(file.path, file.kind, total, total == 1 and "" or "s", file.decided and " · decided" or ""), { file = index, level = ">1" })
  local original = util.lines(file.originalText)
  local delta = 0
  for h, hunk in ipairs(file.hunks) do
    local start = hunk.range.start.line -- 0-based, in originalText
    local old_n, new_n = count_lines(hunk.oldText), count_lines(hunk.newText)
    local before_from = math.max(0, start - CONTEXT)
    local after_to = math.min(#original, start + old_n + CONTEXT)
    local context_before = start - before_from
    local context_after = after_to - (start + old_n)
    local header = hunk_header(
      review,
      file,
      hunk,
      before_from + 1,
      context_before + old_n + context_after,
      before_from + 1 + delta,
      context_before + new_n + context_after
    )
    add(header, { file = index, hunk = h, level = ">2" })
    marks_at[#lines] = { file = file, hunk = hunk }
    for i = before_from + 1, start do
      add(" " .. original[i], { file = index, hunk = h, level = "2" })
    end
    for _, line in ipairs(util.lines(hunk.oldText)) do
      add("-" .. line, { file = index, hunk = h, level = "2", hl = "OrchestraReviewDelete" })
    end
    for _, line in ipairs(util.lines(hunk.newText)) do
      add("+" .. line, { file = index, hunk = h, level = "2", hl = "OrchestraReviewAdd" })
    end
    for i = start + old_n + 1, after_to do
      add(" " .. original[i], { file = index, hunk = h, level = "2" })
    end
    delta = delta + new_n - old_n
  end
  add("", { file = index, level = "0" })
end

local function help_line()
  local k = config.options.review.keys
  return ("%s accept · %s reject · %s/%s whole file · %s side by side · :w submit · %s close (stays pending)"):format(
    k.accept,
    k.reject,
    k.accept_file,
    k.reject_file,
    k.side_by_side,
    k.close
  )
end

local function render(review)
  local proposal = review.proposal
  local run = events.runs[review.run_id]
  local title = ("Orchestra review · %s · step %s (%s) · run %s%s"):format(
    run and run.command or "run",
    proposal.stepId,
    proposal.agent,
    review.run_id,
    proposal.recovered and " · recovered" or ""
  )
  local lines = { title, help_line() }
  local rows = { { level = "0", hl = "OrchestraReviewTitle" }, { level = "0", hl = "OrchestraReviewHelp" } }
  for _, notice in ipairs(run and run.notices or {}) do
    -- what the proposal leaves out (an undo's conflicts) or should be known first
    table.insert(lines, notice)
    rows[#lines] = { level = "0", hl = "OrchestraReviewNotice" }
  end
  table.insert(lines, "")
  rows[#lines] = { level = "0" }
  local marks_at = {}
  for index, file in ipairs(proposal.files) do
    review.marks[file.path] = review.marks[file.path] or {}
    file_section(review, index, file, lines, rows, marks_at)
  end
  review.rows = rows
  local bufnr = review.bufnr
  local view = vim.fn.bufwinid(bufnr) ~= -1 and vim.api.nvim_win_call(vim.fn.bufwinid(bufnr), vim.fn.winsaveview) or nil
  vim.bo[bufnr].modifiable = true
  vim.api.nvim_buf_set_lines(bufnr, 0, -1, false, lines)
  vim.bo[bufnr].modifiable = false
  vim.api.nvim_buf_clear_namespace(bufnr, ns, 0, -1)
  for row, info in pairs(rows) do
    local group = info.hl
    if info.level == ">1" then
      group = "OrchestraReviewFile"
    elseif info.level == ">2" then
      group = "OrchestraReviewHunk"
    end
    if group then
      vim.api.nvim_buf_set_extmark(bufnr, ns, row - 1, 0, { line_hl_group = group, priority = 100 })
    end
  end
  for row, at in pairs(marks_at) do
    local mark = at.file.decided and "decided" or review.marks[at.file.path][at.hunk.id]
    local group = mark == "accept" and "OrchestraReviewAccepted" or mark == "reject" and "OrchestraReviewRejected" or "OrchestraReviewUndecided"
    local text = lines[row]
    local from = text:find(" · [%a]+$")
    if from then
      vim.api.nvim_buf_set_extmark(bufnr, ns, row - 1, from + #" · " - 1, { end_col = #text, hl_group = group, priority = 200 })
    end
  end
  if view then
    vim.api.nvim_win_call(vim.fn.bufwinid(bufnr), function()
      vim.fn.winrestview(view)
    end)
  end
end

--- Fold levels: one fold per file, one per hunk inside it.
function M.foldexpr(lnum)
  local review = M.reviews[vim.b[vim.api.nvim_get_current_buf()].orchestra_review or ""]
  local row = review and review.rows and review.rows[lnum]
  return row and row.level or "0"
end

local function under_cursor(review)
  local row = review.rows[vim.api.nvim_win_get_cursor(0)[1]]
  if not row or not row.file then
    return nil
  end
  local file = review.proposal.files[row.file]
  return file, row.hunk and file.hunks[row.hunk] or nil
end

local function jump(review, direction)
  local cursor = vim.api.nvim_win_get_cursor(0)[1]
  local last = vim.api.nvim_buf_line_count(0)
  local row = cursor + direction
  while row >= 1 and row <= last do
    local info = review.rows[row]
    if info and info.level == ">2" then
      vim.api.nvim_win_set_cursor(0, { row, 0 })
      return
    end
    row = row + direction
  end
end

local function mark(review, decision, whole_file)
  local file, hunk = under_cursor(review)
  if not file then
    return
  end
  if file.decided then
    util.notify(file.path .. " is already decided", vim.log.levels.WARN)
    return
  end
  if whole_file then
    for _, each in ipairs(file.hunks) do
      review.marks[file.path][each.id] = decision
    end
  elseif hunk then
    review.marks[file.path][hunk.id] = decision
  else
    util.notify("put the cursor on a hunk (or use the whole-file keys)", vim.log.levels.WARN)
    return
  end
  render(review)
  vim.bo[review.bufnr].modified = true
  if not whole_file then
    jump(review, 1)
  end
end

--- A side-by-side diff of the file under the cursor in a new tab: what the agent read
--- on the left, what it proposes on the right.
local function side_by_side(review)
  local file, hunk = under_cursor(review)
  if not file then
    return
  end
  local filetype = vim.filetype.match({ filename = file.path }) or ""
  local function pane(label, text)
    local name = ("orchestra://%s/%s/%s"):format(label, review.run_id, file.path)
    local existing = vim.fn.bufnr("^" .. vim.pesc(name) .. "$")
    if existing ~= -1 then
      vim.api.nvim_buf_delete(existing, { force = true })
    end
    local bufnr = vim.api.nvim_create_buf(false, true)
    vim.api.nvim_buf_set_name(bufnr, name)
    vim.api.nvim_buf_set_lines(bufnr, 0, -1, false, util.lines(text))
    vim.bo[bufnr].modifiable = false
    vim.bo[bufnr].bufhidden = "wipe"
    vim.bo[bufnr].filetype = filetype
    vim.api.nvim_win_set_buf(0, bufnr)
    vim.cmd("diffthis")
    util.map(bufnr, config.options.review.keys.close, "<cmd>tabclose<cr>", "close the diff")
    return bufnr
  end
  vim.cmd("tabnew")
  local scratch = vim.api.nvim_get_current_buf()
  pane("original", file.originalText)
  vim.cmd("vsplit")
  pane("proposed", file.proposedText)
  if vim.api.nvim_buf_is_valid(scratch) and scratch ~= vim.api.nvim_get_current_buf() then
    pcall(vim.api.nvim_buf_delete, scratch, { force = true })
  end
  if hunk then
    pcall(vim.api.nvim_win_set_cursor, 0, { hunk.range.start.line + 1, 0 })
  end
end

local submit = util.async(function(review)
  local files, undecided = {}, 0
  for _, file in ipairs(review.proposal.files) do
    if not file.decided then
      local accepted = {}
      for _, hunk in ipairs(file.hunks) do
        local decision = review.marks[file.path][hunk.id]
        if decision == "accept" then
          table.insert(accepted, hunk.id)
        elseif decision == nil then
          undecided = undecided + 1
        end
      end
      table.insert(files, { path = file.path, accepted = accepted })
    end
  end
  if undecided > 0 then
    local go = ("Submit: the %d undecided hunk%s rejected"):format(undecided, undecided == 1 and " is" or "s are")
    local picked = util.select({ go, "Keep reviewing" }, { prompt = "Orchestra: some hunks are undecided", kind = "orchestra_submit" })
    if picked ~= go then
      return
    end
  end
  local client = vim.lsp.get_client_by_id(review.client_id)
  if not client then
    util.notify("the server of this review is gone; :Orchestra review reopens it from the journal", vim.log.levels.ERROR)
    return
  end
  local result, err = client_mod.request(client, "orchestra/decide", { runId = review.run_id, files = files, final = true })
  if not result then
    util.notify("the decisions were not taken: " .. err, vim.log.levels.ERROR)
    return
  end
  M.reviews[review.run_id] = nil
  if vim.api.nvim_buf_is_valid(review.bufnr) then
    vim.bo[review.bufnr].modified = false
    for _, win in ipairs(vim.fn.win_findbuf(review.bufnr)) do
      if #vim.api.nvim_list_wins() > 1 then
        vim.api.nvim_win_close(win, true)
      end
    end
    pcall(vim.api.nvim_buf_delete, review.bufnr, { force = true })
  end
  -- what lands is told by the proposal_decided events that follow (events.lua)
  local undecided_files = #(result.undecided or {})
  util.notify(("decisions sent for %d file%s%s"):format(#files, #files == 1 and "" or "s", undecided_files > 0 and (", " .. undecided_files .. " still undecided") or ""))
end)

local function close(review)
  if vim.api.nvim_buf_is_valid(review.bufnr) then
    vim.bo[review.bufnr].modified = false
    if #vim.api.nvim_list_wins() > 1 then
      vim.cmd("close")
    else
      vim.cmd("enew")
    end
  end
  util.notify(("the proposal stays pending: :Orchestra review %s"):format(review.run_id))
end

local function show(review)
  local name = "orchestra://review/" .. review.run_id
  local bufnr = vim.fn.bufnr("^" .. vim.pesc(name) .. "$")
  if bufnr == -1 then
    bufnr = vim.api.nvim_create_buf(false, true)
    vim.api.nvim_buf_set_name(bufnr, name)
  end
  review.bufnr = bufnr
  vim.b[bufnr].orchestra_review = review.run_id
  vim.bo[bufnr].buftype = "acwrite"
  vim.bo[bufnr].bufhidden = "hide"
  vim.bo[bufnr].swapfile = false
  util.show(bufnr, 0.75)
  render(review)
  vim.bo[bufnr].filetype = "orchestrareview"
  local win = vim.api.nvim_get_current_win()
  vim.wo[win].foldmethod = "expr"
  vim.wo[win].foldexpr = "v:lua.require'orchestra.review'.foldexpr(v:lnum)"
  vim.wo[win].foldlevel = 99
  vim.wo[win].foldenable = true
  vim.wo[win].wrap = false
  local keys = config.options.review.keys
  util.map(bufnr, keys.accept, function() mark(review, "accept", false) end, "Orchestra: accept this hunk")
  util.map(bufnr, keys.reject, function() mark(review, "reject", false) end, "Orchestra: reject this hunk")
  util.map(bufnr, keys.accept_file, function() mark(review, "accept", true) end, "Orchestra: accept the whole file")
  util.map(bufnr, keys.reject_file, function() mark(review, "reject", true) end, "Orchestra: reject the whole file")
  util.map(bufnr, keys.side_by_side, function() side_by_side(review) end, "Orchestra: side-by-side diff of this file")
  util.map(bufnr, keys.next_hunk, function() jump(review, 1) end, "Orchestra: next hunk")
  util.map(bufnr, keys.prev_hunk, function() jump(review, -1) end, "Orchestra: previous hunk")
  util.map(bufnr, keys.close, function() close(review) end, "Orchestra: close, keep the proposal pending")
  vim.api.nvim_clear_autocmds({ group = vim.api.nvim_create_augroup("orchestra_review_" .. bufnr, {}) })
  vim.api.nvim_create_autocmd("BufWriteCmd", {
    group = vim.api.nvim_create_augroup("orchestra_review_" .. bufnr, {}),
    buffer = bufnr,
    callback = function()
      submit(review)
    end,
  })
  jump(review, 1)
end

--- The run ended without its review (cancelled, failed, its server gone): the server
--- refuses decisions for it now, so its review buffer goes, with a word why.
function M.withdraw(run_id, why)
  local review = M.reviews[run_id]
  if review == nil then
    return
  end
  M.reviews[run_id] = nil
  if review.bufnr and vim.api.nvim_buf_is_valid(review.bufnr) then
    vim.bo[review.bufnr].modified = false
    pcall(vim.api.nvim_buf_delete, review.bufnr, { force = true })
  end
  util.notify(("the review of run %s is withdrawn: %s"):format(run_id, why), vim.log.levels.WARN)
end

--- The run to review when none is named: one waiting here, else one the journal holds.
local function choose_run(client)
  local waiting = {}
  local result = client_mod.request(client, "orchestra/runs", { limit = config.options.runs_limit })
  for _, run in ipairs(result and result.runs or {}) do
    if run.awaitingReview or run.pendingProposal then
      table.insert(waiting, run)
    end
  end
  if #waiting == 0 then
    util.notify("no proposal is waiting for review", vim.log.levels.WARN)
    return nil
  end
  if #waiting == 1 then
    return waiting[1].runId
  end
  local picked = util.select(waiting, {
    prompt = "Orchestra: review which run?",
    format_item = function(run)
      return ("%s · %s · %s"):format(run.runId, run.command, util.said(run.state))
    end,
  })
  return picked and picked.runId or nil
end

--- :Orchestra review [run].
M.open = util.async(function(run_id)
  local existing = run_id and M.reviews[run_id]
  if existing and existing.bufnr and vim.api.nvim_buf_is_valid(existing.bufnr) then
    show(existing)
    return
  end
  local client = require("orchestra.runs").client_for(run_id)
  if not client then
    return
  end
  run_id = run_id or choose_run(client)
  if not run_id then
    return
  end
  local proposal, err = client_mod.request(client, "orchestra/proposal", { runId = run_id })
  if not proposal then
    -- Not waiting on this server: a run interrupted with its proposal pending is offered
    -- again as a review of its own (orchestra/recover), which opens when it is ready.
    local recovered = client_mod.request(client, "orchestra/recover", { runId = run_id })
    if recovered and recovered.runId then
      M.expected[recovered.runId] = true
      util.notify(("run %s was interrupted: its proposal comes back as run %s"):format(run_id, recovered.runId))
      return
    end
    util.notify(("nothing to review for run %s: %s"):format(run_id, err), vim.log.levels.WARN)
    return
  end
  local review = { run_id = run_id, client_id = client.id, proposal = proposal, marks = {} }
  M.reviews[run_id] = review
  show(review)
end)

return M
