/**
 * PostgreSQL errors of the last dry run or sync of each file, published together with the file's
 * check diagnostics. The workspace publishes check diagnostics through the EditorPort this class
 * wraps, so every publication of a file carries both lists, and replacing the database list
 * re-publishes the last check list with it.
 */
import type { Diagnostic } from "vscode-languageserver/node";
import type { EditorPort } from "../editor";

export class DatabaseDiagnostics {
  /** The editor to hand to the workspace: it adds each file's database diagnostics when publishing. */
  readonly editor: EditorPort;
  private readonly inner: EditorPort;
  private readonly checks = new Map<string, { diagnostics: Diagnostic[]; version?: number }>();
  private readonly database = new Map<string, Diagnostic[]>();

  constructor(inner: EditorPort) {
    this.inner = inner;
    this.editor = {
      publishDiagnostics: (uri, diagnostics, version) => {
        this.checks.set(uri, { diagnostics, version });
        inner.publishDiagnostics(uri, [...diagnostics, ...(this.database.get(uri) ?? [])], version);
      },
      notifyProjectIndexed: (params) => inner.notifyProjectIndexed(params),
      logInfo: (message) => inner.logInfo(message),
      logDebug: (message) => inner.logDebug(message),
      logWarning: (message) => inner.logWarning(message),
      logError: (message) => inner.logError(message),
    };
  }

  /** Replaces the database diagnostics of a file (an empty list clears them) and publishes the file again. */
  set(uri: string, diagnostics: Diagnostic[]): void {
    const previous = this.database.get(uri) ?? [];
    if (previous.length === 0 && diagnostics.length === 0) return;
    if (diagnostics.length === 0) this.database.delete(uri);
    else this.database.set(uri, diagnostics);
    const checks = this.checks.get(uri);
    this.inner.publishDiagnostics(uri, [...(checks?.diagnostics ?? []), ...diagnostics], checks?.version);
  }

  /** Returns the database diagnostics of a file. */
  get(uri: string): Diagnostic[] {
    return this.database.get(uri) ?? [];
  }
}
