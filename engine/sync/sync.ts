/**
 * Plans and runs a sync: every change in one transaction under an advisory lock, views in
 * dependency order, `CREATE OR REPLACE VIEW` where PostgreSQL accepts the new column list and
 * drop-and-create (with every managed dependent) where it does not. A dry run and a plan run
 * the same steps and roll back.
 */
import type { EngineDiagnostic } from "../diagnostics";
import { toDatabaseError, type DatabaseError, type SqlSession } from "../database/session";
import { SyncRun } from "./sync-run";
import {
  INSUFFICIENT_PRIVILEGE,
  LOCK_NOT_AVAILABLE,
  PRIVILEGE_ADVICE,
  SyncCancelledError,
  SyncRefusedError,
  type SyncMode,
  type SyncOptions,
  type SyncResult,
} from "./types";

export * from "./types";

export async function runSync(options: SyncOptions): Promise<SyncResult> {
  const started = Date.now();
  const blocking = projectErrors(options);
  if (blocking.length > 0) {
    return {
      target: options.target,
      mode: options.mode,
      actions: [],
      diagnostics: blocking,
      error: describeBlockingErrors(blocking, options.mode),
      committed: false,
      durationMs: Date.now() - started,
    };
  }
  const retries = options.lockRetries ?? 3;
  for (let attempt = 0; ; attempt++) {
    const run = new SyncRun(options);
    try {
      const result = await run.execute();
      return { ...result, durationMs: Date.now() - started };
    } catch (error) {
      await rollbackQuietly(options.session);
      const databaseError = toDatabaseError(error);
      if (databaseError?.sqlState === LOCK_NOT_AVAILABLE) {
        const blockers = await describeBlockers(options.session, run.waitingOn);
        if (attempt < retries) {
          const delay = 500 * 2 ** attempt;
          options.onNotice?.(`Lock wait timed out (${blockers}); retrying in ${delay} ms (attempt ${attempt + 2} of ${retries + 1}).`);
          await sleep(delay);
          continue;
        }
        return failure(options, run, `Gave up after ${retries + 1} attempts: a lock wait exceeded lock_timeout each time. Blocked by ${blockers}. Nothing was changed.`, started);
      }
      if (error instanceof SyncRefusedError || error instanceof SyncCancelledError) return failure(options, run, error.message, started);
      if (databaseError) {
        const advice = databaseError.sqlState === INSUFFICIENT_PRIVILEGE ? ` ${PRIVILEGE_ADVICE}` : "";
        return failure(options, run, `${describeStep(run.step)} failed: ${formatDatabaseError(databaseError)}${advice} Nothing was changed.`, started);
      }
      throw error;
    }
  }
}

/**
 * Analyzes every view, which also completes the dependency graph the sync order comes from, and
 * returns the errors that block this sync. A sync of the whole project is blocked by any error.
 * A sync of selected views is blocked by errors of those views and of what every view depends
 * on (synced-views.json, the catalog, the macros), not by problems of other files, such as a
 * misnamed file elsewhere.
 */
function projectErrors(options: SyncOptions): EngineDiagnostic[] {
  const { analyzer } = options;
  const errors = analyzer.checkAll().filter((diagnostic) => diagnostic.severity === "error");
  if (!options.views) return errors;
  // Views a selected view reads may join the run when the database lacks them, so their errors block it too.
  const involved = new Set(options.views);
  const queue = [...options.views];
  while (queue.length > 0) {
    for (const upstream of analyzer.graph.dependencies.get(queue.shift()!) ?? []) {
      if (!involved.has(upstream)) {
        involved.add(upstream);
        queue.push(upstream);
      }
    }
  }
  const selectedFiles = new Set([...involved].map((id) => analyzer.project.views.get(id)?.file).filter((file): file is string => file !== undefined));
  const templatesFolder = analyzer.project.config.templatesDir.replace(/\/+$/, "");
  const sharedFile = (file: string): boolean =>
    file === "synced-views.json" || file.startsWith("catalog/") || file.startsWith(`${templatesFolder}/_macros/`);
  return errors.filter((diagnostic) => selectedFiles.has(diagnostic.file) || sharedFile(diagnostic.file));
}

/** Names the first error that blocks a sync, on one line, so a notification shows all of it. */
function describeBlockingErrors(errors: EngineDiagnostic[], mode: SyncMode): string {
  const first = errors[0];
  const where = `${first.file}: ${first.message.replace(/\s*\n\s*/g, " ")}`;
  if (errors.length === 1) return `The project has 1 error, in ${where} Fix it before running a ${mode}; nothing was changed.`;
  return `The project has ${errors.length} errors, the first in ${where} Run synced-views check for the list, and fix them before running a ${mode}; nothing was changed.`;
}

function failure(options: SyncOptions, run: SyncRun, message: string, started: number): SyncResult {
  return { target: options.target, mode: options.mode, actions: run.actions, diagnostics: run.diagnostics, error: message, committed: false, durationMs: Date.now() - started };
}

function describeStep(step: string): string {
  return step ? step.charAt(0).toUpperCase() + step.slice(1) : "The sync";
}

export function formatDatabaseError(error: DatabaseError): string {
  let text = `${error.message} (SQLSTATE ${error.sqlState}).`;
  if (error.detail) text += ` ${error.detail}`;
  if (error.hint) text += ` Hint: ${error.hint}`;
  return text;
}

async function rollbackQuietly(session: SqlSession): Promise<void> {
  try {
    await session.query("ROLLBACK");
  } catch {
    // The connection may be gone; PostgreSQL rolls back a broken connection's transaction itself.
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Names the sessions that hold a lock the sync waited for: their pid, user, state and query. */
async function describeBlockers(session: SqlSession, waitingOn: number[] | "advisory" | undefined): Promise<string> {
  try {
    const result = await session.query<{ pid: number; usename: string | null; state: string | null; query: string | null }>(
      `SELECT a.pid, a.usename, a.state, left(regexp_replace(a.query, '\\s+', ' ', 'g'), 200) AS query
       FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
       WHERE l.granted AND a.pid <> pg_backend_pid()
         AND ((l.locktype = 'relation' AND l.relation = ANY($1::oid[])) OR (l.locktype = 'advisory' AND $2::boolean))
       ORDER BY a.pid`,
      [Array.isArray(waitingOn) ? waitingOn.map(String) : [], waitingOn === "advisory"],
    );
    if (result.rows.length === 0) return "a session that has finished since";
    return result.rows.map((row) => `pid ${row.pid}${row.usename ? ` (${row.usename}, ${row.state ?? "unknown state"})` : ""} running "${row.query ?? ""}"`).join("; ");
  } catch {
    return "another session (its pid could not be read)";
  }
}
