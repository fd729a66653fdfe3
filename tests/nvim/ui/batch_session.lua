-- Run on several from Neovim, through the plugin only: :Orchestra batch with the
-- command picked, the items and how many at a time typed; the batch buffer follows
-- the progress to its summary; a second batch typed whole stops at a gate nobody
-- answered; <CR> on an item opens its run's log. Environment: ORCH_ROOT, ORCH_CMD
-- (JSON), ORCH_ANSWERS, ORCH_OUT.
local H = dofile(vim.fs.joinpath(vim.fs.dirname(debug.getinfo(1, "S").source:sub(2)), "harness.lua"))

local function finished_batch(count)
  local batch = require("orchestra.batch")
  local done
  H.wait("batch " .. count .. " to end", function()
    local n = 0
    for _, progress in pairs(batch.batches) do
      if progress.done then
        n = n + 1
        if n == count then
          done = progress
        end
      end
    end
    return n >= count
  end, 90000)
  return done
end

H.run(function()
  H.start("calc.py")

  vim.cmd("Orchestra batch")
  local first
  H.wait("the first batch to end", function()
    for id, progress in pairs(require("orchestra.batch").batches) do
      if progress.done then
        first = id
        return true
      end
    end
  end, 90000)
  local bufnr = H.buffer("orchestra://batch/" .. first)
  H.report.first_lines = H.lines(bufnr)
  H.report.first_shown = vim.api.nvim_get_current_buf() == bufnr

  H.cursor_to("SHOP-2")
  H.keys("<CR>")
  H.wait("the item's log", function()
    return H.buffer("orchestra://log/") ~= nil
  end)
  H.report.log_name = vim.api.nvim_buf_get_name(H.buffer("orchestra://log/"))
  vim.cmd("close")

  vim.cmd("Orchestra batch check each=SHOP-3 tone=terse")
  H.wait("the second batch to end", function()
    local n = 0
    for id, progress in pairs(require("orchestra.batch").batches) do
      if progress.done and id ~= first then
        H.report.second_lines = H.lines(H.buffer("orchestra://batch/" .. id))
        return true
      end
    end
  end, 90000)
  H.report.completion = vim.fn.getcompletion("Orchestra batch ch", "cmdline")
  H.finish()
end)
