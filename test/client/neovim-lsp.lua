-- Drives the Synced Views language server with Neovim's built-in LSP client (Neovim 0.7).
-- Attaches the server to the current buffer, records every publishDiagnostics, requests one
-- hover, and writes both as JSON to $SV_OUTPUT. Exits non-zero on a timeout or a failed request.
local server = os.getenv("SV_SERVER")
local root = os.getenv("SV_ROOT")
local output = os.getenv("SV_OUTPUT")
local hover_line = tonumber(os.getenv("SV_HOVER_LINE"))
local hover_character = tonumber(os.getenv("SV_HOVER_CHARACTER"))
local timeout_ms = 20000

local function fail(code, message)
  io.stderr:write(message .. "\n")
  vim.cmd("cquit " .. code)
end

local recorded = { diagnostics = {} }
local bufnr = vim.api.nvim_get_current_buf()
local buffer_uri = vim.uri_from_bufnr(bufnr)

local client_id = vim.lsp.start_client({
  name = "synced-views",
  cmd = { "node", server, "--stdio" },
  root_dir = root,
  workspace_folders = { { uri = vim.uri_from_fname(root), name = "project" } },
  handlers = {
    ["textDocument/publishDiagnostics"] = function(_, params)
      recorded.diagnostics[params.uri] = params.diagnostics
    end,
  },
})
if not client_id then
  fail(3, "vim.lsp.start_client did not start the server")
end
vim.lsp.buf_attach_client(bufnr, client_id)

local published = vim.wait(timeout_ms, function()
  return recorded.diagnostics[buffer_uri] ~= nil
end, 50)
if not published then
  fail(4, "timed out after " .. timeout_ms .. " ms waiting for publishDiagnostics of " .. buffer_uri)
end

local client = vim.lsp.get_client_by_id(client_id)
local params = { textDocument = { uri = buffer_uri }, position = { line = hover_line, character = hover_character } }
local response, request_error = client.request_sync("textDocument/hover", params, timeout_ms, bufnr)
if not response then
  fail(5, "hover request failed: " .. tostring(request_error))
end
if response.err then
  fail(6, "hover returned an error: " .. vim.inspect(response.err))
end
recorded.hover = response.result
recorded.buffer_uri = buffer_uri

local file = io.open(output, "w")
file:write(vim.fn.json_encode(recorded))
file:close()
client.stop()
vim.cmd("qall!")
