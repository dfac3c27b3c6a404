/**
 * "Preview Rows": the first rows of a view's current query, read from the warehouse in a READ
 * ONLY transaction with a statement_timeout. References to managed views go to their personal
 * copies where those exist, as in a personal sync, so a preview shows what sync-on-save would.
 */
import type { Client } from "pg";
import { sessionForClient } from "../../../engine/api";
import { existingRelations } from "../../../engine/sync/dependents";
import { physicalSchema, prepareView, templateRangeOfError } from "../../../engine/sync/prepare";
import { toDatabaseError } from "../../../engine/database/session";
import type { PreviewColumn, PreviewRowsResult } from "../messages";
import { CommandError, openAnalyzer, requireProject, requireView, seconds, type CommandContext } from "./command-context";
import { guardCommand } from "./sync-commands";

/** Rows a preview returns at most. */
export const PREVIEW_ROW_LIMIT = 100;
/** The preview query's statement_timeout: long enough for a view over large tables, short enough to not hold the warehouse. */
export const PREVIEW_TIMEOUT_MS = 30_000;

const QUERY_CANCELED = "57014";
/** SQLSTATE of "relation does not exist". */
const UNDEFINED_TABLE = "42P01";
const PREFIX = "SELECT * FROM (\n";

/** Every value as PostgreSQL's text output, so dates, numerics and bigints keep their exact form. */
const TEXT_TYPES = { getTypeParser: () => (value: string) => value };

export async function previewRows(context: CommandContext, uri: string): Promise<PreviewRowsResult> {
  const started = Date.now();
  const result = await guardCommand<PreviewRowsResult>(context, "Preview", async () => {
    const host = await requireProject(context, uri);
    const analyzer = await openAnalyzer(context, host, "personal");
    const view = requireView(analyzer, uri);
    const errors = analyzer.diagnosticsFor(view.id).filter((diagnostic) => diagnostic.severity === "error");
    if (errors.length > 0) throw new CommandError(`${view.id} has ${errors.length} error${errors.length === 1 ? "" : "s"}; fix ${errors.length === 1 ? "it" : "them"} before previewing: ${errors[0].message}`);
    const analysis = analyzer.getAnalysis(view.id);
    if (!analysis?.sql || !analysis.parsed) throw new CommandError(`${view.id} did not render to SQL, so it cannot be previewed.`);
    if (!context.warehouse.isConfigured()) {
      throw new CommandError("Preview Rows reads the warehouse, and none is configured. Set syncedViews.connection.* in the settings, or PGHOST/PGDATABASE/PGUSER in the environment.");
    }

    return context.warehouse.use(async (client, description) => {
      const prefix = analyzer.project.config.personalPrefix;
      const session = sessionForClient(client);
      const personalSchemas = [...analyzer.project.managedSchemas].map((schema) => physicalSchema(schema, "personal", prefix));
      const existing = await existingRelations(session, personalSchemas);
      const prepared = prepareView(analyzer, analysis, {
        target: "personal",
        personalPrefix: prefix,
        includeGrants: false,
        usesPersonalCopy: (upstream) => existing.has(`${physicalSchema(upstream.schema, "personal", prefix)}.${upstream.name}`),
      });
      // The query ends before any trailing ';' or comment; the newline keeps a last `--` comment inside the query from swallowing the ')'.
      const text = `${PREFIX}${prepared.query.text}\n) AS preview LIMIT ${PREVIEW_ROW_LIMIT}`;
      context.editor.logInfo(`Preview of ${view.id} on ${description} (first ${PREVIEW_ROW_LIMIT} rows, timeout ${seconds(PREVIEW_TIMEOUT_MS)}).`);

      try {
        const { columns, rows } = await runCancellable(context, client, text);
        const durationMs = Date.now() - started;
        const summary = `${view.id}: ${rows.length}${rows.length === PREVIEW_ROW_LIMIT ? "+" : ""} row${rows.length === 1 ? "" : "s"} in ${seconds(durationMs)}.`;
        context.editor.logInfo(`Preview ${summary}`);
        return { ok: true, summary, actions: [], durationMs, database: "warehouse" as const, view: view.id, columns, rows, limit: PREVIEW_ROW_LIMIT };
      } catch (error) {
        const databaseError = toDatabaseError(error);
        if (!databaseError) throw error;
        let message: string;
        if (databaseError.sqlState === QUERY_CANCELED && context.signal.aborted) message = `The preview of ${view.id} was cancelled.`;
        else if (databaseError.sqlState === QUERY_CANCELED) message = `The preview of ${view.id} ran longer than ${seconds(PREVIEW_TIMEOUT_MS)} (statement_timeout) and was cancelled.`;
        else {
          const range = templateRangeOfError(prepared, { text, prefixLength: PREFIX.length }, databaseError.position);
          const position = analysis.lines.positionAt(range.start);
          message = `PostgreSQL: ${databaseError.message} (SQLSTATE ${databaseError.sqlState}) at ${view.file}:${position.line + 1}:${position.character + 1}.`;
          if (databaseError.sqlState === UNDEFINED_TABLE) {
            message += " If it is a view of this project that the warehouse does not have yet, run Sync Current View to Personal Schema first: it also syncs the views this one reads.";
          }
        }
        context.editor.logWarning(`Preview failed: ${message}`);
        throw new CommandError(message);
      }
    });
  });
  if (result.ok) return result as PreviewRowsResult;
  return { ...result, columns: [], rows: [], limit: PREVIEW_ROW_LIMIT };
}

/**
 * Runs the preview in a READ ONLY transaction that is always rolled back. A cancelled request
 * cancels the running query with pg_cancel_backend from a second connection, because the
 * protocol gives no other way to interrupt a query on a busy connection.
 */
async function runCancellable(context: CommandContext, client: Client, text: string): Promise<{ columns: PreviewColumn[]; rows: (string | null)[][] }> {
  const pidResult = await client.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
  const pid = Number(pidResult.rows[0].pid);
  const onAbort = () => {
    context.editor.logInfo(`Cancelling the preview query (backend ${pid}).`);
    void context.warehouse.cancelBackend(pid);
  };
  await client.query("BEGIN READ ONLY");
  try {
    await client.query(`SET LOCAL statement_timeout = ${PREVIEW_TIMEOUT_MS}`);
    if (context.signal.aborted) throw new CommandError("The preview was cancelled.");
    context.signal.addEventListener("abort", onAbort, { once: true });
    const result = await client.query<string[]>({ text, rowMode: "array", types: TEXT_TYPES });
    context.signal.removeEventListener("abort", onAbort);
    const typeIds = [...new Set(result.fields.map((field) => field.dataTypeID))];
    const types = await client.query<{ oid: string; name: string }>("SELECT oid::text AS oid, format_type(oid, NULL) AS name FROM pg_type WHERE oid = ANY($1::oid[])", [typeIds]);
    const typeNames = new Map(types.rows.map((row) => [Number(row.oid), row.name]));
    return {
      columns: result.fields.map((field) => ({ name: field.name, type: typeNames.get(field.dataTypeID) ?? String(field.dataTypeID) })),
      rows: result.rows.map((row) => row.map((value) => (value === null || value === undefined ? null : String(value)))),
    };
  } finally {
    context.signal.removeEventListener("abort", onAbort);
    await client.query("ROLLBACK").catch(() => undefined);
  }
}

