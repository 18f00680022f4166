-- Neovim's built-in LSP client (0.7+) against `specdsl lsp`: open a spec, wait for the
-- diagnostics, ask for a hover, write both as JSON to $SPECDSL_NVIM_OUT, quit.
local function run()
  vim.cmd("edit " .. vim.fn.fnameescape(os.getenv("SPECDSL_NVIM_SPEC")))
  local buf = vim.api.nvim_get_current_buf()
  local id = vim.lsp.start_client({
    name = "specdsl",
    cmd = { os.getenv("SPECDSL_PYTHON"), "-m", "specdsl", "lsp" },
    root_dir = vim.fn.getcwd(),
  })
  vim.lsp.buf_attach_client(buf, id)
  vim.wait(30000, function() return #vim.diagnostic.get(buf) > 0 end, 50)
  local diags = {}
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    table.insert(diags, { message = d.message, lnum = d.lnum, col = d.col, severity = d.severity })
  end
  local line = tonumber(os.getenv("SPECDSL_NVIM_LINE"))
  local col = tonumber(os.getenv("SPECDSL_NVIM_COL"))
  local params = { textDocument = { uri = vim.uri_from_bufnr(buf) }, position = { line = line, character = col } }
  local hover = ""
  for _, r in pairs(vim.lsp.buf_request_sync(buf, "textDocument/hover", params, 20000) or {}) do
    if r.result and r.result.contents then hover = r.result.contents.value end
  end
  local f = assert(io.open(os.getenv("SPECDSL_NVIM_OUT"), "w"))
  f:write(vim.fn.json_encode({ diagnostics = diags, hover = hover }))
  f:close()
  vim.lsp.stop_client(id)
end

local ok, err = pcall(run)
if not ok then io.stderr:write(tostring(err) .. "\n") end
vim.cmd(ok and "qa!" or "cq!")
