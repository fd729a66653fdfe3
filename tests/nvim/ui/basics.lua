-- The plugin's smaller surfaces in a real Neovim: command-line completion, the
-- context preview, :checkhealth orchestra with a broken .orchestra file open, and the
-- default server command (`orchestra serve` found on PATH). Environment as for
-- review_session.lua; ORCH_CMD is not used: the default command is.
local H = dofile(vim.fs.joinpath(vim.fs.dirname(debug.getinfo(1, "S").source:sub(2)), "harness.lua"))
local root = os.getenv("ORCH_ROOT")

H.run(function()
  require("orchestra").setup({})
  vim.cmd.edit(vim.fs.joinpath(root, ".orchestra", "commands", "broken.md"))
  H.wait("the server", function()
    return #vim.lsp.get_clients({ name = "orchestra", bufnr = 0 }) == 1
  end)
  H.wait("the broken file's diagnostics", function()
    return #vim.diagnostic.get(0) > 0
  end, 30000)
  -- names complete once the server has loaded the workspace (a second <Tab> later)
  H.wait("command names to complete", function()
    return #vim.fn.getcompletion("Orchestra run imp", "cmdline") > 0
  end, 30000)
  H.report.completion = {
    subcommands = vim.fn.getcompletion("Orchestra ", "cmdline"),
    commands = vim.fn.getcompletion("Orchestra run impr", "cmdline"),
    arguments = vim.fn.getcompletion("Orchestra run improve ", "cmdline"),
    rest = vim.fn.getcompletion("Orchestra run improve goal=x ", "cmdline"),
  }
  vim.cmd("Orchestra context improve goal=make add add")
  H.wait("the context preview", function()
    return H.buffer("orchestra://context") ~= nil
  end)
  H.report.context = H.lines(H.buffer("orchestra://context"))
  -- code actions of .orchestra commands, through the stock vim.lsp.buf.code_action()
  vim.cmd.edit(vim.fs.joinpath(root, "calc.py"))
  H.wait("calc.py attached", function()
    return #vim.lsp.get_clients({ name = "orchestra", bufnr = 0 }) == 1
  end)
  vim.lsp.buf.code_action({ range = { start = { 4, 0 }, ["end"] = { 5, 0 } } })
  H.wait("the code action picker", function()
    return H.report.asked[#H.report.asked] and H.report.asked[#H.report.asked].prompt:find("Code actions") ~= nil
  end, 30000)
  H.report.code_actions = H.report.asked[#H.report.asked].items
  vim.cmd("checkhealth orchestra")
  H.report.health = H.lines(0)
  H.finish(nil)
end)
