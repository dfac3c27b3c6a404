/**
 * The operations the CLI and the language server share: open a project, check it, dry-run or
 * sync it, pull its catalog. Both front ends call these, so they always agree about a view.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import type { Client } from "pg";
import { ProjectAnalyzer } from "./analysis/analyzer";
import { compareDiagnostics, toDiagnosticJson, type DiagnosticJson, type EngineDiagnostic } from "./diagnostics";
import { ViewsProject, type ProjectOptions } from "./project/project";
import { loadSqlParser } from "./sql/parser";
import type { Target } from "./templates/render";
import { LineIndex } from "./text/positions";
import { runSync, type SyncOptions, type SyncResult } from "./sync/sync";
import type { SqlSession } from "./database/session";
import { startEmbeddedPostgres, type EmbeddedPostgres } from "./database/embedded";
import { escapeIdentifier } from "pg";

export interface OpenedProject {
  project: ViewsProject;
  analyzer: ProjectAnalyzer;
}

/** Loads the SQL parser (once per process) and the project. */
export async function openProject(dir: string, target: Target = "prod", options: ProjectOptions = {}): Promise<OpenedProject> {
  await loadSqlParser();
  const project = ViewsProject.load(dir, options);
  return { project, analyzer: new ProjectAnalyzer(project, target) };
}

export interface CheckResult {
  views: number;
  diagnostics: EngineDiagnostic[];
}

export function checkProject(analyzer: ProjectAnalyzer): CheckResult {
  return { views: analyzer.project.views.size, diagnostics: analyzer.checkAll() };
}

export function countErrors(diagnostics: EngineDiagnostic[]): number {
  return diagnostics.filter((diagnostic) => diagnostic.severity === "error").length;
}

/** Converts diagnostics to their JSON form, reading the text of files that are not views (config, catalog). */
export function diagnosticsToJson(analyzer: ProjectAnalyzer, diagnostics: EngineDiagnostic[]): DiagnosticJson[] {
  const indexes = new Map<string, LineIndex>();
  const linesOf = (file: string): LineIndex => {
    let index = indexes.get(file);
    if (index) return index;
    const view = analyzer.project.viewsByFile.get(file);
    const analysis = view ? analyzer.getAnalysis(view.id) : undefined;
    if (analysis?.text !== undefined) index = analysis.lines;
    else {
      let text = "";
      try {
        text = fs.readFileSync(path.join(analyzer.project.root, file), "utf8");
      } catch {
        text = "";
      }
      index = new LineIndex(text);
    }
    indexes.set(file, index);
    return index;
  };
  return diagnostics.map((diagnostic) => toDiagnosticJson(diagnostic, linesOf(diagnostic.file))).sort(compareDiagnostics);
}

/**
 * Returns the commit the project's directory is checked out at, with "-dirty" appended when
 * files under it have uncommitted changes, or null outside a git repository.
 */
export function currentGitCommit(dir: string): string | null {
  const git = (args: string[]): string =>
    execFileSync("git", args, { cwd: dir, stdio: ["ignore", "pipe", "ignore"], encoding: "utf8" }).trim();
  try {
    const commit = git(["rev-parse", "HEAD"]);
    if (!commit) return null;
    const changes = git(["status", "--porcelain", "--", "."]);
    return changes ? `${commit}-dirty` : commit;
  } catch {
    return null;
  }
}

/** Wraps a `pg` client as a SqlSession. */
export function sessionForClient(client: Client): SqlSession {
  return {
    async query(text, params) {
      const result = await client.query(text, params as unknown[] | undefined);
      return { rows: result.rows, fields: result.fields.map((field) => ({ name: field.name, dataTypeID: field.dataTypeID })) };
    },
    async exec(text) {
      await client.query(text);
    },
    async close() {
      await client.end();
    },
  };
}

export type SyncRequest = Omit<SyncOptions, "session" | "analyzer">;

/**
 * Dry-runs the project on the embedded PostgreSQL with the catalog loaded: the raw relations
 * exist with their columns and no rows, so PostgreSQL checks every view as it would in the
 * warehouse. Catalog problems come back as diagnostics on the catalog files.
 */
export async function dryRunEmbedded(analyzer: ProjectAnalyzer, request: Omit<SyncRequest, "mode" | "target">): Promise<SyncResult & { catalogDiagnostics: EngineDiagnostic[] }> {
  let database: EmbeddedPostgres | undefined;
  try {
    const started = Date.now();
    database = await startEmbeddedPostgres();
    const catalogDiagnostics = await loadCatalogInto(analyzer, database);
    const result = await runSync({ ...request, analyzer, session: database, mode: "dry-run", target: "prod", includeGrants: false });
    // The duration includes starting PostgreSQL and loading the catalog, which is most of it.
    return { ...result, catalogDiagnostics, durationMs: Date.now() - started };
  } finally {
    await database?.close();
  }
}

async function loadCatalogInto(analyzer: ProjectAnalyzer, session: SqlSession): Promise<EngineDiagnostic[]> {
  const catalog = analyzer.project.catalog;
  const schemas = new Set([...catalog.relations.values()].map((relation) => relation.schema));
  for (const schema of schemas) await session.query(`CREATE SCHEMA IF NOT EXISTS ${escapeIdentifier(schema)}`);
  await createMissingTypes(analyzer, session);
  const diagnostics: EngineDiagnostic[] = [];
  for (const file of catalog.files) {
    try {
      await session.exec(file.text);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      diagnostics.push({ file: file.file, start: 0, end: 0, severity: "error", code: "catalog/invalid", message: `Loading ${file.file} into the embedded PostgreSQL failed: ${message}` });
    }
  }
  return diagnostics;
}

/**
 * Creates the column types that the catalog names but the embedded PostgreSQL lacks, such as a
 * warehouse's enum `crm.deal_stage`, as domains over text. The catalog's tables then load, and a
 * view that compares such a column with a string literal checks as it would in the warehouse.
 * NOTE: the catalog records only the type's name, so enum values and the ordering of an enum
 * are not known here; a view that depends on them may pass the embedded dry run and still
 * fail in the warehouse.
 */
async function createMissingTypes(analyzer: ProjectAnalyzer, session: SqlSession): Promise<void> {
  const typeNames = new Set<string>();
  for (const relation of analyzer.project.catalog.relations.values()) {
    for (const column of relation.columns) typeNames.add(column.type.replace(/(\[\])+$/, ""));
  }
  for (const typeName of [...typeNames].sort()) {
    let known: boolean;
    try {
      const result = await session.query<{ found: boolean }>("SELECT to_regtype($1) IS NOT NULL AS found", [typeName]);
      known = Boolean(result.rows[0]?.found);
    } catch {
      // A name to_regtype cannot even parse is left for CREATE TABLE to report on its catalog file.
      continue;
    }
    if (known) continue;
    const parts = typeName.split(".");
    if (parts.length > 2 || !parts.every((part) => /^[a-z_][a-z0-9_$]*$/.test(part))) continue;
    if (parts.length === 2) await session.query(`CREATE SCHEMA IF NOT EXISTS ${escapeIdentifier(parts[0])}`);
    await session.query(`CREATE DOMAIN ${parts.map((part) => escapeIdentifier(part)).join(".")} AS text`);
  }
}
