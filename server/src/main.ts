/**
 * Entry point of the Synced Views language server (`node dist/server.js --stdio`): creates the
 * connection and binds each LSP message to its feature. The protocol runs over stdout, so
 * nothing else may write there; logs go through the connection.
 */
import { createConnection, DidChangeWatchedFilesNotification, ProposedFeatures, TextDocuments } from "vscode-languageserver/node";
import { TextDocument } from "vscode-languageserver-textdocument";
import { provideCodeActions } from "./code-actions";
import { provideCompletion } from "./completion";
import { provideDefinition } from "./definition";
import { createConnectionEditor, describeError } from "./editor";
import { guard, guardNotification } from "./guard";
import { provideHover } from "./hover";
import { readClientSupport, SERVER_CAPABILITIES, SERVER_NAME, SERVER_VERSION, WATCHED_FILE_PATTERNS, type ClientSupport } from "./capabilities";
import { RENDERED_SQL_REQUEST, type RenderedSqlParams } from "./messages";
import { provideReferences } from "./references";
import { provideRenderedSql } from "./rendered-sql";
import { readSettings } from "./settings";
import { provideDocumentSymbols } from "./symbols";
import { Workspace } from "./workspace";
import { DatabaseDiagnostics, registerDatabaseCommands } from "./commands";

const connection = createConnection(ProposedFeatures.all);
// Every diagnostics publish for a file also carries the PostgreSQL errors of its last dry run or sync.
const databaseDiagnostics = new DatabaseDiagnostics(createConnectionEditor(connection));
const editor = databaseDiagnostics.editor;
const documents = new TextDocuments(TextDocument);
let workspace: Workspace | undefined;
let support: ClientSupport | undefined;
let initialFolders: string[] = [];

process.on("uncaughtException", (error) => editor.logError(`Uncaught exception: ${describeError(error)}`));
process.on("unhandledRejection", (error) => editor.logError(`Unhandled rejection: ${describeError(error)}`));

/** Returns the workspace, which exists once the client sent `initialize`. */
function requireWorkspace(): Workspace {
  if (!workspace) throw new Error("The client sent a request before initialize.");
  return workspace;
}

connection.onInitialize((params) => {
  const settings = readSettings(params.initializationOptions);
  support = readClientSupport(params.capabilities);
  workspace = new Workspace(documents, editor, settings);
  initialFolders = params.workspaceFolders?.map((folder) => folder.uri) ?? (params.rootUri ? [params.rootUri] : []);
  return { capabilities: SERVER_CAPABILITIES, serverInfo: { name: SERVER_NAME, version: SERVER_VERSION } };
});

connection.onInitialized(
  guardNotification(editor, "initialized", async () => {
    const current = requireWorkspace();
    editor.logInfo(
      `Synced Views ${SERVER_VERSION} started: trusted=${current.settings.trusted}, analysis delay ${current.settings.analysisDelayMs} ms, folders ${JSON.stringify(initialFolders)}.`,
    );
    if (support?.watchedFilesRegistration) {
      await connection.client.register(DidChangeWatchedFilesNotification.type, { watchers: WATCHED_FILE_PATTERNS.map((globPattern) => ({ globPattern })) });
    } else {
      editor.logWarning("The client cannot register file watchers; files changed outside the editor are seen only when the client reports them.");
    }
    if (support?.workspaceFolders) {
      connection.workspace.onDidChangeWorkspaceFolders(
        guardNotification(editor, "workspace/didChangeWorkspaceFolders", async (event) => {
          await current.removeFolders(event.removed.map((folder) => folder.uri));
          await current.addFolders(event.added.map((folder) => folder.uri));
        }),
      );
    }
    await current.addFolders(initialFolders);
  }),
);

documents.onDidOpen(guardNotification(editor, "textDocument/didOpen", (event) => requireWorkspace().documentOpened(event.document.uri)));
documents.onDidChangeContent(guardNotification(editor, "textDocument/didChange", (event) => requireWorkspace().documentChanged(event.document.uri)));
documents.onDidClose(guardNotification(editor, "textDocument/didClose", (event) => requireWorkspace().documentClosed(event.document.uri)));
connection.onDidChangeWatchedFiles(guardNotification(editor, "workspace/didChangeWatchedFiles", (params) => requireWorkspace().filesChanged(params.changes)));

connection.onHover(guard(editor, "textDocument/hover", null, (params) => provideHover(requireWorkspace(), params)));
connection.onDefinition(guard(editor, "textDocument/definition", null, (params) => provideDefinition(requireWorkspace(), params)));
connection.onReferences(guard(editor, "textDocument/references", [], (params) => provideReferences(requireWorkspace(), params)));
connection.onCompletion(guard(editor, "textDocument/completion", [], (params) => provideCompletion(requireWorkspace(), params)));
connection.onDocumentSymbol(guard(editor, "textDocument/documentSymbol", [], (params) => provideDocumentSymbols(requireWorkspace(), params)));
connection.onCodeAction(
  guard(editor, "textDocument/codeAction", [], (params) => provideCodeActions(requireWorkspace(), params, support?.workspaceEdit ?? { documentChanges: false, renameFiles: false })),
);
connection.onRequest(RENDERED_SQL_REQUEST, guard(editor, RENDERED_SQL_REQUEST, null, (params: RenderedSqlParams) => provideRenderedSql(requireWorkspace(), params)));

const databaseCommands = registerDatabaseCommands({ connection, editor, workspace: requireWorkspace, databaseDiagnostics });
connection.onShutdown(() => databaseCommands.dispose());

documents.listen(connection);
connection.listen();
