/**
 * Output of the command line: results on stdout (human lines or one JSON document), errors and
 * progress on stderr. Progress is drawn only on a terminal, so logs in CI stay clean.
 */
import * as path from "node:path";
import type { DiagnosticJson } from "../engine/diagnostics";
import type { PlannedAction } from "../engine/sync/sync";

export class Reporter {
  private readonly jsonMode: boolean;
  private readonly interactive: boolean;
  private progressVisible = false;
  private projectRoot: string | undefined;

  constructor(jsonMode: boolean) {
    this.jsonMode = jsonMode;
    this.interactive = Boolean(process.stderr.isTTY);
  }

  /** Diagnostics for people name files relative to the current directory, so terminals and editors can open them. */
  setProjectRoot(root: string): void {
    this.projectRoot = root;
  }

  private displayPath(file: string): string {
    if (!this.projectRoot) return file;
    const absolute = path.join(this.projectRoot, file);
    const relative = path.relative(process.cwd(), absolute);
    // Outside the current directory a path full of "../" is harder to read than the absolute one.
    if (relative.startsWith("..") || path.isAbsolute(relative)) return absolute;
    return relative.split(path.sep).join("/");
  }

  line(text: string): void {
    this.clearProgress();
    process.stdout.write(`${text}\n`);
  }

  error(text: string): void {
    this.clearProgress();
    process.stderr.write(`synced-views: ${text}\n`);
  }

  json(value: unknown): void {
    this.clearProgress();
    process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  }

  /** Writes a status message for people to stderr, so it never mixes with JSON on stdout. */
  progressLine(text: string): void {
    this.clearProgress();
    if (!this.jsonMode || this.interactive) process.stderr.write(`${text}\n`);
  }

  progress(done: number, total: number, what: string): void {
    if (!this.interactive) return;
    const text = `[${done + 1}/${total}] ${what}`;
    process.stderr.write(`\r\x1b[K${text.slice(0, (process.stderr.columns ?? 80) - 1)}`);
    this.progressVisible = true;
  }

  clearProgress(): void {
    if (!this.progressVisible) return;
    process.stderr.write("\r\x1b[K");
    this.progressVisible = false;
  }

  /** Prints diagnostics in the form compilers use: file:line:column: severity code: message. */
  diagnostics(diagnostics: DiagnosticJson[], summaryPrefix: string | undefined): void {
    for (const diagnostic of diagnostics) {
      this.line(`${this.displayPath(diagnostic.file)}:${diagnostic.line}:${diagnostic.column}: ${diagnostic.severity} ${diagnostic.code}: ${diagnostic.message}`);
    }
    if (summaryPrefix === undefined) return;
    const errors = diagnostics.filter((diagnostic) => diagnostic.severity === "error").length;
    const warnings = diagnostics.filter((diagnostic) => diagnostic.severity === "warning").length;
    this.line(`${summaryPrefix}: ${plural(errors, "error")}, ${plural(warnings, "warning")}.`);
  }

  actions(actions: PlannedAction[]): void {
    const width = Math.max(0, ...actions.map((action) => action.action.length));
    for (const action of actions) {
      if (action.action === "unchanged" && !action.reason.startsWith("failed") && !action.reason.startsWith("skipped")) continue;
      this.line(`  ${action.action.padEnd(width)}  ${action.view}  (${action.reason})`);
    }
  }

  finish(): void {
    this.clearProgress();
  }
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}
