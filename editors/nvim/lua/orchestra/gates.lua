--- Questions for the person, from the server: approve gates (Approve / Edit… / Revise / Stop)
--- and permission asks (Allow / Deny) arrive as `window/showMessageRequest`, a
--- revision's feedback and an agent's questions as `orchestra/ask`. Each is a
--- vim.ui.select / vim.ui.input (so Telescope, fzf-lua or snacks take over where
--- installed), with the whole message (a step's output, a tool's exact arguments) in a
--- floating window beside it. Dismissing the picker of a gate leaves the gate open:
--- the run waits, says so, and `:Orchestra continue` asks again.
local events = require("orchestra.events")
local util = require("orchestra.util")

local M = {}

--- run id -> function that asks again (a gate whose picker was dismissed).
M.pending = {}

local preview_ns = vim.api.nvim_create_namespace("orchestra_gate")

--- The whole message in a floating window at the top of the editor; returns its window.
local function preview(message)
  local lines = util.lines(message)
  if #lines <= 1 then
    return nil
  end
  local bufnr = vim.api.nvim_create_buf(false, true)
  vim.api.nvim_buf_set_lines(bufnr, 0, -1, false, lines)
  vim.bo[bufnr].bufhidden = "wipe"
  vim.bo[bufnr].filetype = "markdown"
  vim.api.nvim_buf_add_highlight(bufnr, preview_ns, "Title", 0, 0, -1)
  local width = 20
  for _, line in ipairs(lines) do
    width = math.max(width, vim.fn.strdisplaywidth(line))
  end
  width = math.min(width, vim.o.columns - 4)
  local height = math.min(#lines, math.max(3, math.floor(vim.o.lines * 0.6)))
  local win = vim.api.nvim_open_win(bufnr, false, {
    relative = "editor",
    row = 1,
    col = math.floor((vim.o.columns - width) / 2),
    width = width,
    height = height,
    style = "minimal",
    border = "rounded",
    title = " Orchestra ",
    focusable = false,
    noautocmd = true,
  })
  vim.cmd.redraw() -- drawn before a blocking picker (the stock inputlist) takes over
  return win
end

local function close(win)
  if win and vim.api.nvim_win_is_valid(win) then
    vim.api.nvim_win_close(win, true)
  end
end

--- The run a showMessageRequest is about: the newest run waiting for `kinds`.
local function waiting_run(kinds)
  for i = #events.order, 1, -1 do
    local run = events.runs[events.order[i]]
    if run.state == "running" and vim.tbl_contains(kinds, run.waiting) then
      return run
    end
  end
end

local function first_line(message)
  return (util.lines(message)[1] or ""):gsub("^Orchestra:%s*", "")
end

--- Inside a coroutine: the action picked for `message`. For a gate (`run` given) a
--- dismissed picker keeps the gate open until :Orchestra continue.
local function choose(run, message, actions)
  while true do
    local win = preview(message)
    local picked = util.select(actions, {
      prompt = first_line(message),
      kind = "orchestra_gate",
      format_item = function(action)
        return action.title
      end,
    })
    close(win)
    if picked ~= nil or run == nil then
      return picked
    end
    util.notify(("%s waits for your %s: %s"):format(run.command, run.waiting or "answer", ":Orchestra continue " .. run.id), vim.log.levels.WARN)
    vim.cmd.redrawstatus({ bang = true })
    util.await(function(done)
      M.pending[run.id] = done
    end)
    M.pending[run.id] = nil
  end
end

--- Whether this server request runs in a coroutine of its own (Neovim's RPC runs
--- handlers so since 0.10), so it may wait for an asynchronous picker.
local function can_wait()
  local co, is_main = coroutine.running()
  return co ~= nil and not is_main
end

--- `window/showMessageRequest` (runs in the RPC coroutine, so it may wait).
function M.show_message_request(err, params, ctx)
  if not can_wait() then
    return vim.lsp.handlers["window/showMessageRequest"](err, params, ctx)
  end
  local actions = params.actions or {}
  if #actions == 0 then
    util.notify(params.message)
    return vim.NIL
  end
  local run = waiting_run({ "approval", "permission" })
  local picked = choose(run, params.message, actions)
  return picked or vim.NIL
end

--- `orchestra/ask`: a question to answer in free text (or from its choices).
function M.ask(_, params)
  if not can_wait() then
    local typed = vim.fn.input(params.question .. " ")
    return { answer = typed ~= "" and typed or vim.NIL }
  end
  local run = events.runs[params.runId]
  local before = run and run.waiting
  if run then
    events.set_waiting(run.id, "answer")
  end
  local win = preview(params.question)
  local answer
  local prompt = first_line(params.question)
  if type(params.choices) == "table" and #params.choices > 0 then
    local other = "Something else…"
    local items = vim.list_extend(vim.deepcopy(params.choices), { other })
    answer = util.select(items, { prompt = prompt, kind = "orchestra_ask" })
    if answer == other then
      answer = util.input({ prompt = prompt .. " " })
    end
  else
    answer = util.input({ prompt = prompt .. " " })
  end
  close(win)
  if run then
    events.set_waiting(run.id, before ~= "answer" and before or nil)
  end
  return { answer = answer or vim.NIL }
end

local edit_ns = vim.api.nvim_create_namespace("orchestra_edit")

--- Where the server says an edit went wrong ("line 4, column 1: …"), as a diagnostic.
local function mark_problem(bufnr, problem)
  if type(problem) ~= "string" then
    return
  end
  local line, col = problem:match("^line (%d+), column (%d+):")
  vim.diagnostic.set(edit_ns, bufnr, {
    {
      lnum = math.max(0, (tonumber(line) or 1) - 1),
      col = math.max(0, (tonumber(col) or 1) - 1),
      message = problem,
      severity = vim.diagnostic.severity.ERROR,
      source = "orchestra",
    },
  })
end

--- `orchestra/edit` (after "Edit…" at an approve gate): the step's output in a buffer
--- of its own. `:w` approves the step with what the buffer holds; closing it without
--- writing gives the edit up and the gate is asked again. Nothing else is written.
function M.edit(_, params)
  if not can_wait() then
    return { text = vim.NIL }
  end
  local json = params.format == "json"
  local name = ("orchestra://edit/%s/%s.%s"):format(params.runId, (params.stepId:gsub("/", "_")), json and "json" or "md")
  local text = util.await(function(done)
    util.when_normal(function()
      local old = util.buffer_named(name)
      if old ~= -1 then
        vim.api.nvim_buf_delete(old, { force = true })
      end
      local bufnr = vim.api.nvim_create_buf(true, false)
      vim.api.nvim_buf_set_name(bufnr, name)
      vim.bo[bufnr].buftype = "acwrite"
      vim.bo[bufnr].bufhidden = "wipe"
      vim.bo[bufnr].swapfile = false
      vim.api.nvim_buf_set_lines(bufnr, 0, -1, false, util.lines(params.text))
      vim.bo[bufnr].modified = false
      vim.bo[bufnr].filetype = json and "json" or "markdown"
      mark_problem(bufnr, params.problem)
      vim.api.nvim_create_autocmd("BufWriteCmd", {
        buffer = bufnr,
        callback = function()
          local lines = vim.api.nvim_buf_get_lines(bufnr, 0, -1, false)
          vim.bo[bufnr].modified = false
          done(table.concat(lines, "\n") .. "\n")
          vim.schedule(function()
            if vim.api.nvim_buf_is_valid(bufnr) then
              vim.api.nvim_buf_delete(bufnr, { force = true })
            end
          end)
        end,
      })
      vim.api.nvim_create_autocmd("BufWipeout", {
        buffer = bufnr,
        callback = function()
          done(nil)
        end,
      })
      util.show(bufnr)
      local problem = type(params.problem) == "string" and ("Your last edit was not taken: " .. params.problem .. ". ") or ""
      util.notify(("%sEdit the output of '%s'; :w approves it, :q! gives the edit up"):format(problem, params.stepId), problem ~= "" and vim.log.levels.WARN or nil)
    end)
  end)
  return { text = text or vim.NIL }
end

--- :Orchestra continue [run]: ask again a gate whose picker was dismissed.
function M.continue(run_id)
  if run_id == nil then
    run_id = next(M.pending)
  end
  local again = run_id and M.pending[run_id]
  if not again then
    util.notify("no gate is waiting" .. (run_id and (" for run " .. run_id) or ""), vim.log.levels.WARN)
    return
  end
  again()
end

--- The command that continues `run`, when it waits for a person.
function M.continue_command(run)
  if M.pending[run.id] then
    return ":Orchestra continue " .. run.id
  end
  if run.waiting == "review" then
    return ":Orchestra review " .. run.id
  end
end

return M
