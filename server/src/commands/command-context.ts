/** The context of a database command, and the steps the commands share: resolving the view, opening an analyzer, reporting. */
import * as fs from "node:fs";
import * as path from "node:path";
import { openProject } from "../../../engine/api";
import type { ProjectAnalyzer } from "../../../engine/analysis/analyzer";
import type { EngineDiagnostic } from "../../../engine/diagnostics";
import type { ViewFile } from "../../../engine/project/layout";
import type { PlannedAction } from "../../../engine/sync/sync";
import type { Target } from "../../../engine/templates/render";
import { LineIndex } from "../../../engine/text/positions";
import { toLspDiagnostic } from "../diagnostics";
import type { EditorPort } from "../editor";
import type { CommandAction, DatabaseCommandResult } from "../messages";
import type { ProjectHost } from "../project-host";
import { uriToPath, type Workspace } from "../workspace";
import type { DatabaseDiagnostics } from "./database-diagnostics";
import type { Warehouse } from "./warehouse";

export const UNTRUSTED_ERROR =
  "The workspace is untrusted, so Synced Views renders no templates and connects to no database. Trust the workspace (Manage Workspace Trust) to run database commands.";

export interface CommandContext {
  workspace: Workspace;
  warehouse: Warehouse;
  databaseDiagnostics: DatabaseDiagnostics;
  editor: EditorPort;
  /** `syncedViews.personalPrefix`, or undefined for the project's own prefix. */
  personalPrefix?: string;
  /** Aborted when the client cancels the request. */
  signal: AbortSignal;
}

/** A command failure with a message for the user; handlers turn it into `{ ok: false, error }`. */
export class CommandError extends Error {}

/**
 * Opens a fresh project and analyzer for `target` on the served folder, reading open editors'
 * text first. A fresh one is needed because templates see the target (`{{ target }}`) and a
 * sync must not share analysis state with the checks the server publishes.
 */
export async function openAnalyzer(context: CommandContext, host: ProjectHost, target: Target): Promise<ProjectAnalyzer> {
  const opened = await openProject(host.root, target, { readOverride: context.workspace.readOverride });
  if (context.personalPrefix) opened.project.config.personalPrefix = context.personalPrefix;
  return opened.analyzer;
}

/** Returns the served project of a document or folder URI, after pending analysis settled. */
export async function requireProject(context: CommandContext, uri: string): Promise<ProjectHost> {
  const host = await context.workspace.settle(uri);
  if (!host) throw new CommandError(`${uri} is not inside a Synced Views project (a folder with templates/ or synced-views.json).`);
  if (host.loadError) throw new CommandError(`The project ${host.root} could not be loaded: ${host.loadError}`);
  return host;
}

/** Returns the view of a template URI in `analyzer`'s project. */
export function requireView(analyzer: ProjectAnalyzer, uri: string): ViewFile {
  const file = uriToPath(uri);
  const view = file === undefined ? undefined : analyzer.project.viewForFile(file);
  if (!view) throw new CommandError(`${file ?? uri} is not a view file: views are templates/<schema>[_<stage>]/<view>.sql.`);
  return view;
}

/** Formats action counts as "2 replace, 1 unchanged", or "nothing to do". */
export function countActions(actions: CommandAction[]): string {
  const counts = new Map<string, number>();
  for (const action of actions) counts.set(action.action, (counts.get(action.action) ?? 0) + 1);
  return [...counts.entries()].map(([action, count]) => `${count} ${action}`).join(", ") || "nothing to do";
}

export function toCommandActions(actions: PlannedAction[]): CommandAction[] {
  return actions.map((action) => ({ view: action.view, action: action.action, reason: action.reason }));
}

export function failedResult(error: string, started: number, extra: Partial<DatabaseCommandResult> = {}): DatabaseCommandResult {
  return { ok: false, summary: error.split("\n")[0], actions: [], error, durationMs: Date.now() - started, ...extra };
}

/**
 * Publishes the PostgreSQL errors of a run on their files and clears them on the other files the
 * run covered. `ranFiles` are the project-relative files whose views the run executed. A run that
 * stopped before reaching the views (a lock timeout, a refused drop) passes none.
 */
export function publishDatabaseDiagnostics(context: CommandContext, analyzer: ProjectAnalyzer, diagnostics: EngineDiagnostic[], ranFiles: Iterable<string>): number {
  const byFile = new Map<string, EngineDiagnostic[]>();
  for (const diagnostic of diagnostics) {
    const list = byFile.get(diagnostic.file) ?? [];
    list.push(diagnostic);
    byFile.set(diagnostic.file, list);
  }
  const root = analyzer.project.root;
  const files = new Set([...ranFiles, ...byFile.keys()]);
  let count = 0;
  for (const file of files) {
    const list = byFile.get(file) ?? [];
    const lines = linesOf(analyzer, file);
    const converted = list.map((diagnostic) => toLspDiagnostic(diagnostic, lines, context.workspace.settings));
    count += converted.length;
    context.databaseDiagnostics.set(context.workspace.uriOf(path.join(root, ...file.split("/"))), converted);
  }
  return count;
}

/** Returns the line index of the text a file's diagnostic offsets refer to: the template a view rendered from, or the file. */
function linesOf(analyzer: ProjectAnalyzer, file: string): LineIndex {
  const view = analyzer.project.viewsByFile.get(file);
  const analysis = view ? analyzer.getAnalysis(view.id) : undefined;
  if (analysis?.text !== undefined) return analysis.lines;
  const catalogFile = analyzer.project.catalog.files.find((entry) => entry.file === file);
  if (catalogFile) return new LineIndex(catalogFile.text);
  try {
    return new LineIndex(fs.readFileSync(path.join(analyzer.project.root, file), "utf8"));
  } catch {
    return new LineIndex("");
  }
}

/** Converts the client's cancellation into an AbortSignal. */
export function signalOf(token: { isCancellationRequested: boolean; onCancellationRequested(listener: () => void): unknown } | undefined): AbortSignal {
  const controller = new AbortController();
  if (token?.isCancellationRequested) controller.abort();
  token?.onCancellationRequested(() => controller.abort());
  return controller.signal;
}

/** Formats milliseconds as seconds with one decimal, e.g. "1.2 s". */
export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
