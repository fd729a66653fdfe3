-- The workspace root in a repository that has only Claude Code's files: found as the
-- CLI finds it. Reports root_of() for each path of ORCH_PROBES (a JSON list of
-- {path, fallback}), then opens ORCH_OPEN (a file in the Claude Code-only repository)
-- and reports the server's root and the commands it lists.
local H = dofile(vim.fs.joinpath(vim.fs.dirname(debug.getinfo(1, "S").source:sub(2)), "harness.lua"))

H.run(function()
  require("orchestra").setup({ cmd = vim.json.decode(os.getenv("ORCH_CMD")) })
  local client_mod = require("orchestra.client")
  H.report.roots = {}
  for _, probe in ipairs(vim.json.decode(os.getenv("ORCH_PROBES"))) do
    table.insert(H.report.roots, client_mod.root_of(probe.path, probe.fallback) or vim.NIL)
  end
  vim.cmd.edit(os.getenv("ORCH_OPEN"))
  H.wait("the server", function()
    return #vim.lsp.get_clients({ name = "orchestra", bufnr = 0 }) == 1
  end, 30000)
  H.report.server_root = vim.lsp.get_clients({ name = "orchestra", bufnr = 0 })[1].config.root_dir
  H.wait("the commands to complete", function()
    return #vim.fn.getcompletion("Orchestra run lo", "cmdline") > 0
  end, 30000)
  H.report.commands = vim.fn.getcompletion("Orchestra run lo", "cmdline")
  H.finish(nil)
end)
