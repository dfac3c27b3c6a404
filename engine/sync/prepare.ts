/**
 * Turns analyzed views into the statements a sync runs for one target: the physical schema
 * and name, the query text with references pointed at the right schemas, documentation
 * comments and grants, and a content hash that changes whenever any of them does.
 */
import { createHash } from "node:crypto";
import { escapeIdentifier } from "pg";
import type { ProjectAnalyzer, ViewAnalysis } from "../analysis/analyzer";
import type { ViewFile } from "../project/layout";
import { ByteOffsetMap, codePointIndexToUtf16 } from "../text/positions";
import { EditedText, type TextEdit } from "./edited-text";
import { MAX_IDENTIFIER_BYTES } from "../project/layout";
import { SyncRefusedError } from "./types";
import { extractColumnDocumentation, extractViewDocumentation } from "../docs/comments";

export type SyncTarget = "prod" | "personal";

export interface PreparedView {
  view: ViewFile;
  analysis: ViewAnalysis;
  schema: string;
  name: string;
  /** `"schema"."name"`, quoted. */
  qualifiedName: string;
  /** The query with references rewritten for the target, without a trailing `;` or comment. */
  query: EditedText;
  /** UTF-16 offset of the query's first character in the rendered SQL. */
  queryStart: number;
  documentation?: string;
  columnDocumentation: { column: string; text: string }[];
  grants: string[];
  /** Managed views this one reads, by project id. */
  dependencies: string[];
  contentHash: string;
}

/** Maps a project schema to the schema a target writes to. */
export function physicalSchema(schema: string, target: SyncTarget, personalPrefix: string): string {
  if (target !== "personal") return schema;
  const name = `${personalPrefix}_${schema}`;
  // PostgreSQL would silently cut a longer name, and the next sync would no longer find the schema.
  if (Buffer.byteLength(name) > MAX_IDENTIFIER_BYTES) {
    throw new SyncRefusedError(
      `The personal schema name ${name} is ${Buffer.byteLength(name)} bytes long; PostgreSQL allows ${MAX_IDENTIFIER_BYTES}. Choose a shorter personal prefix. Nothing was changed.`,
    );
  }
  return name;
}

export interface PrepareOptions {
  target: SyncTarget;
  personalPrefix: string;
  /**
   * For the personal target: whether a managed view reads its personal copy. The copy is used
   * when it exists or is part of the same sync; otherwise the reference stays on production.
   */
  usesPersonalCopy?: (view: ViewFile) => boolean;
  /** Grants are skipped where roles do not exist, as in the embedded database. */
  includeGrants: boolean;
}

export function prepareView(analyzer: ProjectAnalyzer, analysis: ViewAnalysis, options: PrepareOptions): PreparedView {
  const { view } = analysis;
  const sql = analysis.sql;
  const statement = analysis.parsed?.statement;
  if (sql === undefined || !statement || analysis.parsed?.syntaxError) {
    throw new SyncRefusedError(`${view.file} has errors, so ${view.id} cannot be synced. Run synced-views check and fix them. Nothing was changed.`);
  }
  const bytes = new ByteOffsetMap(sql);
  const queryStart = bytes.toUtf16(statement.start);
  const queryEnd = bytes.toUtf16(statement.end);

  const edits: TextEdit[] = [];
  const dependencies: string[] = [];
  for (const reference of analysis.references) {
    if (reference.target.kind !== "managed") continue;
    const upstream = reference.target.view;
    dependencies.push(upstream.id);
    if (options.target !== "personal" || !(options.usesPersonalCopy?.(upstream) ?? true)) continue;
    if (reference.renderedStart < queryStart || reference.renderedEnd > queryEnd) continue;
    edits.push({
      start: reference.renderedStart - queryStart,
      end: reference.renderedEnd - queryStart,
      replacement: `${escapeIdentifier(physicalSchema(upstream.schema, "personal", options.personalPrefix))}.${escapeIdentifier(upstream.name)}`,
    });
  }
  const query = new EditedText(sql.slice(queryStart, queryEnd), edits);

  const columnDocumentation: { column: string; text: string }[] = [];
  const output = analyzer.outputColumnsOf(view.id);
  for (const column of output?.columns ?? []) {
    if (column.fromStar) continue;
    const text = extractColumnDocumentation(sql, bytes.toUtf16(column.span.start), bytes.toUtf16(column.span.end));
    if (text) columnDocumentation.push({ column: column.name, text });
  }

  const grants = options.includeGrants ? grantsFor(analyzer, view) : [];
  const schema = physicalSchema(view.schema, options.target, options.personalPrefix);
  const documentation = extractViewDocumentation(sql);
  const contentHash = createHash("sha256")
    .update(JSON.stringify({ schema, name: view.name, query: query.text, documentation, columnDocumentation, grants }))
    .digest("hex");

  return {
    view,
    analysis,
    schema,
    name: view.name,
    qualifiedName: `${escapeIdentifier(schema)}.${escapeIdentifier(view.name)}`,
    query,
    queryStart,
    documentation,
    columnDocumentation,
    grants,
    dependencies: [...new Set(dependencies)],
    contentHash,
  };
}

/** Roles that get SELECT on a view: the project's grants for its schema (or "*") and the view's own config. */
function grantsFor(analyzer: ProjectAnalyzer, view: ViewFile): string[] {
  const roles = new Set<string>();
  for (const [role, schemas] of Object.entries(analyzer.project.config.grants)) {
    if (schemas.includes("*") || schemas.includes(view.schema)) roles.add(role);
  }
  for (const role of analyzer.getAnalysis(view.id)?.render?.config.grants ?? []) roles.add(role);
  return [...roles].sort();
}

/** Builds the CREATE statement for a view; `prefixLength` is where the query starts in it. */
export function createViewStatement(prepared: PreparedView, orReplace: boolean): { text: string; prefixLength: number } {
  const prefix = `CREATE ${orReplace ? "OR REPLACE " : ""}VIEW ${prepared.qualifiedName} AS\n`;
  return { text: prefix + prepared.query.text, prefixLength: prefix.length };
}

/**
 * Converts PostgreSQL's error position (1-based, in code points of the statement) into a
 * UTF-16 range of the view's template.
 */
export function templateRangeOfError(prepared: PreparedView, statement: { text: string; prefixLength: number }, position: number | undefined): { start: number; end: number } {
  const analysis = prepared.analysis;
  if (position === undefined) {
    const start = analysis.renderedToTemplate(prepared.queryStart, prepared.queryStart).start;
    return { start, end: analysis.lines.lineContentEnd(analysis.lines.positionAt(start).line) };
  }
  const index = codePointIndexToUtf16(statement.text, position - 1);
  const queryOffset = Math.max(0, index - statement.prefixLength);
  const rendered = prepared.queryStart + prepared.query.toOriginal(queryOffset);
  const start = analysis.renderedToTemplate(rendered, rendered).start;
  const text = analysis.text ?? "";
  let end = start;
  while (end < text.length && /[\p{L}\p{N}_$."]/u.test(text[end])) end++;
  return { start, end: end > start ? end : Math.min(start + 1, text.length) };
}
