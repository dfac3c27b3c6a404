/**
 * `catalog pull`: reads the columns and types of every raw relation the project references
 * from the warehouse and writes them as `catalog/<schema>.sql`. It reads the system catalogs
 * only, never row data.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { escapeIdentifier } from "pg";
import type { ProjectAnalyzer } from "../analysis/analyzer";
import type { SqlSession } from "../database/session";
import { CATALOG_DIR } from "./catalog";

export interface PulledRelation {
  schema: string;
  name: string;
  columns: { name: string; type: string }[];
}

export interface CatalogPullResult {
  /** Files written, relative to the project directory. */
  files: string[];
  relations: number;
  /** Referenced relations the warehouse does not have, as "schema.name". */
  missing: string[];
}

/** Returns the schema-qualified raw relations the project's views read, sorted. */
export function referencedRawRelations(analyzer: ProjectAnalyzer): { schema: string; name: string }[] {
  const found = new Map<string, { schema: string; name: string }>();
  for (const view of analyzer.project.views.values()) {
    const analysis = analyzer.getAnalysis(view.id);
    for (const reference of analysis?.references ?? []) {
      if (!reference.schema || reference.target.kind === "managed") continue;
      if (analyzer.project.managedSchemas.has(reference.schema)) continue;
      found.set(`${reference.schema}.${reference.name}`, { schema: reference.schema, name: reference.name });
    }
  }
  return [...found.values()].sort((a, b) => a.schema.localeCompare(b.schema) || a.name.localeCompare(b.name));
}

export async function readRelationColumns(session: SqlSession, relations: { schema: string; name: string }[]): Promise<PulledRelation[]> {
  if (relations.length === 0) return [];
  const result = await session.query<{ schema: string; name: string; column_name: string; column_type: string }>(
    `SELECT n.nspname AS schema, c.relname AS name, a.attname AS column_name, format_type(a.atttypid, a.atttypmod) AS column_type
     FROM unnest($1::text[], $2::text[]) AS wanted(schema_name, relation_name)
     JOIN pg_namespace n ON n.nspname = wanted.schema_name
     JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = wanted.relation_name
     JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
     ORDER BY n.nspname, c.relname, a.attnum`,
    [relations.map((relation) => relation.schema), relations.map((relation) => relation.name)],
  );
  const pulled = new Map<string, PulledRelation>();
  for (const row of result.rows) {
    const key = `${row.schema}.${row.name}`;
    let relation = pulled.get(key);
    if (!relation) {
      relation = { schema: row.schema, name: row.name, columns: [] };
      pulled.set(key, relation);
    }
    relation.columns.push({ name: row.column_name, type: row.column_type });
  }
  return [...pulled.values()];
}

/** Formats one catalog file: a CREATE TABLE per relation, columns in their table order. */
export function formatCatalogFile(schema: string, relations: PulledRelation[]): string {
  const blocks = relations.map((relation) => {
    const width = Math.max(...relation.columns.map((column) => escapeIdentifier(column.name).length));
    const columns = relation.columns.map((column) => {
      const name = quoteIfNeeded(column.name);
      return `    ${name.padEnd(Math.min(width, 40))} ${column.type}`;
    });
    return `CREATE TABLE ${quoteIfNeeded(relation.schema)}.${quoteIfNeeded(relation.name)} (\n${columns.join(",\n")}\n);\n`;
  });
  return `-- Raw relations of schema ${schema}: columns and types as the warehouse reports them.\n-- Written by synced-views catalog pull; edit by pulling again.\n\n${blocks.join("\n")}`;
}

/** Quotes an identifier only where PostgreSQL needs it, so the files read like hand-written DDL. */
function quoteIfNeeded(name: string): string {
  return /^[a-z_][a-z0-9_$]*$/.test(name) && !RESERVED.has(name) ? name : escapeIdentifier(name);
}

/** Reserved key words that cannot be column or table names unquoted (PostgreSQL's "reserved" category). */
const RESERVED = new Set(
  (
    "all analyse analyze and any array as asc asymmetric both case cast check collate column constraint create current_catalog current_date current_role current_time current_timestamp current_user default deferrable desc distinct do else end except false fetch for foreign from grant group having in initially intersect into lateral leading limit localtime localtimestamp not null offset on only or order placing primary references returning select session_user some symmetric system_user table then to trailing true union unique user using variadic when where window with"
  ).split(" "),
);

/** Pulls the catalog and rewrites `catalog/<schema>.sql` for each schema the project reads. */
export async function pullCatalog(analyzer: ProjectAnalyzer, session: SqlSession): Promise<CatalogPullResult> {
  const wanted = referencedRawRelations(analyzer);
  const pulled = await readRelationColumns(session, wanted);
  const found = new Set(pulled.map((relation) => `${relation.schema}.${relation.name}`));
  const missing = wanted.map((relation) => `${relation.schema}.${relation.name}`).filter((key) => !found.has(key));

  const bySchema = new Map<string, PulledRelation[]>();
  for (const relation of pulled) {
    const list = bySchema.get(relation.schema) ?? [];
    list.push(relation);
    bySchema.set(relation.schema, list);
  }
  const folder = path.join(analyzer.project.root, CATALOG_DIR);
  fs.mkdirSync(folder, { recursive: true });
  const files: string[] = [];
  for (const [schema, relations] of [...bySchema.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    const file = `${CATALOG_DIR}/${schema}.sql`;
    const target = path.join(folder, `${schema}.sql`);
    // Write to a temporary file first, so an interrupted pull never leaves half a file.
    fs.writeFileSync(`${target}.tmp`, formatCatalogFile(schema, relations));
    fs.renameSync(`${target}.tmp`, target);
    files.push(file);
  }
  return { files, relations: pulled.length, missing };
}
