/**
 * The connection to the warehouse. It is built from the client's settings and password, or from
 * PG* variables and ~/.pgpass when the settings are empty. It opens on first use and serves the
 * commands one at a time. After a failed attempt it is not tried again until a back-off delay
 * has passed, so an unreachable warehouse costs one message instead of one per command.
 */
import type { Client } from "pg";
import { connect, ConnectionError, redactSecrets, resolveConnection, type ResolvedConnection } from "../../../engine/database/connection";
import { describeError, type EditorPort } from "../editor";
import type { ConnectionStatusParams, SetConnectionParams, WarehouseSettings } from "../messages";
import { hasWarehouseSettings, validateWarehouseSettings } from "./connection-string";

/** Delay before the first retry after a failed connection attempt; it doubles per failure. */
export const FIRST_RETRY_DELAY_MS = 5_000;
export const MAX_RETRY_DELAY_MS = 60_000;

const APPLICATION_NAME = "synced-views (editor)";

/** A command that needs the warehouse while it cannot be used; the message explains why and what to do. */
export class WarehouseUnavailableError extends Error {}

export interface WarehouseOptions {
  editor: EditorPort;
  /** Called when the connection state changes. */
  onStatus: (status: ConnectionStatusParams) => void;
  /** Environment for PG* variables, DATABASE_URL and ~/.pgpass; process.env by default. */
  env?: NodeJS.ProcessEnv;
  /** Clock, replaceable in tests of the back-off. */
  now?: () => number;
}

export class Warehouse {
  private readonly editor: EditorPort;
  private readonly onStatus: (status: ConnectionStatusParams) => void;
  private readonly env: NodeJS.ProcessEnv;
  private readonly now: () => number;
  private settings: WarehouseSettings = {};
  private password: string | undefined;
  private client: Client | undefined;
  private failures = 0;
  private retryAt = 0;
  private lastFailure: string | undefined;
  private current: ConnectionStatusParams;
  /** Commands run one at a time on the shared client, because a sync keeps a transaction open. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(options: WarehouseOptions) {
    this.editor = options.editor;
    this.onStatus = options.onStatus;
    this.env = options.env ?? process.env;
    this.now = options.now ?? Date.now;
    this.current = this.idleStatus();
  }

  get status(): ConnectionStatusParams {
    return this.current;
  }

  /**
   * Replaces the settings and password, resets the back-off, and closes the open connection once
   * the commands queued on it have finished. Ending it at once would abort a running dry run or
   * sync with "Connection terminated". The next command connects with the new settings.
   */
  async configure(params: Pick<SetConnectionParams, "settings" | "password">): Promise<ConnectionStatusParams> {
    this.settings = { ...params.settings };
    this.password = params.password || undefined;
    this.failures = 0;
    this.retryAt = 0;
    this.lastFailure = undefined;
    const previous = this.client;
    this.client = undefined;
    if (previous) this.queue = this.queue.then(() => previous.end().catch(() => undefined));
    this.setStatus(this.idleStatus());
    this.editor.logInfo(`Warehouse connection set: ${this.describeStatus(this.current)}.`);
    return this.current;
  }

  /**
   * Resolves the connection from the settings, or from the environment when no setting is given.
   * Returns undefined when neither names a server; throws ConnectionError for invalid settings.
   */
  resolve(): ResolvedConnection | undefined {
    const problem = validateWarehouseSettings(this.settings);
    if (problem) throw new ConnectionError("other", problem);
    if (!hasWarehouseSettings(this.settings)) {
      const env = this.password ? { ...this.env, PGPASSWORD: this.password } : this.env;
      return resolveConnection({ env, applicationName: APPLICATION_NAME });
    }
    // The settings take the place of PG* variables, so libpq's precedence (explicit string, then
    // PG* variables, then defaults) applies to them; DATABASE_URL must not override them.
    const env: NodeJS.ProcessEnv = { ...this.env };
    delete env.DATABASE_URL;
    const assign = (name: string, value: string | number | undefined) => {
      if (value !== undefined && value !== "") env[name] = String(value);
    };
    assign("PGHOST", this.settings.host);
    assign("PGPORT", this.settings.port);
    assign("PGDATABASE", this.settings.database);
    assign("PGUSER", this.settings.user);
    assign("PGSSLMODE", this.settings.sslmode);
    if (this.password) env.PGPASSWORD = this.password;
    return resolveConnection({ url: this.settings.connectionString || undefined, env, applicationName: APPLICATION_NAME });
  }

  /** Returns true when a warehouse is configured (settings or environment), even an unreachable one. */
  isConfigured(): boolean {
    try {
      return this.resolve() !== undefined;
    } catch {
      return true;
    }
  }

