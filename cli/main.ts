/**
 * The `synced-views` command line: a thin shell over the engine for people and CI.
 * Exit codes: 0 all well, 1 project errors or a failed database operation, 2 bad usage.
 */
import { parseArgs } from "node:util";
import type { Client } from "pg";
import {
  checkProject,
  countErrors,
  currentGitCommit,
  diagnosticsToJson,
  dryRunEmbedded,
  openProject,
  sessionForClient,
  type OpenedProject,
} from "../engine/api";
import { connect, ConnectionError, resolveConnection, redactSecrets, type ResolvedConnection } from "../engine/database/connection";
import { findProjectRoot, ProjectNotFoundError } from "../engine/project/project";
import { runSync, type SyncMode, type SyncResult } from "../engine/sync/sync";
import { pullCatalog } from "../engine/catalog/pull";
import type { DiagnosticJson, EngineDiagnostic } from "../engine/diagnostics";
import { Reporter } from "./reporter";

const VERSION = "0.1.0";

const USAGE = `Usage: synced-views <command> [project dir] [options]

Commands:
  check          Check every view: templates, SQL syntax, layering rules, references.
  plan           Show what a sync would do, without changing the database.
  dry-run        Run the sync in a transaction and roll it back. Without a database
                 configured, runs on an embedded PostgreSQL loaded with catalog/.
  sync           Create and replace the views in one transaction.
  catalog pull   Write catalog/<schema>.sql with the columns of the raw relations the views read.

Options:
  --db <url>             Database URL (otherwise DATABASE_URL, then PGHOST, PGUSER and the
                         other PG* variables and ~/.pgpass, as psql reads them).
  --target <name>        prod (default) or personal: personal syncs schema S to <prefix>_S.
  --prefix <name>        Personal schema prefix (default from synced-views.json, else dev_<user>).
  --full                 Re-create every view, also unchanged ones.
  --lock-timeout <ms>    How long one statement may wait for a lock (default 10000).
  --lock-retries <n>     Attempts after a lock wait timed out (default 3).
  --json                 Print machine-readable JSON on stdout.
  -h, --help             Show this help.
  --version              Print the version.
`;

class UsageError extends Error {}

interface CliOptions {
  command: string;
  projectDir: string;
  json: boolean;
  db?: string;
  target: "prod" | "personal";
  prefix?: string;
  full: boolean;
  lockTimeoutMs?: number;
  lockRetries?: number;
}

function parseCommandLine(argv: string[]): CliOptions | "help" | "version" {
  let parsed;
  try {
    parsed = parseOptions(argv);
  } catch (error) {
    // Node's own messages suggest "--" tricks that do not apply here; name the option plainly.
    const option = /'(-[^']*)'/.exec((error as Error).message)?.[1];
    throw new UsageError(option ? `Unknown or incomplete option ${option}.` : (error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) return "help";
  if (values.version) return "version";
  return toCliOptions(values, positionals);
}

function parseOptions(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      json: { type: "boolean", default: false },
      db: { type: "string" },
      target: { type: "string" },
      prefix: { type: "string" },
      full: { type: "boolean", default: false },
      "lock-timeout": { type: "string" },
      "lock-retries": { type: "string" },
      help: { type: "boolean", short: "h", default: false },
      version: { type: "boolean", default: false },
    },
  });
}

