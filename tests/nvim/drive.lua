-- Headless Neovim (0.7+) drives `orchestra serve`: runs a command, approves its plan
-- through the stock showMessageRequest path, reviews through orchestra/proposal and
-- orchestra/decide (accepting the hunks in ORCH_ACCEPT), and writes what it saw to
-- ORCH_OUT as JSON. Environment: ORCH_ROOT, ORCH_PYTHON, ORCH_OUT, ORCH_ACCEPT.
local root = os.getenv("ORCH_ROOT")
local out = os.getenv("ORCH_OUT")
local accept = vim.split(os.getenv("ORCH_ACCEPT") or "", ",", { trimempty = true })
local report = { events = {}, messages = {} }

local function finish(err)
  report.error = err
  local file = io.open(out, "w")
  file:write(vim.fn.json_encode(report))
  file:close()
  vim.cmd("qa!")
end

local function seen(kind)
  for _, event in ipairs(report.events) do
    if event.type == kind then
      return event
    end
  end
end

local ready = false
local client_id = vim.lsp.start_client({
  name = "orchestra",
  cmd = { os.getenv("ORCH_PYTHON"), "-m", "orchestra_lsp.lsp", "--workspace", root },
  root_dir = root,
  capabilities = { experimental = { orchestra = { events = true } } },
  on_init = function()
    ready = true
  end,
  handlers = {
    ["orchestra/event"] = function(_, result)
      table.insert(report.events, result)
    end,
    ["window/showMessageRequest"] = function(_, result)
      table.insert(report.messages, result.message)
      return { title = "Approve" }
    end,
  },
})

if not vim.wait(30000, function() return ready end, 50) then
  return finish("the server did not initialize")
end
local client = vim.lsp.get_client_by_id(client_id)

local started = client.request_sync("orchestra/run", { command = "change", arguments = { goal = "rename" } }, 30000)
if not started or started.err then
  return finish("orchestra/run failed: " .. vim.inspect(started))
end
local run_id = started.result.runId
report.run_id = run_id

if not vim.wait(60000, function() return seen("proposal_ready") ~= nil end, 50) then
  return finish("no proposal")
end
local proposal = client.request_sync("orchestra/proposal", { runId = run_id }, 10000)
report.proposal = proposal.result

local decided = client.request_sync(
  "orchestra/decide",
  { runId = run_id, files = { { path = "data.txt", accepted = accept } } },
  30000
)
report.decided = decided.result

if not vim.wait(60000, function() return seen("run_finished") or seen("run_failed") end, 50) then
  return finish("the run did not end")
end
client.stop()
finish(nil)
