--- Small shared helpers: messages, scratch buffers, coroutines.
local M = {}

function M.notify(message, level)
  level = level or vim.log.levels.INFO
  if level < require("orchestra.config").options.notify_level then
    return
  end
  vim.notify("Orchestra: " .. message, level, { title = "Orchestra" })
end

--- The buffer named exactly `name`, or -1 (bufnr() would read the name as a pattern,
--- and run ids hold `-`).
function M.buffer_named(name)
  for _, bufnr in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_get_name(bufnr) == name then
      return bufnr
    end
  end
  return -1
end

--- A scratch buffer named `name` (reused when it exists), shown in a split.
---@return integer bufnr
function M.scratch(name, lines, filetype)
  local bufnr = M.buffer_named(name)
  if bufnr == -1 then
    bufnr = vim.api.nvim_create_buf(false, true)
    vim.api.nvim_buf_set_name(bufnr, name)
  end
  vim.bo[bufnr].buftype = "nofile"
  vim.bo[bufnr].bufhidden = "wipe"
  vim.bo[bufnr].swapfile = false
  vim.bo[bufnr].modifiable = true
  vim.api.nvim_buf_set_lines(bufnr, 0, -1, false, lines)
  vim.bo[bufnr].modifiable = false
  vim.bo[bufnr].modified = false
  if filetype then
    vim.bo[bufnr].filetype = filetype
  end
  M.show(bufnr)
  return bufnr
end

--- Show `bufnr` in the current tab: its window if it has one, else a new split at the
--- bottom, `share` (0..1) of the editor's height when given.
function M.show(bufnr, share)
  local win = vim.fn.bufwinid(bufnr)
  if win ~= -1 then
    vim.api.nvim_set_current_win(win)
  else
    vim.cmd("botright split")
    vim.api.nvim_win_set_buf(0, bufnr)
    if share then
      vim.api.nvim_win_set_height(0, math.max(5, math.floor(vim.o.lines * share)))
    end
  end
end

--- Run `fn` now in Normal mode, else once the person is back in it (a window opened
--- in the middle of Insert or Command-line mode would take their keystrokes).
function M.when_normal(fn)
  if vim.api.nvim_get_mode().mode == "n" then
    return fn()
  end
  vim.api.nvim_create_autocmd("ModeChanged", {
    pattern = "*:n",
    once = true,
    callback = function()
      vim.schedule(fn)
    end,
  })
end

function M.map(bufnr, lhs, fn, desc)
  if lhs and lhs ~= "" then
    vim.keymap.set("n", lhs, fn, { buffer = bufnr, nowait = true, silent = true, desc = desc })
  end
end

--- Split a text into lines (no trailing empty line for a final newline).
function M.lines(text)
  if text == nil or text == vim.NIL or text == "" then
    return {}
  end
  local lines = vim.split(text, "\n", { plain = true })
  if lines[#lines] == "" then
    table.remove(lines)
  end
  return lines
end

function M.cost(value)
  if type(value) ~= "number" then
    return "-"
  end
  return string.format("$%.4f", value)
end

--- The word a person reads for a run's or a batch item's state: the protocol's
--- `cancelled` is `stopped`, as the CLI says (journal/models.py STATE_WORDS).
function M.said(state)
  if state == "cancelled" then
    return "stopped"
  end
  return tostring(state)
end

--- Python's round(): to the nearest integer, halves to the even one.
local function round_even(x)
  local floor = math.floor(x)
  local rest = x - floor
  if rest > 0.5 or (rest == 0.5 and floor % 2 == 1) then
    return floor + 1
  end
  return floor
end

--- `milliseconds` as the CLI prints a duration (durations.py for_people, the same
--- thresholds and units): "<1 ms", "39 ms", "1.2 s", "2 min 5 s", "1 h 3 min"; "?" for
--- nil, vim.NIL or a negative value.
function M.duration(milliseconds)
  if type(milliseconds) ~= "number" or milliseconds < 0 then
    return "?"
  end
  if milliseconds > 0 and milliseconds < 0.5 then
    return "<1 ms"
  end
  if round_even(milliseconds) < 1000 then
    return ("%d ms"):format(round_even(milliseconds))
  end
  local tenths = round_even(milliseconds / 100)
  if tenths < 600 then
    return ("%.1f s"):format(tenths / 10)
  end
  local seconds = round_even(milliseconds / 1000)
  if seconds < 3600 then
    return ("%d min %d s"):format(math.floor(seconds / 60), seconds % 60)
  end
  local minutes = round_even(milliseconds / 60000)
  return ("%d h %d min"):format(math.floor(minutes / 60), minutes % 60)
end

--- Run `fn` in a coroutine so it can wait for pickers and server answers in order.
function M.async(fn)
  return function(...)
    local co = coroutine.create(fn)
    local ok, err = coroutine.resume(co, ...)
    if not ok then
      M.notify(tostring(err), vim.log.levels.ERROR)
    end
  end
end

--- Inside a coroutine (`M.async`, or a server request's handler): wait for a
--- callback-style call. `start(done)` calls done(...) once; await returns its values.
function M.await(start)
  local co = coroutine.running()
  local values, yielded = nil, false
  start(function(...)
    if values then
      return
    end
    values = { n = select("#", ...), ... }
    if yielded then
      -- scheduled: never resume from inside someone else's callback stack
      vim.schedule(function()
        local ok, err = coroutine.resume(co)
        if not ok then
          M.notify(tostring(err), vim.log.levels.ERROR)
        end
      end)
    end
  end)
  if values == nil then
    yielded = true
    coroutine.yield()
  end
  return unpack(values, 1, values.n)
end

function M.select(items, opts)
  return M.await(function(resume)
    vim.ui.select(items, opts, resume)
  end)
end

function M.input(opts)
  return M.await(function(resume)
    vim.ui.input(opts, resume)
  end)
end

return M
