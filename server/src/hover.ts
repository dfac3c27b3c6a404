/**
 * Hover. On a view reference it shows the view's documentation, schema, stage, file and output
 * columns. On `alias.column` it shows that column's documentation and the relation it comes
 * from, and on a catalogued relation its columns and types.
 */
import { MarkupKind, type Hover, type HoverParams } from "vscode-languageserver/node";
import type { ResolvedColumnReference, ResolvedReference } from "../../engine/analysis/analyzer";
import type { CatalogRelation } from "../../engine/catalog/catalog";
import type { ViewFile } from "../../engine/project/layout";
import { toLspRange } from "./diagnostics";
import { describeView, describeViewColumns, escapeHtml, findTargetAt, tableCell } from "./lookup";
import type { ProjectHost } from "./project-host";
import type { ViewDocument, Workspace } from "./workspace";

export async function provideHover(workspace: Workspace, params: HoverParams): Promise<Hover | null> {
  const document = await workspace.viewDocument(params.textDocument.uri);
  if (!document?.analysis) return null;
  const target = findTargetAt(document.analysis, document.lines.offsetAt(params.position));
  if (!target) return null;
  const markdown = target.kind === "relation" ? describeRelationReference(document.host, target.reference) : describeColumnReference(document, target.reference);
  if (markdown === undefined) return null;
  const { start, end } = target.reference;
  return { contents: { kind: MarkupKind.Markdown, value: markdown }, range: toLspRange(document.lines, start, end) };
}

function describeRelationReference(host: ProjectHost, reference: ResolvedReference): string | undefined {
  const target = reference.target;
  if (target.kind === "managed") return describeManagedView(host, target.view);
  if (target.kind === "catalog") return describeCatalogRelation(target.relation);
  return undefined;
}

/** Renders a view's documentation, location and output columns as Markdown. */
export function describeManagedView(host: ProjectHost, view: ViewFile): string {
  const parts = [`**view** \`${view.id}\``, `schema \`${view.schema}\`, stage ${view.stage}, file \`${view.file}\``];
  const documentation = describeView(host, view);
  if (documentation) parts.push(escapeHtml(documentation));
  const columns = describeViewColumns(host, view);
  if (columns && columns.columns.length > 0) {
    const rows = columns.columns.map((column) => `| \`${tableCell(column.name)}\` | ${tableCell(column.documentation)} |`);
    parts.push(["| column | description |", "| --- | --- |", ...rows].join("\n"));
    if (!columns.complete) parts.push("_More columns come from a `*` that cannot be expanded: pull the catalog to list them._");
  } else if (!columns) {
    parts.push("_The output columns are unknown: the view has errors._");
  }
  return parts.join("\n\n");
}

function describeCatalogRelation(relation: CatalogRelation): string {
  const rows = relation.columns.map((column) => `| \`${tableCell(column.name)}\` | \`${tableCell(column.type)}\` |`);
  return [
    `**table** \`${relation.schema}.${relation.name}\` (catalog)`,
    `file \`${relation.file}\``,
    ["| column | type |", "| --- | --- |", ...rows].join("\n"),
  ].join("\n\n");
}

function describeColumnReference(document: ViewDocument, reference: ResolvedColumnReference): string | undefined {
  const target = reference.relation?.target;
  if (!target || target.kind === "raw") return undefined;
  if (target.kind === "catalog") {
    const column = target.relation.columns.find((candidate) => candidate.name === reference.column);
    const owner = `table \`${target.relation.schema}.${target.relation.name}\` (catalog)`;
    if (!column) return `**column** \`${reference.column}\` is not in ${owner}.`;
    return `**column** \`${column.name}\` \`${column.type}\`\n\nfrom ${owner}`;
  }
  const view = target.view;
  const columns = describeViewColumns(document.host, view);
  const column = columns?.columns.find((candidate) => candidate.name === reference.column);
  const owner = `view \`${view.id}\` (\`${view.file}\`)`;
  if (!column) return `**column** \`${reference.column}\` of ${owner}${columns ? ": no such output column." : "; its output columns are unknown."}`;
  const parts = [`**column** \`${column.name}\``, `from ${owner}`];
  if (column.documentation) parts.push(escapeHtml(column.documentation));
  return parts.join("\n\n");
}
