/**
 * The dry-run and sync commands: one view with its dependents, the whole project, and one view
 * synced to the personal schemas. Dry runs use the warehouse when one is configured and the
 * embedded PostgreSQL (with catalog/ loaded) otherwise; a sync always needs the warehouse.
 */
import { currentGitCommit, dryRunEmbedded, sessionForClient } from "../../../engine/api";
import type { ProjectAnalyzer } from "../../../engine/analysis/analyzer";
import type { EngineDiagnostic } from "../../../engine/diagnostics";
import { runSync, type SyncMode, type SyncResult } from "../../../engine/sync/sync";
import type { SyncTarget } from "../../../engine/sync/prepare";
import { describeError } from "../editor";
import type { DatabaseCommandResult } from "../messages";
import {
  CommandError,
  countActions,
  failedResult,
  openAnalyzer,
  publishDatabaseDiagnostics,
  requireProject,
  requireView,
  seconds,
  toCommandActions,
  type CommandContext,
} from "./command-context";
import { WarehouseUnavailableError } from "./warehouse";

/** How long one statement of an editor sync waits for a lock before the attempt is retried. */
const LOCK_TIMEOUT_MS = 5_000;
/** Retries after a lock timeout; the editor gives up sooner than CI would. */
const LOCK_RETRIES = 1;

interface RunPlan {
  title: string;
  analyzer: ProjectAnalyzer;
  mode: SyncMode;
  target: SyncTarget;
  /** Project ids to run, or undefined for every view. */
  views?: string[];
  /** Whether the run may fall back to the embedded PostgreSQL without a warehouse. */
  embeddedFallback: boolean;
}

/** Dry-runs the view of `uri` with every view downstream of it, rolled back, against production schemas. */
export async function dryRunView(context: CommandContext, uri: string): Promise<DatabaseCommandResult> {
  return guardCommand(context, "Dry run", async () => {
    const host = await requireProject(context, uri);
    const analyzer = await openAnalyzer(context, host, "dry-run");
    const view = requireView(analyzer, uri);
    // The dependency graph is complete only once every view is analyzed.
    analyzer.checkAll();
    const views = [view.id, ...analyzer.graph.downstreamOf([view.id])];
    const dependents = views.length - 1;
    const title = `Dry run of ${view.id}${dependents > 0 ? ` and ${dependents} dependent${dependents === 1 ? "" : "s"}` : ""}`;
    return execute(context, { title, analyzer, mode: "dry-run", target: "prod", views, embeddedFallback: true });
  });
}

/** Dry-runs every view of the project of `uri`, rolled back. */
export async function dryRunProject(context: CommandContext, uri: string): Promise<DatabaseCommandResult> {
  return guardCommand(context, "Project dry run", async () => {
    const host = await requireProject(context, uri);
    const analyzer = await openAnalyzer(context, host, "dry-run");
    return execute(context, { title: `Dry run of ${analyzer.project.views.size} views of ${host.root}`, analyzer, mode: "dry-run", target: "prod", embeddedFallback: true });
  });
}

/** Syncs the view of `uri` to the personal schemas (`<prefix>_<schema>`) and commits. */
export async function syncViewPersonal(context: CommandContext, uri: string): Promise<DatabaseCommandResult> {
  return guardCommand(context, "Personal sync", async () => {
    const host = await requireProject(context, uri);
    const analyzer = await openAnalyzer(context, host, "personal");
    const view = requireView(analyzer, uri);
    const prefix = analyzer.project.config.personalPrefix;
    return execute(context, { title: `Sync of ${view.id} to ${prefix}_${view.schema}`, analyzer, mode: "sync", target: "personal", views: [view.id], embeddedFallback: false });
  });
}

/** Runs a command body; a CommandError or an unusable warehouse becomes `{ ok: false, error }`. */
export async function guardCommand<R extends DatabaseCommandResult>(context: CommandContext, name: string, body: () => Promise<R>): Promise<R | DatabaseCommandResult> {
  const started = Date.now();
  try {
    return await body();
  } catch (error) {
    if (error instanceof CommandError || error instanceof WarehouseUnavailableError) {
      context.editor.logWarning(`${name} failed: ${error.message}`);
      return failedResult(error.message, started);
    }
    const message = context.warehouse.redact(error instanceof Error ? error.message : String(error));
    context.editor.logError(`${name} failed: ${context.warehouse.redact(describeError(error))}`);
    return failedResult(`${name} failed: ${message}`, started);
  }
}

