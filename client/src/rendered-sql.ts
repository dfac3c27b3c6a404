/**
 * "Show Rendered SQL": a read-only virtual document (scheme `synced-views-rendered`) whose text
 * the server renders from the view's template with the `syncedViews/renderedSql` request.
 */
import * as vscode from "vscode";
import type { LanguageClient } from "vscode-languageclient/node";
import { RENDERED_SQL_REQUEST, type RenderedSqlParams, type RenderedSqlResult } from "../../server/src/messages";

export const RENDERED_SQL_SCHEME = "synced-views-rendered";

export class RenderedSqlProvider implements vscode.TextDocumentContentProvider {
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;

  constructor(private readonly client: () => LanguageClient | undefined) {}

  /** Returns the virtual document URI for a template: the template's URI in its query, a readable path. */
  static uriFor(template: vscode.Uri): vscode.Uri {
    return vscode.Uri.from({ scheme: RENDERED_SQL_SCHEME, path: `${template.path}.rendered.sql`, query: template.toString() });
  }

  /** Renders the document again, e.g. after its template was saved. */
  refresh(template: vscode.Uri): void {
    this.changed.fire(RenderedSqlProvider.uriFor(template));
  }

  async provideTextDocumentContent(uri: vscode.Uri, token: vscode.CancellationToken): Promise<string> {
    const client = this.client();
    if (!client) return "-- The Synced Views language server is not running. Run \"Synced Views: Restart Server\".";
    const params: RenderedSqlParams = { uri: uri.query };
    const result = await client.sendRequest<RenderedSqlResult | null>(RENDERED_SQL_REQUEST, params, token);
    if (!result) return `-- ${uri.query} is not a view of a Synced Views project.`;
    if (result.sql === undefined) return `-- ${result.view} has no rendered SQL: ${result.reason ?? "the template did not render"}`;
    return result.sql;
  }

  dispose(): void {
    this.changed.dispose();
  }
}
