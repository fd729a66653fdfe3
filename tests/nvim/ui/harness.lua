-- Test harness for driving the plugin as a person would, inside a real Neovim:
-- vim.ui.select / vim.ui.input answered by a script of answers (the "person"), and
-- recorders for what the person sees (prompts, notifications, LspProgress, status()).
-- Environment: ORCH_ANSWERS (JSON list of answers), ORCH_OUT (report file).
local H = {}

H.report = { asked = {}, notified = {}, progress = {}, status = {}, errors = {}, steps = {}, opened = {} }
local answers = vim.json.decode(os.getenv("ORCH_ANSWERS") or "[]")

--- The first scripted answer whose `prompt` is part of this prompt (so a question the
--- server asks at a moment of its own choosing finds its answer).
local function next_answer(kind, prompt, items)
  table.insert(H.report.asked, { kind = kind, prompt = prompt, items = items })
  for i, answer in ipairs(answers) do
    if prompt:find(answer.prompt, 1, true) then
      return table.remove(answers, i)
    end
  end
  table.insert(H.report.errors, ("nobody scripted an answer to %s %q"):format(kind, prompt))
end

--- The text of the floating windows on screen (what the person reads beside a picker).
local function floats()
  local texts = {}
  for _, win in ipairs(vim.api.nvim_list_wins()) do
    if vim.api.nvim_win_get_config(win).relative ~= "" then
      table.insert(texts, table.concat(vim.api.nvim_buf_get_lines(vim.api.nvim_win_get_buf(win), 0, -1, false), "\n"))
    end
  end
  return texts
end

-- What would open in the system's browser or viewer.
vim.ui.open = function(path)
  table.insert(H.report.opened, path)
  return nil, nil
end

vim.ui.select = function(items, opts, on_choice)
  local format = opts.format_item or tostring
  local shown = vim.tbl_map(format, items)
  local answer = next_answer("select", opts.prompt or "", shown)
  H.report.asked[#H.report.asked].floats = floats()
  vim.schedule(function()
    if answer == nil or answer.dismiss then
      return on_choice(nil, nil)
    end
    for i, text in ipairs(shown) do
      if text:find(answer.pick, 1, true) then
        return on_choice(items[i], i)
      end
    end
    table.insert(H.report.errors, ("no item %q among %s"):format(answer.pick, vim.inspect(shown)))
    on_choice(nil, nil)
  end)
end

vim.ui.input = function(opts, on_confirm)
  local answer = next_answer("input", opts.prompt or "", { opts.default })
  vim.schedule(function()
    if answer == nil or answer.dismiss then
      return on_confirm(nil)
    end
    if answer.default then
      return on_confirm(opts.default)
    end
    on_confirm(answer.input)
  end)
end

local notify = vim.notify
vim.notify = function(message, level, opts)
  table.insert(H.report.notified, { message = message, level = level })
  return notify(message, level, opts)
end

vim.api.nvim_create_autocmd("LspProgress", {
  callback = function(event)
    local value = event.data and event.data.params and event.data.params.value or {}
    table.insert(H.report.progress, { kind = value.kind, title = value.title, message = value.message })
  end,
})
vim.api.nvim_create_autocmd("User", {
  pattern = "OrchestraEvent",
  callback = function()
    local status = require("orchestra").status()
    if status ~= "" and H.report.status[#H.report.status] ~= status then
      table.insert(H.report.status, status)
    end
  end,
})

--- Script one more answer (for a question whose item is known only during the session).
function H.answer(answer)
  table.insert(answers, answer)
end

function H.remaining_answers()
  return #answers
end

--- Wait until `check()` is truthy; a failure ends the test with `what`.
function H.wait(what, check, ms)
  table.insert(H.report.steps, what)
  if not vim.wait(ms or 60000, check, 20) then
    H.finish("timed out waiting for " .. what)
    error("stop")
  end
end

--- Type keys as a person would (mappings apply), now.
function H.keys(keys)
  vim.api.nvim_feedkeys(vim.api.nvim_replace_termcodes(keys, true, false, true), "mx", false)
end

--- The buffer whose name contains `text`, or nil.
function H.buffer(text)
  for _, bufnr in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_is_valid(bufnr) and vim.api.nvim_buf_get_name(bufnr):find(text, 1, true) then
      return bufnr
    end
  end
end

function H.lines(bufnr)
  return vim.api.nvim_buf_get_lines(bufnr, 0, -1, false)
end

--- Put the cursor on the first line of the current buffer that contains `text`.
function H.cursor_to(text)
  for row, line in ipairs(H.lines(0)) do
    if line:find(text, 1, true) then
      vim.api.nvim_win_set_cursor(0, { row, 0 })
      return
    end
  end
  H.finish("no line with " .. text)
  error("stop")
end

--- The plugin set up with ORCH_CMD (a JSON list) as its server command, and `file` (a
--- path below ORCH_ROOT) opened.
function H.open(file)
  require("orchestra").setup({ cmd = vim.json.decode(os.getenv("ORCH_CMD")) })
  vim.cmd.edit(vim.fs.joinpath(os.getenv("ORCH_ROOT"), file))
end

--- Wait until the plugin's server is attached to the current buffer.
function H.server()
  H.wait("the server", function()
    return #vim.lsp.get_clients({ name = "orchestra", bufnr = 0 }) == 1
  end)
end

--- How most sessions start: H.open(file), then H.server().
function H.start(file)
  H.open(file)
  H.server()
end

--- Wait until the session's `index`-th run (in the order runs started) is no longer
--- running; returns that run.
function H.ended(index)
  local events = require("orchestra.events")
  H.wait("run " .. index .. " to end", function()
    local run = events.runs[events.order[index] or ""]
    return run and run.state ~= "running"
  end, 90000)
  return events.runs[events.order[index]]
end

--- Wait (`what` names the wait) until the session's `index`-th run has its review
--- buffer open; returns the run's id.
function H.review_of(index, what)
  local events = require("orchestra.events")
  H.wait(what, function()
    local run = events.runs[events.order[index] or ""]
    return run and H.buffer("orchestra://review/" .. run.id)
  end)
  return events.order[index]
end

function H.finish(err)
  if err then
    table.insert(H.report.errors, err)
  end
  H.report.unused_answers = #answers
  local file = io.open(os.getenv("ORCH_OUT"), "w")
  file:write(vim.json.encode(H.report))
  file:close()
  vim.cmd("qa!")
end

--- Run a scenario; any Lua error ends the test with its message.
function H.run(scenario)
  local ok, err = xpcall(scenario, debug.traceback)
  if not ok and not tostring(err):find("stop") then
    H.finish(tostring(err))
  end
end

return H
