/** Server capabilities, and the client capabilities the server reads at initialization. */
import { CodeActionKind, TextDocumentSyncKind, type ClientCapabilities, type ServerCapabilities } from "vscode-languageserver/node";
import type { WorkspaceEditSupport } from "./code-actions";

export const SERVER_NAME = "synced-views";
export const SERVER_VERSION = "0.1.0";

export const SERVER_CAPABILITIES: ServerCapabilities = {
  textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental },
  hoverProvider: true,
  definitionProvider: true,
  referencesProvider: true,
  completionProvider: { triggerCharacters: ["."], resolveProvider: false },
  documentSymbolProvider: true,
  codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
  workspace: { workspaceFolders: { supported: true, changeNotifications: true } },
};

/** The client features the server adapts to. */
export interface ClientSupport {
  watchedFilesRegistration: boolean;
  workspaceFolders: boolean;
  workspaceEdit: WorkspaceEditSupport;
}

export function readClientSupport(capabilities: ClientCapabilities): ClientSupport {
  const workspace = capabilities.workspace;
  return {
    watchedFilesRegistration: workspace?.didChangeWatchedFiles?.dynamicRegistration === true,
    workspaceFolders: workspace?.workspaceFolders === true,
    workspaceEdit: {
      documentChanges: workspace?.workspaceEdit?.documentChanges === true,
      renameFiles: workspace?.workspaceEdit?.resourceOperations?.includes("rename") === true,
    },
  };
}

/** Files whose creation, change or deletion outside the editor changes a project. */
export const WATCHED_FILE_PATTERNS = ["**/*.sql", "**/synced-views.json"];
