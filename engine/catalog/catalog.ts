/**
 * The catalog: raw relations described as plain DDL, `catalog/<schema>.sql`, one CREATE TABLE
 * per relation with its columns and types. It lets the engine check column references and
 * dry-run views without a warehouse.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parseSync } from "libpg-query";
import type { EngineDiagnostic } from "../diagnostics";
import { ByteOffsetMap } from "../text/positions";

export const CATALOG_DIR = "catalog";

export interface CatalogColumn {
  name: string;
  /** The type as PostgreSQL prints it, such as "numeric(12,2)" or "timestamp with time zone". */
  type: string;
}

export interface CatalogRelation {
  schema: string;
  name: string;
  columns: CatalogColumn[];
  /** Catalog file relative to the project directory, and the UTF-16 offset of its CREATE TABLE. */
  file: string;
  offset: number;
}

export interface Catalog {
  relations: Map<string, CatalogRelation>;
  /** The DDL of every catalog file, in file order, to load into an embedded database. */
  files: { file: string; text: string }[];
  diagnostics: EngineDiagnostic[];
}

export function relationKey(schema: string, name: string): string {
  return `${schema}.${name}`;
}

export function emptyCatalog(): Catalog {
  return { relations: new Map(), files: [], diagnostics: [] };
}

/** Reads every `catalog/*.sql` file. Requires the SQL parser to be loaded. */
export function loadCatalog(projectDir: string): Catalog {
  const catalog = emptyCatalog();
  const folder = path.join(projectDir, CATALOG_DIR);
  let names: string[];
  try {
    names = fs.readdirSync(folder).filter((name) => name.endsWith(".sql")).sort();
  } catch {
    return catalog;
  }
  for (const name of names) {
    const file = `${CATALOG_DIR}/${name}`;
    let text: string;
    try {
      text = fs.readFileSync(path.join(folder, name), "utf8");
      // PostgreSQL's parser would read a byte order mark as part of the first keyword. A space in
      // its place keeps every UTF-16 offset into the file as it is on disk.
      if (text.charCodeAt(0) === 0xfeff) text = " " + text.slice(1);
    } catch (error) {
      catalog.diagnostics.push(catalogProblem(file, 0, `Cannot read ${file}: ${(error as Error).message}`));
      continue;
    }
    catalog.files.push({ file, text });
    parseCatalogFile(file, text, catalog);
  }
  return catalog;
}

/** Adds the relations of one catalog file; statements other than CREATE TABLE are diagnostics. */
export function parseCatalogFile(file: string, text: string, catalog: Catalog): void {
  const bytes = new ByteOffsetMap(text);
  let parsed: ReturnType<typeof parseSync>;
  try {
    parsed = parseSync(text);
  } catch (error) {
    const details = (error as { sqlDetails?: { cursorPosition?: number } }).sqlDetails;
    const offset = details?.cursorPosition !== undefined ? bytes.toUtf16(details.cursorPosition) : 0;
    catalog.diagnostics.push(catalogProblem(file, offset, `Invalid SQL in ${file}: ${(error as Error).message}`, text));
    return;
  }
  for (const entry of parsed.stmts ?? []) {
    const offset = bytes.toUtf16(entry.stmt_location ?? 0);
    const statement = entry.stmt as Record<string, unknown>;
    const create = statement.CreateStmt as CreateStmtNode | undefined;
    if (!create) {
      const kind = Object.keys(statement)[0] ?? "statement";
      catalog.diagnostics.push(catalogProblem(file, offset, `${file} may only contain CREATE TABLE statements, not ${kind}.`, text));
      continue;
    }
    const schema = create.relation.schemaname;
    if (!schema) {
      catalog.diagnostics.push(catalogProblem(file, offset, `Table "${create.relation.relname}" in ${file} needs a schema-qualified name, such as ${path.basename(file, ".sql")}.${create.relation.relname}.`, text));
      continue;
    }
    const columns: CatalogColumn[] = [];
    for (const element of create.tableElts ?? []) {
      const column = (element as { ColumnDef?: ColumnDefNode }).ColumnDef;
      if (column) columns.push({ name: column.colname, type: formatTypeName(column.typeName) });
    }
    catalog.relations.set(relationKey(schema, create.relation.relname), { schema, name: create.relation.relname, columns, file, offset });
  }
}

/** Builds a catalog diagnostic that underlines the word at the offset (a statement's first keyword, the token a syntax error names), or one character. */
function catalogProblem(file: string, offset: number, message: string, text = ""): EngineDiagnostic {
  let end = offset;
  while (end < text.length && /[\p{L}\p{N}_$]/u.test(text[end])) end++;
  if (end === offset) end = Math.min(offset + 1, text.length);
  return { file, start: offset, end, severity: "error", code: "catalog/invalid", message };
}

interface CreateStmtNode {
  relation: { schemaname?: string; relname: string };
  tableElts?: unknown[];
}

interface ColumnDefNode {
  colname: string;
  typeName: TypeNameNode;
}

/** A libpg-query TypeName node. */
export interface TypeNameNode {
  names?: { String?: { sval: string } }[];
  typmods?: { A_Const?: { ival?: { ival?: number } } }[];
  arrayBounds?: unknown[];
}

const INTERNAL_TYPE_NAMES: Record<string, string> = {
  int2: "smallint",
  int4: "integer",
  int8: "bigint",
  float4: "real",
  float8: "double precision",
  bool: "boolean",
  varchar: "character varying",
  bpchar: "character",
  timestamptz: "timestamp with time zone",
  timestamp: "timestamp without time zone",
  timetz: "time with time zone",
  time: "time without time zone",
};

/** Formats a parsed type the way PostgreSQL's format_type prints it. */
export function formatTypeName(typeName: TypeNameNode): string {
  const parts = (typeName.names ?? []).map((part) => part.String?.sval ?? "");
  const isBuiltin = parts.length === 2 && parts[0] === "pg_catalog";
  const base = isBuiltin ? parts[1] : parts.join(".");
  let name = isBuiltin ? INTERNAL_TYPE_NAMES[base] ?? base : base;
  const modifiers = (typeName.typmods ?? []).map((modifier) => modifier.A_Const?.ival?.ival ?? 0);
  if (modifiers.length > 0) {
    if (name.startsWith("timestamp") || name.startsWith("time ")) {
      const [head, ...rest] = name.split(" ");
      name = [`${head}(${modifiers.join(",")})`, ...rest].join(" ");
    } else name = `${name}(${modifiers.join(",")})`;
  }
  return name + "[]".repeat(typeName.arrayBounds?.length ?? 0);
}
