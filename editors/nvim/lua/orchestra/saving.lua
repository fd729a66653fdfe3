--- `workspace/applyEdit` from the server: the stock handler applies the edit (the
--- accepted hunks of a reviewed file that is open here), then each buffer it changed
--- is written when it held no unsaved edits of yours before, so the disk holds what
--- the journal records; a buffer that did is left unsaved, and you are told.
local config = require("orchestra.config")
local util = require("orchestra.util")

local M = {}

local function touched(edit)
  local uris = {}
  for _, change in ipairs(edit.documentChanges or {}) do
    if change.textDocument and change.textDocument.uri then
      uris[change.textDocument.uri] = true
    end
  end
  for uri in pairs(edit.changes or {}) do
    uris[uri] = true
  end
  return uris
end

function M.apply_edit(err, params, ctx)
  local uris = touched(params.edit or {})
  local unsaved_before = {}
  for uri in pairs(uris) do
    local bufnr = vim.uri_to_bufnr(uri)
    unsaved_before[uri] = vim.api.nvim_buf_is_loaded(bufnr) and vim.bo[bufnr].modified
  end
  local response = vim.lsp.handlers["workspace/applyEdit"](err, params, ctx)
  if not (response and response.applied) or not config.options.review.write then
    return response
  end
  for uri in pairs(uris) do
    local bufnr = vim.uri_to_bufnr(uri)
    local name = vim.fn.fnamemodify(vim.uri_to_fname(uri), ":~:.")
    if unsaved_before[uri] then
      util.notify(
        ("%s held unsaved edits: the accepted change is in the buffer, not on disk (:w saves both)"):format(name),
        vim.log.levels.WARN
      )
    elseif vim.api.nvim_buf_is_loaded(bufnr) and vim.bo[bufnr].modified then
      -- written before answering, so the server's read-back finds it on disk too
      local ok, failure = pcall(vim.api.nvim_buf_call, bufnr, function()
        vim.cmd("silent keepalt write")
      end)
      if not ok then
        util.notify(("%s: the accepted change is in the buffer but could not be written: %s"):format(name, failure), vim.log.levels.ERROR)
      end
    end
  end
  return response
end

return M
