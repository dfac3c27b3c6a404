/**
 * Helpers for the suites that run inside the VS Code extension host. extension.test.ts compiles
 * the suites with esbuild into a temp folder and writes `context.json` beside them.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as vscode from "vscode";

export const EXTENSION_ID = "synced-views.synced-views";
export const DIAGNOSTIC_SOURCE = "synced-views";

/** Parameters the outer test passes to the suites, written to context.json next to the compiled suites. */
export interface SuiteContext {
  /** The workspace folder code-server opened. */
  workspace: string;
  /** Folder where the suite writes database requests and the outer test writes the replies. */
  requestsDir: string;
  /** syncedViews.personalPrefix of the run. */
  personalPrefix: string;
  /** A connection URL with the sentinel password, for the setting that must reject it. */
  connectionStringWithPassword: string;
  /** code-server's logs folder, which contains the "Synced Views" output channel's log file. */
  logsDir: string;
}

/**
 * A request the outer test runs with `pg`, because the extension host has no database driver.
 * `lock` and `unlock` take and release the advisory lock LOCK_KEY of views-workspace.ts on the
 * outer test's connection, and `lockWaiters` counts the sessions waiting for it.
 */
export type DatabaseRequest = { kind: "relations" } | { kind: "columns"; schema: string; name: string } | { kind: "lock" } | { kind: "unlock" } | { kind: "lockWaiters" };

export function readContext(): SuiteContext {
  return JSON.parse(fs.readFileSync(path.join(__dirname, "context.json"), "utf8")) as SuiteContext;
}

export function workspaceUri(relative: string): vscode.Uri {
  return vscode.Uri.file(path.join(readContext().workspace, ...relative.split("/")));
}

/**
 * Calls `probe` every 50 ms until it returns a value other than undefined, and returns that
 * value. Throws after `timeoutMs` with `description` and the last value `detail` returns.
 */
export async function waitFor<T>(description: string, probe: () => T | undefined | Promise<T | undefined>, options: { timeoutMs?: number; detail?: () => string } = {}): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) {
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${description}.${options.detail ? ` Last state: ${options.detail()}` : ""}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export function codeOf(diagnostic: vscode.Diagnostic): string | undefined {
  const code = diagnostic.code;
  if (code === undefined) return undefined;
  return typeof code === "object" ? String(code.value) : String(code);
}

export function describeDiagnostics(uri: vscode.Uri): string {
  const list = vscode.languages.getDiagnostics(uri).map((diagnostic) => `${codeOf(diagnostic)} ${formatRange(diagnostic.range)} ${diagnostic.message}`);
  return list.length > 0 ? list.join("; ") : "no diagnostics";
}

export function formatRange(range: vscode.Range): string {
  return `${range.start.line}:${range.start.character}-${range.end.line}:${range.end.character}`;
}

/** Waits until `uri` has a Synced Views diagnostic with `code`, and returns it. */
export function waitForDiagnostic(uri: vscode.Uri, code: string, timeoutMs?: number): Promise<vscode.Diagnostic> {
  return waitFor(
    `a ${code} diagnostic on ${vscode.workspace.asRelativePath(uri)}`,
    () => vscode.languages.getDiagnostics(uri).find((diagnostic) => diagnostic.source === DIAGNOSTIC_SOURCE && codeOf(diagnostic) === code),
    { timeoutMs, detail: () => describeDiagnostics(uri) },
  );
}

/** Waits until `uri` has no diagnostic with `code`. */
export async function waitForNoDiagnostic(uri: vscode.Uri, code: string): Promise<void> {
  await waitFor(
    `the ${code} diagnostic on ${vscode.workspace.asRelativePath(uri)} to clear`,
    () => (vscode.languages.getDiagnostics(uri).some((diagnostic) => codeOf(diagnostic) === code) ? undefined : true),
    { detail: () => describeDiagnostics(uri) },
  );
}

/** Returns the range of the first occurrence of `needle` in `document`; throws when it is missing. */
export function rangeOf(document: vscode.TextDocument, needle: string): vscode.Range {
  const offset = document.getText().indexOf(needle);
  if (offset < 0) throw new Error(`${vscode.workspace.asRelativePath(document.uri)} does not contain ${JSON.stringify(needle)}.`);
  return new vscode.Range(document.positionAt(offset), document.positionAt(offset + needle.length));
}

/** Opens a project file in an editor, which makes it the target of the "current view" commands. */
export async function openView(relative: string): Promise<vscode.TextEditor> {
  const document = await vscode.workspace.openTextDocument(workspaceUri(relative));
  return vscode.window.showTextDocument(document, { preview: false });
}

/** Replaces the first occurrence of `from` in the editor's document with `to`. */
export async function replaceText(editor: vscode.TextEditor, from: string, to: string): Promise<void> {
  const range = rangeOf(editor.document, from);
  const applied = await editor.edit((builder) => builder.replace(range, to));
  if (!applied) throw new Error(`The edit of ${vscode.workspace.asRelativePath(editor.document.uri)} was not applied.`);
}

let requestCounter = 0;

/**
 * Sends a database request to the outer test: writes `request-<n>.json` into the requests folder
 * and waits for `reply-<n>.json`. Files are written under a temporary name and renamed, so the
 * other side never reads half a file.
 */
export async function queryDatabase<T>(request: DatabaseRequest): Promise<T> {
  const { requestsDir } = readContext();
  const id = `${process.pid}-${++requestCounter}`;
  const file = path.join(requestsDir, `request-${id}.json`);
  fs.writeFileSync(`${file}.tmp`, JSON.stringify(request));
  fs.renameSync(`${file}.tmp`, file);
  const replyFile = path.join(requestsDir, `reply-${id}.json`);
  const reply = await waitFor(`the outer test's reply to database request ${JSON.stringify(request)}`, () =>
    fs.existsSync(replyFile) ? (JSON.parse(fs.readFileSync(replyFile, "utf8")) as { result?: T; error?: string }) : undefined,
  );
  if (reply.error !== undefined) throw new Error(`The outer test could not answer ${JSON.stringify(request)}: ${reply.error}`);
  return reply.result as T;
}

/** Returns "schema.name (kind)" for every relation outside the system schemas, sorted. */
export function listRelations(): Promise<string[]> {
  return queryDatabase<string[]>({ kind: "relations" });
}

/** Returns the column names of a relation in order, or an empty list when it does not exist. */
export function listColumns(schema: string, name: string): Promise<string[]> {
  return queryDatabase<string[]>({ kind: "columns", schema, name });
}

/** Returns the lines of the "Synced Views" output channel's log files that contain `text`. */
export function extensionLogLines(text: string): string[] {
  const lines: string[] = [];
  const visit = (folder: string) => {
    for (const entry of fs.readdirSync(folder, { withFileTypes: true })) {
      const full = path.join(folder, entry.name);
      if (entry.isDirectory()) visit(full);
      else if (entry.name === "Synced Views.log") lines.push(...fs.readFileSync(full, "utf8").split("\n").filter((line) => line.includes(text)));
    }
  };
  visit(readContext().logsDir);
  return lines;
}

/** Activates the installed extension and returns it. */
export async function activateExtension(): Promise<vscode.Extension<unknown>> {
  const extension = vscode.extensions.getExtension(EXTENSION_ID);
  if (!extension) throw new Error(`The extension ${EXTENSION_ID} is not installed.`);
  await extension.activate();
  return extension;
}
