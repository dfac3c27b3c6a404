/** The Preview Rows page escapes every value and column name, and runs no script. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { escapeHtml, renderPreviewHtml } from "../../client/src/preview-html";

const HOSTILE = `<img src=x onerror="alert(1)">&'`;

test("preview escapes values and names", () => {
  const html = renderPreviewHtml(
    { ok: true, summary: "", actions: [], durationMs: 1200, view: `core.<v>`, columns: [{ name: HOSTILE, type: "text" }], rows: [[HOSTILE], [null]], limit: 100 },
    "vscode-webview://abc",
  );
  assert.ok(!html.includes("<img"), "a value became markup");
  assert.ok(html.includes(escapeHtml(HOSTILE)));
  assert.ok(html.includes("core.&lt;v&gt;"));
  assert.ok(html.includes('<td class="null">NULL</td>'));
  assert.ok(!/<script/i.test(html));
  assert.match(html, /default-src 'none'/);
});

test("preview notes the row limit", () => {
  const rows = Array.from({ length: 3 }, (_, index) => [String(index)]);
  const html = renderPreviewHtml({ ok: true, summary: "", actions: [], durationMs: 10, columns: [{ name: "n", type: "integer" }], rows, limit: 3 }, "x");
  assert.match(html, /3 rows \(the first 3; the view may have more\)/);
});
