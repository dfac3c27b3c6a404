/**
 * The server side of the editor's database commands: dry runs, personal syncs, row previews and
 * catalog pulls, plus the connection settings the client sends. In an untrusted workspace every
 * request returns an error without rendering a template or connecting.
 */
import type { CancellationToken, Connection } from "vscode-languageserver/node";
import type { EditorPort } from "../editor";
import {
  CONNECTION_STATUS_NOTIFICATION,
  DRY_RUN_PROJECT_REQUEST,
  DRY_RUN_VIEW_REQUEST,
  PREVIEW_ROWS_REQUEST,
  PULL_CATALOG_REQUEST,
  SET_CONNECTION_REQUEST,
  SYNC_VIEW_PERSONAL_REQUEST,
  type ConnectionStatusParams,
  type DatabaseCommandResult,
  type PreviewRowsResult,
  type ProjectCommandParams,
  type SetConnectionParams,
  type ViewCommandParams,
} from "../messages";
import type { Workspace } from "../workspace";
import { failedResult, signalOf, UNTRUSTED_ERROR, type CommandContext } from "./command-context";
import { isValidPersonalPrefix } from "./connection-string";
import { DatabaseDiagnostics } from "./database-diagnostics";
import { previewRows, PREVIEW_ROW_LIMIT } from "./preview-rows";
import { pullCatalog } from "./pull-catalog";
import { dryRunProject, dryRunView, syncViewPersonal } from "./sync-commands";
import { Warehouse } from "./warehouse";

export { DatabaseDiagnostics } from "./database-diagnostics";
export { Warehouse } from "./warehouse";

export interface DatabaseCommandsOptions {
  connection: Connection;
  /** The editor the workspace publishes through; `databaseDiagnostics.editor` in the server. */
  editor: EditorPort;
  /** Returns the workspace; called per request, so it may throw before `initialize`. */
  workspace: () => Workspace;
  databaseDiagnostics: DatabaseDiagnostics;
  /** Environment for PG* variables, DATABASE_URL and ~/.pgpass; process.env by default. */
  env?: NodeJS.ProcessEnv;
}

export interface DatabaseCommands {
  warehouse: Warehouse;
  /** Closes the warehouse connection; call it on shutdown. */
  dispose(): Promise<void>;
}

type Handler<P, R> = (context: CommandContext, params: P) => Promise<R>;

/** Binds the database requests on `connection` and returns the warehouse they share. */
export function registerDatabaseCommands(options: DatabaseCommandsOptions): DatabaseCommands {
  const { connection, editor, databaseDiagnostics } = options;
  let personalPrefix: string | undefined;
  const warehouse = new Warehouse({
    editor,
    env: options.env,
    onStatus: (status) => void connection.sendNotification(CONNECTION_STATUS_NOTIFICATION, status),
  });

  const trusted = () => options.workspace().settings.trusted;

  /** Wraps a command: untrusted workspaces and unexpected exceptions become `{ ok: false }` results. */
  const bind = <P extends { uri: string }, R extends DatabaseCommandResult>(method: string, handler: Handler<P, R>, emptyResult: Partial<R> = {}) => {
    connection.onRequest(method, async (params: P, token: CancellationToken) => {
      const started = Date.now();
      try {
        if (!trusted()) {
          editor.logWarning(`${method} rejected: the workspace is untrusted.`);
          return { ...failedResult(UNTRUSTED_ERROR, started), ...emptyResult };
        }
        if (typeof params?.uri !== "string") return { ...failedResult(`${method} needs a "uri" parameter.`, started), ...emptyResult };
        const context: CommandContext = { workspace: options.workspace(), warehouse, databaseDiagnostics, editor, personalPrefix, signal: signalOf(token) };
        editor.logInfo(`${method} ${params.uri}`);
        return await handler(context, params);
      } catch (error) {
        const message = warehouse.redact(error instanceof Error ? error.message : String(error));
        editor.logError(`${method} failed: ${warehouse.redact(error instanceof Error ? (error.stack ?? message) : message)}`);
        return { ...failedResult(`${method} failed: ${message}`, started), ...emptyResult };
      }
    });
  };

  bind<ViewCommandParams, DatabaseCommandResult>(DRY_RUN_VIEW_REQUEST, (context, params) => dryRunView(context, params.uri));
  bind<ViewCommandParams, DatabaseCommandResult>(SYNC_VIEW_PERSONAL_REQUEST, (context, params) => syncViewPersonal(context, params.uri));
  bind<ProjectCommandParams, DatabaseCommandResult>(DRY_RUN_PROJECT_REQUEST, (context, params) => dryRunProject(context, params.uri));
  bind<ProjectCommandParams, DatabaseCommandResult>(PULL_CATALOG_REQUEST, (context, params) => pullCatalog(context, params.uri));
  bind<ViewCommandParams, PreviewRowsResult>(PREVIEW_ROWS_REQUEST, (context, params) => previewRows(context, params.uri), { columns: [], rows: [], limit: PREVIEW_ROW_LIMIT });

  connection.onRequest(SET_CONNECTION_REQUEST, async (params: SetConnectionParams): Promise<ConnectionStatusParams> => {
    if (!trusted()) {
      editor.logWarning(`${SET_CONNECTION_REQUEST} ignored: the workspace is untrusted, so no database is contacted.`);
      return { state: "untrusted", description: "untrusted workspace", message: UNTRUSTED_ERROR };
    }
    const prefix = typeof params?.personalPrefix === "string" ? params.personalPrefix.trim() : "";
    if (prefix && !isValidPersonalPrefix(prefix)) {
      editor.logWarning(`syncedViews.personalPrefix "${prefix}" is not a lower-case identifier; the project's prefix is used instead.`);
      personalPrefix = undefined;
    } else {
      personalPrefix = prefix || undefined;
    }
    const settings = typeof params?.settings === "object" && params.settings !== null ? params.settings : {};
    return warehouse.configure({ settings, password: typeof params?.password === "string" ? params.password : undefined });
  });

  return {
    warehouse,
    dispose: () => warehouse.close(),
  };
}
