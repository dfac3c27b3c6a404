/**
 * Custom messages between the Synced Views client and language server, declared once here so
 * both sides agree on method names and payloads. Every method starts with "syncedViews/".
 * It imports nothing: each side builds its typed message from the method name with its own
 * vscode-jsonrpc, because the project contains more than one copy of that package
 * (vscode-languageserver 9 brings its own) and message classes of different copies do not
 * type-check against each other.
 */

/** Summary of one indexed project folder. */
export interface ProjectIndexedParams {
  /** URI of the project directory (a workspace folder). */
  folderUri: string;
  /** Number of view files the project has. */
  views: number;
  errors: number;
  warnings: number;
  /** False when the workspace is untrusted, so templates were not rendered. */
  trusted: boolean;
  /** Wall time of the indexing in milliseconds. */
  durationMs: number;
  /** The reason the folder could not be loaded as a project, after a failed load. */
  loadError?: string;
}

/**
 * Sent by the server after it indexed (or re-indexed) a project folder and published its
 * diagnostics, so the client can update its status bar and tests know indexing is done.
 */
export const PROJECT_INDEXED_NOTIFICATION = "syncedViews/projectIndexed";

export interface RenderedSqlParams {
  /** URI of a view template. */
  uri: string;
}

export interface RenderedSqlResult {
  /** The view as "schema.view". */
  view: string;
  /** The rendered SQL, or undefined when the template does not render. */
  sql?: string;
  /** Why there is no SQL: a template error, or an untrusted workspace. */
  reason?: string;
}

/**
 * Sent by the client for its "Show rendered SQL" command: the server renders the view's
 * template (open editors' text first) and returns the SQL, or null for a file that is no view.
 */
export const RENDERED_SQL_REQUEST = "syncedViews/renderedSql";
