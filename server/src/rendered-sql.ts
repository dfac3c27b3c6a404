/** The `syncedViews/renderedSql` request: a view's template rendered to SQL. */
import type { RenderedSqlParams, RenderedSqlResult } from "./messages";
import type { Workspace } from "./workspace";

export async function provideRenderedSql(workspace: Workspace, params: RenderedSqlParams): Promise<RenderedSqlResult | null> {
  const document = await workspace.viewDocument(params.uri);
  if (!document) return null;
  if (!document.analysis) {
    return { view: document.view.id, reason: "The workspace is not trusted, so templates are not rendered. Trust the workspace to see the rendered SQL." };
  }
  if (document.analysis.sql === undefined) {
    const problem = document.analysis.fileDiagnostics[0];
    return { view: document.view.id, reason: problem ? problem.message : "The template did not render." };
  }
  return { view: document.view.id, sql: document.analysis.sql };
}
