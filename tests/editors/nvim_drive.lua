-- Neovim 0.11's stock LSP client (no plugin) through the scenario of editor_helpers.py;
-- writes what it saw to $REPORT. Run in tmux: nvim --clean -c "luafile nvim_drive.lua".
local root = os.getenv("WORKSPACE")
local report = { steps = {} }

local function write()
  local f = assert(io.open(os.getenv("REPORT"), "w"))
  f:write(vim.json.encode(report))
  f:close()
end

local function wait(ms, predicate, what)
  if not vim.wait(ms, predicate, 50) then
    error("timed out waiting for " .. what)
  end
end

local function drive()
  -- The README's configuration, as written there.
  vim.lsp.config("orchestra", {
    cmd = { "orchestra", "serve" },
    filetypes = { "markdown", "python" },
    root_markers = { ".orchestra", { ".claude", ".mcp.json", "CLAUDE.md" }, ".git" },
  })
  vim.lsp.enable("orchestra")

  -- 1. Diagnostics on a line with astral characters, and the "did you mean" quick fix.
  vim.cmd.edit(root .. "/.orchestra/agents/emo.md")
  local buf = vim.api.nvim_get_current_buf()
  wait(30000, function() return #vim.lsp.get_clients({ bufnr = buf }) > 0 end, "the client")
  local client = vim.lsp.get_clients({ bufnr = buf })[1]
  report.encoding = client.offset_encoding
  local found
  wait(30000, function()
    for _, d in ipairs(vim.diagnostic.get(buf)) do
      if d.message:find("'edt'") then found = d end
    end
    return found ~= nil
  end, "the diagnostic")
  local line = vim.api.nvim_buf_get_lines(buf, found.lnum, found.lnum + 1, false)[1]
  report.diagnostic_text = line:sub(found.col + 1, found.end_col)
  table.insert(report.steps, "diagnostic")
  vim.api.nvim_win_set_cursor(0, { found.lnum + 1, found.col })
  vim.lsp.buf.code_action({
    filter = function(action) return action.title == "Change to 'edit'" end,
    apply = true,
  })
  wait(10000, function()
    return vim.api.nvim_buf_get_lines(buf, found.lnum, found.lnum + 1, false)[1] ~= line
  end, "the quick fix")
  report.fixed_line = vim.api.nvim_buf_get_lines(buf, found.lnum, found.lnum + 1, false)[1]
  table.insert(report.steps, "quick fix")

  -- 2. Template completion: the item's textEdit, applied as the client applies it.
  vim.cmd.edit(root .. "/.orchestra/commands/two.md")
  local two = vim.api.nvim_get_current_buf()
  wait(10000, function() return #vim.lsp.get_clients({ bufnr = two }) > 0 end, "attach")
  local lines = vim.api.nvim_buf_get_lines(two, 0, -1, false)
  local row
  for i, text in ipairs(lines) do
    if text:find("{{steps.p", 1, true) then row = i end
  end
  local col = #lines[row]
  vim.api.nvim_win_set_cursor(0, { row, col })
  local items
  wait(20000, function()
    local answer = client:request_sync("textDocument/completion", {
      textDocument = { uri = vim.uri_from_bufnr(two) },
      position = { line = row - 1, character = col },
    }, 5000, two)
    local result = answer and answer.result or {}
    items = result.items or result
    return #items > 0
  end, "completion items")
  report.completion_labels = vim.tbl_map(function(i) return i.label end, items)
  for _, item in ipairs(items) do
    if item.label == "steps.plan.output" then
      vim.lsp.util.apply_text_edits({ item.textEdit }, two, client.offset_encoding)
    end
  end
  report.completed_line = vim.api.nvim_buf_get_lines(two, row - 1, row, false)[1]
  table.insert(report.steps, "completion")

  -- 3. A command run from a code action.
  vim.cmd.edit(root .. "/app.py")
  local app = vim.api.nvim_get_current_buf()
  wait(10000, function() return #vim.lsp.get_clients({ bufnr = app }) > 0 end, "attach")
  vim.lsp.buf.code_action({
    filter = function(action) return action.title == "Orchestra: Say hello" end,
    apply = true,
  })
  wait(60000, function()
    for _, path in ipairs(vim.fn.glob(root .. "/.orchestra/runs/*/run.json", false, true)) do
      local ok, meta = pcall(vim.json.decode, table.concat(vim.fn.readfile(path), "\n"))
      if ok and meta.state == "finished" then return true end
    end
    return false
  end, "the run to finish")
  table.insert(report.steps, "command run")

  -- 4. A review through the message request (the stock handler asks with vim.ui.select,
  -- where the person picks "Accept all"), applied to the buffer.
  vim.ui.select = function(items, opts, on_choice)
    for i, item in ipairs(items) do
      if item.title == "Accept all" then
        report.review_prompt = opts.prompt
        return on_choice(item, i)
      end
    end
    on_choice(nil, nil)
  end
  vim.api.nvim_win_set_cursor(0, { 1, 0 })
  vim.lsp.buf.code_action({
    filter = function(action) return action.title == "Orchestra: Say hello in app.py" end,
    apply = true,
  })
  wait(60000, function()
    local finished = 0
    for _, path in ipairs(vim.fn.glob(root .. "/.orchestra/runs/*/run.json", false, true)) do
      local ok, meta = pcall(vim.json.decode, table.concat(vim.fn.readfile(path), "\n"))
      if ok and meta.state == "finished" then finished = finished + 1 end
    end
    return finished >= 2
  end, "the reviewed run to finish")
  report.reviewed_line = vim.api.nvim_buf_get_lines(app, 0, 1, false)[1]
  table.insert(report.steps, "review")
end

vim.schedule(function()
  local ok, err = xpcall(drive, debug.traceback)
  if not ok then report.error = err end
  write()
  vim.cmd("qall!")
end)