  /**
   * Runs `task` with the warehouse connection, connecting first when needed. Tasks run one at a
   * time. Throws WarehouseUnavailableError when the warehouse cannot be used; errors of the task
   * itself pass through.
   */
  use<T>(task: (client: Client, description: string) => Promise<T>): Promise<T> {
    const run = this.queue.then(async () => {
      const { client, description } = await this.connected();
      try {
        return await task(client, description);
      } catch (error) {
        if (isConnectionFailure(error)) {
          // A network failure leaves the client unusable; the next command connects again.
          this.editor.logWarning(`The warehouse connection failed during a command and will be opened again: ${this.redact(describeError(error))}`);
          await this.closeClient();
          this.setStatus(this.idleStatus());
        }
        throw error;
      }
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  /**
   * Opens a second, short-lived connection and cancels the query of backend `pid` with
   * pg_cancel_backend. Returns false when that was not possible.
   */
  async cancelBackend(pid: number): Promise<boolean> {
    let resolved: ResolvedConnection | undefined;
    try {
      resolved = this.resolve();
      if (!resolved) return false;
      const client = await connect(resolved);
      try {
        const result = await client.query<{ cancelled: boolean }>("SELECT pg_cancel_backend($1) AS cancelled", [pid]);
        return Boolean(result.rows[0]?.cancelled);
      } finally {
        await client.end().catch(() => undefined);
      }
    } catch (error) {
      this.editor.logWarning(`Cancelling the warehouse query of backend ${pid} failed: ${this.redact(error instanceof Error ? error.message : String(error))}`);
      return false;
    }
  }

  async close(): Promise<void> {
    await this.closeClient();
  }

  /** Removes the stored password and any password in URLs or keyword strings from a text. */
  redact(text: string): string {
    return redactSecrets(text, this.password);
  }

  private async connected(): Promise<{ client: Client; description: string }> {
    let resolved: ResolvedConnection | undefined;
    try {
      resolved = this.resolve();
    } catch (error) {
      const message = this.redact(error instanceof Error ? error.message : String(error));
      this.setStatus({ state: "invalid", description: "invalid connection settings", message });
      throw new WarehouseUnavailableError(message);
    }
    if (!resolved) throw new WarehouseUnavailableError("No warehouse is configured. Set syncedViews.connection.* in the settings, or PGHOST/PGDATABASE/PGUSER in the environment.");
    for (const warning of resolved.warnings) this.editor.logWarning(`Warehouse connection: ${warning}`);
    if (this.client) return { client: this.client, description: resolved.description };

    const waitMs = this.retryAt - this.now();
    if (waitMs > 0) {
      throw new WarehouseUnavailableError(`${this.lastFailure ?? `The warehouse ${resolved.description} is unreachable.`} Next attempt in ${Math.ceil(waitMs / 1000)} s.`);
    }

    this.editor.logInfo(`Connecting to the warehouse ${resolved.description}.`);
    try {
      const client = await connect(resolved);
      client.on("error", (error) => {
        // Emitted for a connection lost while idle; without a listener it would crash the server.
        this.editor.logWarning(`The warehouse connection to ${resolved.description} was lost: ${this.redact(error.message)}`);
        if (this.client === client) {
          this.client = undefined;
          this.setStatus(this.idleStatus());
        }
      });
      this.client = client;
      this.failures = 0;
      this.retryAt = 0;
      this.lastFailure = undefined;
      this.setStatus({ state: "connected", description: resolved.description });
      this.editor.logInfo(`Connected to the warehouse ${resolved.description}.`);
      return { client, description: resolved.description };
    } catch (error) {
      this.failures++;
      const delay = Math.min(FIRST_RETRY_DELAY_MS * 2 ** (this.failures - 1), MAX_RETRY_DELAY_MS);
      this.retryAt = this.now() + delay;
      const reason = this.explain(error);
      this.lastFailure = reason;
      this.editor.logError(`${reason} Attempt ${this.failures}; next attempt in ${delay / 1000} s.`);
      this.setStatus({ state: "unreachable", description: resolved.description, message: reason, retryInMs: delay });
      throw new WarehouseUnavailableError(reason);
    }
  }

  /** Turns a connection failure into one message, with the hint adjusted for the editor's password storage. */
  private explain(error: unknown): string {
    let message = error instanceof Error ? error.message : String(error);
    if (this.password) {
      // The stored password reaches the engine as PGPASSWORD, but the user set it through the editor.
      message = message.replace("Check PGPASSWORD.", 'Check the password stored with "Synced Views: Set Warehouse Password".');
    }
    message = message.charAt(0).toUpperCase() + message.slice(1);
    return this.redact(message.endsWith(".") ? message : `${message}.`);
  }

  private idleStatus(): ConnectionStatusParams {
    let resolved: ResolvedConnection | undefined;
    try {
      resolved = this.resolve();
    } catch (error) {
      return { state: "invalid", description: "invalid connection settings", message: this.redact(error instanceof Error ? error.message : String(error)) };
    }
    if (!resolved) return { state: "embedded", description: "embedded PostgreSQL" };
    return { state: this.client ? "connected" : "configured", description: resolved.description };
  }

  private setStatus(status: ConnectionStatusParams): void {
    const previous = this.current;
    this.current = status;
    if (previous && previous.state === status.state && previous.description === status.description && previous.message === status.message) return;
    this.onStatus(status);
  }

  private describeStatus(status: ConnectionStatusParams): string {
    return status.message ? `${status.state}, ${status.description} (${status.message})` : `${status.state}, ${status.description}`;
  }

  private async closeClient(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (client) await client.end().catch(() => undefined);
  }
}

/** True for an error PostgreSQL reported (it has a SQLSTATE), after which the connection still works. */
/**
 * Returns whether an error means the connection itself broke (a socket error or pg's
 * "Connection terminated"), as opposed to PostgreSQL rejecting a statement or a command failing
 * on its own, after which the connection is still good.
 */
function isConnectionFailure(error: unknown): boolean {
  if (isServerError(error)) return false;
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === "string" && /^E[A-Z]+$/.test(code)) return true;
  const message = error instanceof Error ? error.message : String(error);
  return /connection terminated|connection error|not queryable|socket/i.test(message);
}

function isServerError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && /^[0-9A-Z]{5}$/.test(code);
}
