/** The webview panel that shows the rows of "Preview Rows"; one panel is reused for every preview. */
import * as vscode from "vscode";
import type { PreviewRowsResult } from "../../server/src/messages";
import { renderPreviewHtml } from "./preview-html";

let panel: vscode.WebviewPanel | undefined;

export function showPreview(result: PreviewRowsResult): void {
  if (!panel) {
    // No scripts: the table is static HTML, so nothing in a value can run.
    panel = vscode.window.createWebviewPanel("syncedViews.preview", `Rows: ${result.view ?? "preview"}`, vscode.ViewColumn.Beside, { enableScripts: false });
    panel.onDidDispose(() => {
      panel = undefined;
    });
  } else {
    panel.title = `Rows: ${result.view ?? "preview"}`;
    panel.reveal(vscode.ViewColumn.Beside, true);
  }
  panel.webview.html = renderPreviewHtml(result, panel.webview.cspSource);
}
