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

/**
 * Warehouse connection settings as the client reads them from `syncedViews.connection.*`.
 * They never contain a password: the password travels separately, from the client's secret storage.
 */
export interface WarehouseSettings {
  host?: string;
  port?: number;
  database?: string;
  user?: string;
  /** libpq sslmode: disable, allow, prefer, require, verify-ca or verify-full. */
  sslmode?: string;
  /** A libpq URL (postgres://user@host/db) or keyword=value string, without a password. */
  connectionString?: string;
}

export interface SetConnectionParams {
  settings: WarehouseSettings;
  /** The password from the client's secret storage; kept in the server's memory only. */
  password?: string;
  /** `syncedViews.personalPrefix`; empty means the project's or the default prefix. */
  personalPrefix?: string;
}

/** The state of the warehouse connection, as the status bar shows it. */
export type ConnectionState = "untrusted" | "embedded" | "configured" | "connected" | "unreachable" | "invalid";

export interface ConnectionStatusParams {
  state: ConnectionState;
  /** "user@host:port/database" for a warehouse, never with a password. */
  description: string;
  /** The reason for the unreachable or invalid state. */
  message?: string;
  /** For unreachable: milliseconds until the server tries to connect again. */
  retryInMs?: number;
}

/**
 * Sent by the client at start and whenever the connection settings, the stored password or the
 * personal prefix change, so the server connects with them instead of PG* variables and ~/.pgpass.
 * The result is the new connection status.
 */
export const SET_CONNECTION_REQUEST = "syncedViews/setConnection";

/**
 * Sent by the server when the warehouse connection changes state (connected, unreachable, ...),
 * so the client can update its status bar and warn once instead of on every command.
 */
export const CONNECTION_STATUS_NOTIFICATION = "syncedViews/connectionStatus";

export interface ViewCommandParams {
  /** URI of a view template. */
  uri: string;
}

export interface ProjectCommandParams {
  /** URI of the project folder or of any file in it. */
  uri: string;
}

/** One step of a dry run or sync plan. */
export interface CommandAction {
  /** The database object, "schema.name". */
  view: string;
  action: "create" | "replace" | "recreate" | "drop" | "unchanged";
  reason: string;
}

/** The result every database command returns. */
export interface DatabaseCommandResult {
  ok: boolean;
  /** One line for a notification, e.g. "Dry run passed: 2 replace, 1 unchanged". */
  summary: string;
  actions: CommandAction[];
  error?: string;
  durationMs: number;
  /** The database the command ran on: the configured warehouse or the embedded PostgreSQL. */
  database?: "warehouse" | "embedded";
  /** Number of PostgreSQL errors published as `database/error` diagnostics. */
  databaseErrors?: number;
}

export interface PreviewColumn {
  name: string;
  /** The column type as format_type() prints it, e.g. "numeric(12,2)". */
  type: string;
}

export interface PreviewRowsResult extends DatabaseCommandResult {
  view?: string;
  columns: PreviewColumn[];
  /** Each value as PostgreSQL's text form (JSON for json columns), or null for SQL NULL. */
  rows: (string | null)[][];
  /** The row limit of the preview; more rows may exist when rows.length equals it. */
  limit: number;
}

/**
 * Sent by the client for "Dry Run Current View": the server dry-runs the view with every view
 * downstream of it (rolled back) on the warehouse, or on the embedded PostgreSQL without one.
 */
export const DRY_RUN_VIEW_REQUEST = "syncedViews/dryRunView";

/** Sent by the client for "Sync Current View to Personal Schema" and on save with `syncedViews.syncOnSave`. */
export const SYNC_VIEW_PERSONAL_REQUEST = "syncedViews/syncViewPersonal";

/** Sent by the client for "Preview Rows": the server returns the first rows of the view's current query. */
export const PREVIEW_ROWS_REQUEST = "syncedViews/previewRows";

/** Sent by the client for "Dry Run Project": the server dry-runs every view of one project. */
export const DRY_RUN_PROJECT_REQUEST = "syncedViews/dryRunProject";

/** Sent by the client for "Pull Catalog": the server writes catalog/ from the warehouse's system catalogs. */
export const PULL_CATALOG_REQUEST = "syncedViews/pullCatalog";