function toCliOptions(values: ReturnType<typeof parseOptions>["values"], positionals: string[]): CliOptions {
  const args = [...positionals];
  let command = args.shift();
  if (!command) throw new UsageError("Missing command.");
  if (command === "catalog") {
    const sub = args.shift();
    if (sub === undefined) throw new UsageError('Missing catalog command: use "catalog pull".');
    if (sub !== "pull") throw new UsageError(`Unknown catalog command "${sub}"; the only one is "catalog pull".`);
    command = "catalog pull";
  }
  if (!["check", "plan", "dry-run", "sync", "catalog pull"].includes(command)) throw new UsageError(`Unknown command "${command}".`);
  if (args.length > 1) throw new UsageError(`Expected at most one project directory, got: ${args.join(" ")}.`);
  const target = values.target ?? "prod";
  if (target !== "prod" && target !== "personal") throw new UsageError(`--target must be prod or personal, not "${target}".`);
  if (values.prefix !== undefined && !/^[a-z_][a-z0-9_]*$/.test(values.prefix)) {
    throw new UsageError(`--prefix must be a lower-case identifier, not "${values.prefix}".`);
  }
  if (values.prefix !== undefined && target !== "personal") {
    // A prefix only means something for personal schemas; silently syncing to prod instead would be dangerous.
    throw new UsageError("--prefix applies only to --target personal; add --target personal, or drop --prefix.");
  }
  return {
    command,
    projectDir: args[0] ?? ".",
    json: Boolean(values.json),
    db: values.db,
    target,
    prefix: values.prefix,
    full: Boolean(values.full),
    lockTimeoutMs: parseCount(values["lock-timeout"], "--lock-timeout"),
    lockRetries: parseCount(values["lock-retries"], "--lock-retries"),
  };
}

function parseCount(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new UsageError(`${flag} takes a whole number, not "${value}".`);
  return Number(value);
}

