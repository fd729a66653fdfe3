--- Options of require("orchestra").setup(opts), with their defaults (:help orchestra-setup).
local M = {}

---@class orchestra.Options
M.defaults = {
  --- How to start the language server; the workspace is the root found below.
  cmd = { "orchestra", "serve" },
  --- Extra environment for the server (ANTHROPIC_API_KEY is inherited from Neovim's).
  cmd_env = nil,
  --- What makes a folder a workspace, as for the CLI: groups, strongest first (a string
  --- is a group of its own). Going up from a buffer to the repository root (`.git`),
  --- the nearest folder with a marker of the first group wins, else of the next.
  root_markers = { ".orchestra", { ".claude", ".mcp.json", "CLAUDE.md" } },
  review = {
    --- Open the review buffer as soon as a run proposes changes.
    auto_open = true,
    --- After a submission, write the open buffers the accepted changes went into, so
    --- the file on disk is what the journal records. Buffers that held unsaved edits of
    --- yours are never written: their change stays in the buffer and is reported unsaved.
    write = true,
    --- Keys of the review buffer.
    keys = {
      accept = "a",
      reject = "r",
      accept_file = "A",
      reject_file = "R",
      side_by_side = "<CR>",
      close = "q",
      next_hunk = "]h",
      prev_hunk = "[h",
    },
  },
  --- Keys of the :Orchestra runs list.
  runs_keys = { open = "<CR>", page = "p", cancel = "c", log = "l", undo = "u", resume = "R", close = "q" },
  --- How many runs :Orchestra runs lists.
  runs_limit = 30,
  --- The least level of Orchestra's own messages (vim.log.levels).
  notify_level = vim.log.levels.INFO,
}

---@type orchestra.Options
M.options = vim.deepcopy(M.defaults)

function M.set(opts)
  M.options = vim.tbl_deep_extend("force", vim.deepcopy(M.defaults), opts or {})
  return M.options
end

return M
