/**
 * Find references: the places in other views that read a view. The view is the one referenced
 * under the cursor, or else the view of the document itself.
 */
import type { Location, ReferenceParams } from "vscode-languageserver/node";
import { toLspRange } from "./diagnostics";
import { viewLocation } from "./definition";
import { findTargetAt } from "./lookup";
import type { Workspace } from "./workspace";

export async function provideReferences(workspace: Workspace, params: ReferenceParams): Promise<Location[]> {
  const document = await workspace.viewDocument(params.textDocument.uri);
  const analyzer = document?.host.analyzer;
  if (!document?.analysis || !analyzer) return [];
  const target = findTargetAt(document.analysis, document.lines.offsetAt(params.position));
  const view = target?.kind === "relation" && target.reference.target.kind === "managed" ? target.reference.target.view : document.view;

  const locations: Location[] = [];
  if (params.context.includeDeclaration) locations.push(viewLocation(workspace, view));
  const readers = [...(analyzer.graph.dependents.get(view.id) ?? [])].sort();
  for (const id of readers) {
    const reader = document.host.project?.views.get(id);
    const analysis = reader ? analyzer.getAnalysis(id) : undefined;
    if (!reader || !analysis) continue;
    for (const reference of analysis.references) {
      if (reference.target.kind !== "managed" || reference.target.view.id !== view.id) continue;
      locations.push({ uri: workspace.uriOf(reader.absolutePath), range: toLspRange(analysis.lines, reference.start, reference.end) });
    }
  }
  return locations;
}