export async function main(argv: string[]): Promise<number> {
  let options: CliOptions | "help" | "version";
  try {
    options = parseCommandLine(argv);
  } catch (error) {
    process.stderr.write(`synced-views: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (options === "help") {
    process.stdout.write(USAGE);
    return 0;
  }
  if (options === "version") {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }

  const reporter = new Reporter(options.json);
  const fail = (message: string, code: number): number => {
    reporter.error(message);
    // With --json, scripts read stdout only, so the failure goes there too.
    if (options.json) reporter.json({ error: message });
    return code;
  };
  try {
    return await runCommand(options, reporter);
  } catch (error) {
    if (error instanceof ProjectNotFoundError || error instanceof UsageError) return fail(error.message, 2);
    if (error instanceof ConnectionError) return fail(error.message, 1);
    return fail(`Unexpected failure: ${redactSecrets(error instanceof Error ? (error.stack ?? error.message) : String(error))}`, 1);
  } finally {
    reporter.finish();
  }
}

async function runCommand(options: CliOptions, reporter: Reporter): Promise<number> {
  const renderTarget = options.command === "dry-run" ? "dry-run" : options.target;
  const opened = await openProject(findProjectRoot(options.projectDir), renderTarget);
  reporter.setProjectRoot(opened.project.root);
  if (options.prefix) opened.project.config.personalPrefix = options.prefix;

  const check = checkProject(opened.analyzer);
  const checkJson = diagnosticsToJson(opened.analyzer, check.diagnostics);
  const errors = countErrors(check.diagnostics);

  if (options.command === "check") {
    if (options.json) reporter.json({ views: check.views, diagnostics: checkJson });
    else reporter.diagnostics(checkJson, `Checked ${check.views} view${check.views === 1 ? "" : "s"}`);
    return errors > 0 ? 1 : 0;
  }

  if (options.command === "catalog pull") {
    // Pulling the catalog is how unknown columns of a changed raw table get fixed, so project
    // errors do not block it; it only reads the references the views make.
    return pullCatalogCommand(options, reporter, opened);
  }

  if (errors > 0) {
    // Nothing touches a database while the project itself has errors.
    if (options.json) reporter.json(options.command === "dry-run" ? { views: check.views, diagnostics: checkJson } : { target: options.target, actions: [], diagnostics: checkJson });
    else reporter.diagnostics(checkJson, `Checked ${check.views} views; fix the errors before running ${options.command}`);
    return 1;
  }

  const resolved = resolveSettings(options);

  if (options.command === "dry-run" && !resolved) {
    reporter.progressLine("No database configured: dry run on the embedded PostgreSQL with catalog/ loaded (takes a few seconds to start).");
    const result = await dryRunEmbedded(opened.analyzer, {
      full: options.full,
      onProgress: (message, done, total) => reporter.progress(done, total, message),
    });
    return reportSyncResult(options, reporter, opened, result, [...checkJson, ...diagnosticsToJson(opened.analyzer, result.catalogDiagnostics)], check.views);
  }

  if (!resolved) {
    throw new UsageError(`${options.command} needs a database: pass --db <url>, or set DATABASE_URL or PGHOST/PGDATABASE/PGUSER.`);
  }

  const client = await connectVerbose(resolved, reporter);
  const session = sessionForClient(client);
  try {
    let mode: SyncMode = "sync";
    if (options.command === "plan") mode = "plan";
    else if (options.command === "dry-run") mode = "dry-run";
    const result = await runSync({
      analyzer: opened.analyzer,
      session,
      mode,
      target: options.target,
      full: options.full,
      lockTimeoutMs: options.lockTimeoutMs,
      lockRetries: options.lockRetries,
      gitCommit: currentGitCommit(opened.project.root),
      onProgress: (message, done, total) => reporter.progress(done, total, message),
      onNotice: (message) => reporter.progressLine(message),
    });
    return reportSyncResult(options, reporter, opened, result, checkJson, check.views);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Resolves the connection settings; settings that cannot be parsed are a usage error, found before any connection. */
function resolveSettings(options: CliOptions): ResolvedConnection | undefined {
  try {
    return resolveConnection({ url: options.db, applicationName: "synced-views" });
  } catch (error) {
    if (error instanceof ConnectionError) throw new UsageError(error.message);
    throw error;
  }
}

async function pullCatalogCommand(options: CliOptions, reporter: Reporter, opened: OpenedProject): Promise<number> {
  const resolved = resolveSettings(options);
  if (!resolved) throw new UsageError("catalog pull needs a database: pass --db <url>, or set DATABASE_URL or PGHOST/PGDATABASE/PGUSER.");
  const client = await connectVerbose(resolved, reporter);
  try {
    const pulled = await pullCatalog(opened.analyzer, sessionForClient(client));
    if (options.json) reporter.json(pulled);
    else {
      reporter.line(`Wrote ${pulled.files.length} catalog file${pulled.files.length === 1 ? "" : "s"} with ${pulled.relations} relations: ${pulled.files.join(", ") || "(none)"}`);
      for (const missing of pulled.missing) reporter.line(`warning: ${missing} is referenced by the views but does not exist in ${resolved.description}`);
    }
    return 0;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function connectVerbose(resolved: ResolvedConnection, reporter: Reporter): Promise<Client> {
  reporter.progressLine(`Connecting to ${resolved.description}`);
  return connect(resolved);
}

function reportSyncResult(
  options: CliOptions,
  reporter: Reporter,
  opened: OpenedProject,
  result: SyncResult,
  checkJson: DiagnosticJson[],
  views: number,
): number {
  reporter.clearProgress();
  const databaseJson = diagnosticsToJson(opened.analyzer, result.diagnostics as EngineDiagnostic[]);
  const diagnostics = [...checkJson, ...databaseJson];
  const failed = Boolean(result.error) || countErrors(result.diagnostics) > 0 || diagnostics.some((diagnostic) => diagnostic.severity === "error");
  if (options.json) {
    if (options.command === "dry-run") reporter.json({ views, diagnostics, actions: result.actions, ...(result.error ? { error: result.error } : {}) });
    else reporter.json({ target: result.target, actions: result.actions, diagnostics, ...(result.error ? { error: result.error } : {}) });
    return failed ? 1 : 0;
  }
  if (diagnostics.length > 0) reporter.diagnostics(diagnostics, undefined);
  reporter.actions(result.actions);
  const counts = new Map<string, number>();
  for (const action of result.actions) counts.set(action.action, (counts.get(action.action) ?? 0) + 1);
  const summary = [...counts.entries()].map(([action, count]) => `${count} ${action}`).join(", ") || "nothing to do";
  const seconds = (result.durationMs / 1000).toFixed(1);
  if (result.error) reporter.error(result.error);
  else if (options.command === "sync") reporter.line(`Synced to ${result.target} in ${seconds} s: ${summary}. Committed.`);
  else if (options.command === "plan") reporter.line(`Plan for ${result.target}: ${summary}.`);
  else reporter.line(`Dry run passed in ${seconds} s: ${summary}. Rolled back; nothing was changed.`);
  return failed ? 1 : 0;
}

export { UsageError };
