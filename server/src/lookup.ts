/**
 * Queries the editor features share: what is under the cursor, and what a view or catalogued
 * relation offers (documentation, output columns and where they are written).
 */
import type { ResolvedColumnReference, ResolvedReference, ViewAnalysis } from "../../engine/analysis/analyzer";
import type { CatalogRelation } from "../../engine/catalog/catalog";
import { extractColumnDocumentation, extractViewDocumentation } from "../../engine/docs/comments";
import type { ViewFile } from "../../engine/project/layout";
import { scanTokens } from "../../engine/sql/parser";
import { ByteOffsetMap, LineIndex } from "../../engine/text/positions";
import type { ProjectHost } from "./project-host";

/** A reference under the cursor. */
export type CursorTarget = { kind: "relation"; reference: ResolvedReference } | { kind: "column"; reference: ResolvedColumnReference };

/**
 * Returns the reference whose template range contains the offset. A cursor just after the last
 * character counts too, because editors place it there after a name is typed.
 */
export function findTargetAt(analysis: ViewAnalysis, offset: number): CursorTarget | undefined {
  const contains = (start: number, end: number): boolean => start <= offset && offset <= end && end > start;
  const column = analysis.columnReferences.find((reference) => contains(reference.start, reference.end));
  if (column) return { kind: "column", reference: column };
  const relation = analysis.references.find((reference) => contains(reference.start, reference.end));
  if (relation) return { kind: "relation", reference: relation };
  return undefined;
}

/** An output column of a view, with its documentation and template range in that view. */
export interface DocumentedColumn {
  name: string;
  documentation?: string;
  /** UTF-16 range in the view's template, of the alias when one is written. */
  start: number;
  end: number;
  /** UTF-16 range of the whole select-list item (expression and alias) in the template. */
  itemStart: number;
  itemEnd: number;
}

/** The output columns of a managed view; `complete` is false when a `*` could not be expanded. */
export interface ViewColumns {
  complete: boolean;
  columns: DocumentedColumn[];
}

/** Returns the output columns of a view with their documentation, or undefined when they cannot be known. */
export function describeViewColumns(host: ProjectHost, view: ViewFile): ViewColumns | undefined {
  const analyzer = host.analyzer;
  if (!analyzer) return undefined;
  const output = analyzer.outputColumnsOf(view.id);
  const analysis = analyzer.getAnalysis(view.id);
  if (!output || !analysis?.sql) return undefined;
  const sql = analysis.sql;
  const bytes = new ByteOffsetMap(sql);
  const columns = output.columns.map((column): DocumentedColumn => {
    const itemStart = bytes.toUtf16(column.span.start);
    const itemEnd = bytes.toUtf16(column.span.end);
    const item = analysis.renderedToTemplate(itemStart, itemEnd);
    const name = column.aliasSpan ? analysis.toTemplateRange(column.aliasSpan) : item;
    return {
      name: column.name,
      documentation: column.fromStar ? undefined : extractColumnDocumentation(sql, itemStart, itemEnd),
      start: name.start,
      end: name.end,
      itemStart: item.start,
      itemEnd: item.end,
    };
  });
  return { complete: output.complete, columns };
}

/** Returns the Markdown documentation of a view: the block comment that opens its rendered SQL. */
export function describeView(host: ProjectHost, view: ViewFile): string | undefined {
  const sql = host.analyzer?.getAnalysis(view.id)?.sql;
  return sql === undefined ? undefined : extractViewDocumentation(sql);
}

/** Returns the line index and text of a catalog file, or undefined when it is not loaded. */
export function catalogFileText(host: ProjectHost, relation: CatalogRelation): { text: string; lines: LineIndex } | undefined {
  const file = host.project?.catalog.files.find((entry) => entry.file === relation.file);
  return file ? { text: file.text, lines: new LineIndex(file.text) } : undefined;
}

/**
 * Returns the UTF-16 range of a column's name in the CREATE TABLE that starts at the relation's
 * offset, or the statement's start when the name is not found.
 */
export function findCatalogColumn(text: string, relation: CatalogRelation, column: string): { start: number; end: number } {
  const statementEnd = text.indexOf(";", relation.offset);
  const statement = text.slice(relation.offset, statementEnd < 0 ? text.length : statementEnd);
  const open = statement.indexOf("(");
  if (open >= 0) {
    const escaped = column.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    const pattern = new RegExp(`(^|[\\s(,])("${escaped}"|${escaped})(?=\\s)`, "g");
    pattern.lastIndex = open;
    const match = pattern.exec(statement);
    if (match) {
      const start = relation.offset + match.index + match[1].length;
      return { start, end: start + match[2].length };
    }
  }
  return { start: relation.offset, end: relation.offset };
}

/**
 * Quotes an identifier when PostgreSQL would need it quoted, by the rule of its quote_ident:
 * anything other than lower-case letters, digits and underscores (not leading with a digit), or a
 * keyword that is not unreserved.
 */
export function quoteIdentifier(name: string): string {
  if (/^[a-z_][a-z0-9_]*$/.test(name)) {
    const tokens = scanTokens(name);
    // keywordKind 0 is no keyword and 1 an unreserved keyword; both work as bare names.
    if (tokens && tokens.length === 1 && tokens[0].keywordKind <= 1) return name;
  }
  return `"${name.replace(/"/g, '""')}"`;
}

/** Folds an identifier as PostgreSQL does: unquoted to lower case, quoted exact. */
export function foldIdentifier(text: string): string {
  if (text.length >= 2 && text.startsWith('"') && text.endsWith('"')) return text.slice(1, -1).replace(/""/g, '"');
  return text.toLowerCase();
}

/** Formats a Markdown table cell: pipes escaped, line breaks as spaces. */
export function tableCell(text: string | undefined): string {
  return escapeHtml(text ?? "").replace(/\|/g, "\\|").replace(/\r?\n/g, " ");
}

/**
 * Escapes "<" and ">" in documentation shown as Markdown. Editors drop raw HTML from hovers, so
 * a comment such as 'Member <member_number>' would otherwise lose the text in brackets.
 */
export function escapeHtml(text: string): string {
  return text.replace(/</g, "&lt;").replace(/>/g, "&gt;");
}
