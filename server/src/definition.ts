/**
 * Go to definition: a view reference goes to the view's file, `alias.column` to the output
 * column in the upstream view's template, and a catalogued relation (or its column) to its
 * CREATE TABLE in catalog/.
 */
import type { DefinitionParams, Location } from "vscode-languageserver/node";
import type { CatalogRelation } from "../../engine/catalog/catalog";
import type { ViewFile } from "../../engine/project/layout";
import { toLspRange } from "./diagnostics";
import { catalogFileText, describeViewColumns, findCatalogColumn, findTargetAt } from "./lookup";
import type { ProjectHost } from "./project-host";
import type { Workspace } from "./workspace";

export async function provideDefinition(workspace: Workspace, params: DefinitionParams): Promise<Location | null> {
  const document = await workspace.viewDocument(params.textDocument.uri);
  if (!document?.analysis) return null;
  const target = findTargetAt(document.analysis, document.lines.offsetAt(params.position));
  if (!target) return null;

  if (target.kind === "relation") {
    const reference = target.reference.target;
    if (reference.kind === "managed") return viewLocation(workspace, reference.view);
    if (reference.kind === "catalog") return catalogLocation(workspace, document.host, reference.relation);
    return null;
  }

  const relation = target.reference.relation?.target;
  if (!relation || relation.kind === "raw") return null;
  if (relation.kind === "catalog") return catalogLocation(workspace, document.host, relation.relation, target.reference.column);
  const upstream = relation.view;
  const column = describeViewColumns(document.host, upstream)?.columns.find((candidate) => candidate.name === target.reference.column);
  const upstreamAnalysis = document.host.analysisOf(upstream);
  if (!column || !upstreamAnalysis) return viewLocation(workspace, upstream);
  return { uri: workspace.uriOf(upstream.absolutePath), range: toLspRange(upstreamAnalysis.lines, column.start, column.end) };
}

/** Returns the start of a view's file. */
export function viewLocation(workspace: Workspace, view: ViewFile): Location {
  return { uri: workspace.uriOf(view.absolutePath), range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } } };
}

function catalogLocation(workspace: Workspace, host: ProjectHost, relation: CatalogRelation, column?: string): Location | null {
  const file = catalogFileText(host, relation);
  if (!file) return null;
  const range = column !== undefined ? findCatalogColumn(file.text, relation, column) : { start: relation.offset, end: relation.offset };
  return { uri: workspace.uriOf(host.absolutePath(relation.file)), range: toLspRange(file.lines, range.start, range.end) };
}
