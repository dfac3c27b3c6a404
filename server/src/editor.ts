/**
 * The small surface through which the server reaches the editor. Features depend on this
 * interface, not on the connection, so a test can pass a recording fake.
 */
import type { Connection, Diagnostic } from "vscode-languageserver/node";
import { PROJECT_INDEXED_NOTIFICATION, type ProjectIndexedParams } from "./messages";

export interface EditorPort {
  publishDiagnostics(uri: string, diagnostics: Diagnostic[], version?: number): void;
  notifyProjectIndexed(params: ProjectIndexedParams): void;
  /** Routine detail, such as each re-check; clients show it only when their log level includes debug. */
  logDebug(message: string): void;
  logInfo(message: string): void;
  logWarning(message: string): void;
  logError(message: string): void;
}

/** Routes every editor call through the LSP connection; nothing is written to stdout. */
export function createConnectionEditor(connection: Connection): EditorPort {
  return {
    publishDiagnostics(uri, diagnostics, version) {
      void connection.sendDiagnostics({ uri, diagnostics, version });
    },
    notifyProjectIndexed(params) {
      void connection.sendNotification(PROJECT_INDEXED_NOTIFICATION, params);
    },
    logDebug(message) {
      connection.console.debug(message);
    },
    logInfo(message) {
      connection.console.info(message);
    },
    logWarning(message) {
      connection.console.warn(message);
    },
    logError(message) {
      connection.console.error(message);
    },
  };
}

/** Formats a caught value for the log, with its stack when it has one. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.stack ?? `${error.name}: ${error.message}`;
  return String(error);
}
