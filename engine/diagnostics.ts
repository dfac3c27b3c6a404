/** Diagnostics the engine reports, shared by the CLI and the language server. */
import { LineIndex } from "./text/positions";

export type Severity = "error" | "warning" | "information";

/**
 * Stable codes; each is documented in docs/diagnostics.md. Tools may match on them, so a code
 * is never renamed.
 */
export type DiagnosticCode =
  | "config/invalid"
  | "config/unknown-key"
  | "config/invalid-value"
  | "file/unreadable"
  | "file/binary"
  | "file/empty"
  | "file/too-large"
  | "template/error"
  | "sql/syntax"
  | "sql/multiple-statements"
  | "sql/not-a-query"
  | "layering/cross-schema"
  | "layering/core-isolation"
  | "layering/stage-order"
  | "graph/cycle"
  | "reference/unknown-view"
  | "reference/unknown-column"
  | "reference/unqualified"
  | "reference/uncatalogued-relation"
  | "view/duplicate-column"
  | "view/unnamed-column"
  | "naming/invalid-name"
  | "naming/too-long"
  | "naming/duplicate-view"
  | "catalog/invalid"
  | "database/error";

/** A problem at UTF-16 offsets [start, end) of one file's text. */
export interface EngineDiagnostic {
  /** Path relative to the project directory, with "/" separators. */
  file: string;
  start: number;
  end: number;
  severity: Severity;
  code: DiagnosticCode;
  message: string;
  /** Extra data for code actions, such as the stage a view must move to. */
  data?: Record<string, unknown>;
}

/** The JSON shape of a diagnostic that `check --json` and `dry-run --json` print. */
export interface DiagnosticJson {
  file: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  severity: Severity;
  code: DiagnosticCode;
  message: string;
}

/** Converts a diagnostic to 1-based lines and columns counted in code points. */
export function toDiagnosticJson(diagnostic: EngineDiagnostic, lines: LineIndex): DiagnosticJson {
  const start = lines.displayPositionAt(diagnostic.start);
  const end = lines.displayPositionAt(Math.max(diagnostic.start, diagnostic.end));
  return {
    file: diagnostic.file,
    line: start.line,
    column: start.column,
    endLine: end.line,
    endColumn: end.column,
    severity: diagnostic.severity,
    code: diagnostic.code,
    message: diagnostic.message,
  };
}

export function compareDiagnostics(a: DiagnosticJson, b: DiagnosticJson): number {
  // Files compare by code unit, not locale, so "sales/" sorts after "sales_1/" as in a plain listing.
  if (a.file !== b.file) return a.file < b.file ? -1 : 1;
  return a.line - b.line || a.column - b.column || a.code.localeCompare(b.code);
}
