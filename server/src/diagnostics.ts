/** Conversion of engine diagnostics to LSP diagnostics. */
import { DiagnosticSeverity, type Diagnostic, type Range } from "vscode-languageserver/node";
import type { EngineDiagnostic, Severity } from "../../engine/diagnostics";
import type { LineIndex } from "../../engine/text/positions";
import { documentationUrl, type ServerSettings } from "./settings";

export const DIAGNOSTIC_SOURCE = "synced-views";

const SEVERITIES: Record<Severity, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  information: DiagnosticSeverity.Information,
};

/** Converts a UTF-16 offset range of a text into an LSP range (UTF-16 columns, as LSP defines them). */
export function toLspRange(lines: LineIndex, start: number, end: number): Range {
  return { start: lines.positionAt(start), end: lines.positionAt(Math.max(start, end)) };
}

/** Converts one engine diagnostic; `lines` indexes the text its offsets refer to. */
export function toLspDiagnostic(diagnostic: EngineDiagnostic, lines: LineIndex, settings: ServerSettings): Diagnostic {
  const converted: Diagnostic = {
    range: toLspRange(lines, diagnostic.start, diagnostic.end),
    severity: SEVERITIES[diagnostic.severity],
    source: DIAGNOSTIC_SOURCE,
    code: diagnostic.code,
    codeDescription: { href: documentationUrl(settings, diagnostic.code) },
    message: diagnostic.message,
  };
  if (diagnostic.data !== undefined) converted.data = diagnostic.data;
  return converted;
}
