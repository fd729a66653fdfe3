--- Questions for the person, from the server: approve gates (Approve / Revise / Stop)
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
