/** Code lenses on line 1 of every view file: Dry Run, Sync to Personal, Rendered SQL, Preview Rows. */
import * as vscode from "vscode";

export class ViewCodeLensProvider implements vscode.CodeLensProvider {
  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    if (!/[\\/]templates[\\/][^\\/_][^\\/]*[\\/][^\\/]+\.sql$/i.test(document.uri.fsPath)) return [];
    const range = new vscode.Range(0, 0, 0, 0);
    const lens = (title: string, command: string, tooltip: string) => new vscode.CodeLens(range, { title, command, tooltip, arguments: [document.uri] });
    return [
      lens("$(beaker) Dry run", "syncedViews.dryRunView", "Dry-run this view and every view that depends on it, then roll back"),
      lens("$(cloud-upload) Sync to personal", "syncedViews.syncViewPersonal", "Create or replace this view in your personal schema"),
      lens("$(file-code) Rendered SQL", "syncedViews.showRenderedSql", "Show the SQL this template renders to"),
      lens("$(table) Preview rows", "syncedViews.previewRows", "Show the first 100 rows of this view"),
    ];
  }
}