async function execute(context: CommandContext, plan: RunPlan): Promise<DatabaseCommandResult> {
  const started = Date.now();
  const { analyzer } = plan;
  const log = context.editor;
  const onNotice = (message: string) => log.logInfo(`${plan.title}: ${message}`);

  let result: SyncResult;
  let extraDiagnostics: EngineDiagnostic[] = [];
  let database: "warehouse" | "embedded";
  if (!context.warehouse.isConfigured()) {
    if (!plan.embeddedFallback) {
      throw new CommandError(
        `${plan.title} needs a warehouse, and none is configured. Set syncedViews.connection.host, .database and .user (or a connection string), or PGHOST/PGDATABASE/PGUSER in the environment.`,
      );
    }
    database = "embedded";
    log.logInfo(`${plan.title}: no warehouse configured, running on the embedded PostgreSQL with catalog/ loaded.`);
    const embedded = await dryRunEmbedded(analyzer, { views: plan.views, signal: context.signal, onNotice });
    result = embedded;
    extraDiagnostics = embedded.catalogDiagnostics;
  } else {
    database = "warehouse";
    result = await context.warehouse.use(async (client, description) => {
      log.logInfo(`${plan.title} on ${description}.`);
      // The session's close() would end the shared client, so only query and exec are used.
      return runSync({
        analyzer,
        session: sessionForClient(client),
        mode: plan.mode,
        target: plan.target,
        views: plan.views,
        lockTimeoutMs: LOCK_TIMEOUT_MS,
        lockRetries: LOCK_RETRIES,
        gitCommit: plan.mode === "sync" ? currentGitCommit(analyzer.project.root) : null,
        signal: context.signal,
        onNotice,
      });
    });
  }

  const databaseErrors = result.diagnostics.filter((diagnostic) => diagnostic.code === "database/error");
  // A run that stopped before any view ran (project errors, a lock timeout, a refused drop)
  // tested no view, so the views keep their earlier database errors.
  const reachedViews = result.actions.length > 0 || databaseErrors.length > 0;
  const ranFiles = reachedViews ? (plan.views ?? [...analyzer.project.views.keys()]).map((id) => analyzer.project.views.get(id)?.file).filter((file): file is string => file !== undefined) : [];
  const published = publishDatabaseDiagnostics(context, analyzer, [...databaseErrors, ...extraDiagnostics], ranFiles);

  const actions = toCommandActions(result.actions);
  const counts = countActions(actions);
  const ok = !result.error && databaseErrors.length === 0 && extraDiagnostics.length === 0;
  const where = database === "embedded" ? "the embedded PostgreSQL" : "the warehouse";
  let summary: string;
  if (ok && plan.mode === "sync") summary = `${plan.title} committed in ${seconds(result.durationMs)}: ${counts}.`;
  else if (ok) summary = `${plan.title} passed on ${where} in ${seconds(result.durationMs)}: ${counts}. Rolled back.`;
  else if (databaseErrors.length > 0) summary = `${plan.title} failed on ${where}: ${databaseErrors.length} PostgreSQL error${databaseErrors.length === 1 ? "" : "s"}, see Problems.`;
  else summary = `${plan.title} failed on ${where}.`;
  const error = ok ? undefined : (result.error ?? (extraDiagnostics.length > 0 ? extraDiagnostics.map((diagnostic) => diagnostic.message).join("\n") : undefined));

  const durationMs = Date.now() - started;
  if (ok) log.logInfo(`${summary} Total ${durationMs} ms.`);
  else log.logWarning(`${summary}${error ? ` ${context.warehouse.redact(error)}` : ""} Total ${durationMs} ms.`);
  return { ok, summary, actions, error: error === undefined ? undefined : context.warehouse.redact(error), durationMs, database, databaseErrors: published };
}
