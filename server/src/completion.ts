/**
 * Completion. After `alias.` it offers the columns of the relation the alias refers to, and after
 * `schema.` the managed views and catalogued relations of that schema. Elsewhere it offers
 * schemas and qualified relation names. Names PostgreSQL would need quoted are inserted quoted.
 */
import { CompletionItemKind, MarkupKind, type CompletionItem, type CompletionParams, type Range } from "vscode-languageserver/node";
import { relationKey } from "../../engine/catalog/catalog";
import type { ReferenceTarget } from "../../engine/analysis/analyzer";
import { toLspRange } from "./diagnostics";
import { describeView, describeViewColumns, foldIdentifier, quoteIdentifier } from "./lookup";
import type { ProjectHost } from "./project-host";
import type { ViewDocument, Workspace } from "./workspace";

const IDENTIFIER = String.raw`(?:"(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*)`;
const QUALIFIED_PREFIX = new RegExp(`(${IDENTIFIER})\\.("?[A-Za-z0-9_$]*)$`);
const WORD_PREFIX = /[A-Za-z_][A-Za-z0-9_$]*$/;
/** `from|join schema.name [as] alias`, to find aliases in a query that does not parse while it is being typed. */
const FROM_ITEM = new RegExp(`\\b(?:from|join)\\s+(${IDENTIFIER})\\s*\\.\\s*(${IDENTIFIER})(?:\\s+(?:as\\s+)?(${IDENTIFIER}))?`, "gi");

export async function provideCompletion(workspace: Workspace, params: CompletionParams): Promise<CompletionItem[]> {
  const document = await workspace.viewDocument(params.textDocument.uri);
  if (!document) return [];
  const offset = document.lines.offsetAt(params.position);
  const before = document.text.slice(document.lines.lineStart(params.position.line), offset);

  const qualified = QUALIFIED_PREFIX.exec(before);
  if (qualified) {
    const qualifier = foldIdentifier(qualified[1]);
    const range = toLspRange(document.lines, offset - qualified[2].length, offset);
    const target = resolveAlias(document, qualifier);
    if (target) return completeColumns(document.host, target, range);
    return completeRelationsOf(document.host, qualifier, range);
  }
  const word = WORD_PREFIX.exec(before)?.[0] ?? "";
  return completeNames(document.host, toLspRange(document.lines, offset - word.length, offset));
}

/** Finds what an alias (or an unaliased relation name) stands for in the document's query. */
function resolveAlias(document: ViewDocument, qualifier: string): ReferenceTarget | undefined {
  const parsed = document.analysis?.parsed;
  if (parsed && !parsed.syntaxError) {
    for (let i = 0; i < parsed.relations.length; i++) {
      const relation = parsed.relations[i];
      if ((relation.alias ?? relation.name) === qualifier) return document.analysis!.references[i]?.target;
    }
  }
  // While `alias.` is typed the query does not parse, so the FROM items are read from the text.
  // NOTE: this misses FROM items written by template tags or listed after a comma.
  for (const match of document.text.matchAll(FROM_ITEM)) {
    const schema = foldIdentifier(match[1]);
    const name = foldIdentifier(match[2]);
    const alias = match[3] !== undefined ? foldIdentifier(match[3]) : undefined;
    if (alias === qualifier || name === qualifier) return resolveName(document.host, schema, name);
  }
  return undefined;
}

function resolveName(host: ProjectHost, schema: string, name: string): ReferenceTarget | undefined {
  const view = host.project?.views.get(`${schema}.${name}`);
  if (view) return { kind: "managed", view };
  const relation = host.project?.catalog.relations.get(relationKey(schema, name));
  if (relation) return { kind: "catalog", relation };
  return undefined;
}

function completeColumns(host: ProjectHost, target: ReferenceTarget, range: Range): CompletionItem[] {
  if (target.kind === "catalog") {
    return target.relation.columns.map((column) => ({
      label: column.name,
      kind: CompletionItemKind.Field,
      detail: `${column.type}, ${target.relation.schema}.${target.relation.name}`,
      textEdit: { range, newText: quoteIdentifier(column.name) },
    }));
  }
  if (target.kind !== "managed") return [];
  const columns = describeViewColumns(host, target.view);
  return (columns?.columns ?? []).map((column) => ({
    label: column.name,
    kind: CompletionItemKind.Field,
    detail: `column of ${target.view.id}`,
    documentation: column.documentation ? { kind: MarkupKind.Markdown, value: column.documentation } : undefined,
    textEdit: { range, newText: quoteIdentifier(column.name) },
  }));
}

function completeRelationsOf(host: ProjectHost, schema: string, range: Range): CompletionItem[] {
  const project = host.project;
  if (!project) return [];
  const items: CompletionItem[] = [];
  for (const view of project.views.values()) {
    if (view.schema !== schema) continue;
    items.push(viewItem(host, view.name, view.id, view.stage, range, quoteIdentifier(view.name)));
  }
  for (const relation of project.catalog.relations.values()) {
    if (relation.schema !== schema) continue;
    items.push({
      label: relation.name,
      kind: CompletionItemKind.Struct,
      detail: `table (catalog), ${relation.columns.length} columns`,
      textEdit: { range, newText: quoteIdentifier(relation.name) },
    });
  }
  return items;
}

function completeNames(host: ProjectHost, range: Range): CompletionItem[] {
  const project = host.project;
  if (!project) return [];
  const schemas = new Set<string>(project.managedSchemas);
  for (const relation of project.catalog.relations.values()) schemas.add(relation.schema);
  const items: CompletionItem[] = [...schemas].sort().map((schema) => ({
    label: schema,
    kind: CompletionItemKind.Module,
    detail: project.managedSchemas.has(schema) ? "schema (managed views)" : "schema (catalog)",
    textEdit: { range, newText: quoteIdentifier(schema) },
  }));
  for (const view of project.views.values()) {
    items.push(viewItem(host, view.id, view.id, view.stage, range, `${quoteIdentifier(view.schema)}.${quoteIdentifier(view.name)}`));
  }
  for (const relation of project.catalog.relations.values()) {
    const label = `${relation.schema}.${relation.name}`;
    items.push({
      label,
      kind: CompletionItemKind.Struct,
      detail: `table (catalog), ${relation.columns.length} columns`,
      textEdit: { range, newText: `${quoteIdentifier(relation.schema)}.${quoteIdentifier(relation.name)}` },
    });
  }
  return items;
}

function viewItem(host: ProjectHost, label: string, id: string, stage: number, range: Range, newText: string): CompletionItem {
  const view = host.project!.views.get(id)!;
  const documentation = describeView(host, view);
  return {
    label,
    kind: CompletionItemKind.Class,
    detail: `view, stage ${stage}`,
    documentation: documentation ? { kind: MarkupKind.Markdown, value: documentation } : undefined,
    textEdit: { range, newText },
  };
}
