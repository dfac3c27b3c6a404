/**
 * The HTML of the "Preview Rows" webview. Every value from the warehouse is escaped, and the page
 * runs no script, so a value such as `<img onerror=...>` shows as text.
 */
import type { PreviewRowsResult } from "../../server/src/messages";

/** Escapes text for HTML element content and double-quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");
}

/** Builds the page for a preview result; `cspSource` is the webview's own source for styles. */
export function renderPreviewHtml(result: PreviewRowsResult, cspSource: string): string {
  const title = escapeHtml(result.view ?? "Preview");
  const header = result.columns.map((column) => `<th title="${escapeHtml(column.type)}">${escapeHtml(column.name)}<div class="type">${escapeHtml(column.type)}</div></th>`).join("");
  const body = result.rows
    .map((row) => `<tr>${row.map((value) => (value === null ? '<td class="null">NULL</td>' : `<td>${escapeHtml(value)}</td>`)).join("")}</tr>`)
    .join("\n");
  const more = result.rows.length >= result.limit ? ` (the first ${result.limit}; the view may have more)` : "";
  const caption = `${result.rows.length} row${result.rows.length === 1 ? "" : "s"}${more}, ${(result.durationMs / 1000).toFixed(1)} s`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src ${escapeHtml(cspSource)} 'unsafe-inline';">
<title>${title}</title>
<style>
  body { font-family: var(--vscode-font-family); color: var(--vscode-foreground); }
  table { border-collapse: collapse; font-family: var(--vscode-editor-font-family); font-size: var(--vscode-editor-font-size); }
  th, td { border: 1px solid var(--vscode-panel-border); padding: 2px 6px; text-align: left; vertical-align: top; white-space: pre; }
  th { position: sticky; top: 0; background: var(--vscode-editor-background); }
  .type { font-weight: normal; opacity: 0.7; font-size: 0.85em; }
  .null { opacity: 0.5; font-style: italic; }
</style>
</head>
<body>
<h3>${title}</h3>
<p>${escapeHtml(caption)}</p>
<table>
<thead><tr>${header}</tr></thead>
<tbody>
${body}
</tbody>
</table>
</body>
</html>`;
}
