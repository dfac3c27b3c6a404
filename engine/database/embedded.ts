/**
 * The embedded PostgreSQL: PGlite (PostgreSQL 18 compiled to WASM) running in a child process.
 * PGlite needs about 750 MB of memory, so it lives in a forked host (embedded-host.ts) and is
 * reached over the IPC channel. The engine dry-runs views on it when no warehouse is configured.
 */
import { fork, type ChildProcess } from "node:child_process";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import type { HostMessage, HostReply, HostRequest } from "./embedded-protocol";
import { DatabaseError, type QueryResult, type SqlSession } from "./session";

export interface EmbeddedPostgresOptions {
  /** Stops the child after this many milliseconds without requests. Default: no timeout. */
  idleTimeoutMs?: number;
  /** A directory for PGlite's data files, created when missing. Default: an in-memory database. */
  dataDir?: string;
}

/** The reason an EmbeddedPostgres no longer accepts requests. */
export type StopReason = "closed" | "idle" | "exited";

/** Rejects requests made after the child process stopped, whether it crashed, idled out or was closed. */
export class EmbeddedPostgresStoppedError extends Error {
  readonly reason: StopReason;
  /** The child's exit code, or null when a signal ended it or it has not exited yet. */
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;

  constructor(message: string, reason: StopReason, exitCode: number | null = null, signal: NodeJS.Signals | null = null) {
    super(message);
    this.name = "EmbeddedPostgresStoppedError";
    this.reason = reason;
    this.exitCode = exitCode;
    this.signal = signal;
  }
}

/** How long close() waits for the child to exit on its own before killing it, in milliseconds. */
const CLOSE_GRACE_MS = 5000;

/** How much of the child's recent stdout and stderr a crash message quotes, in characters. */
const OUTPUT_TAIL_LENGTH = 2000;

/** Starts a PGlite host process and resolves once PostgreSQL accepts queries (about 3 s in memory). */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions = {}): Promise<EmbeddedPostgres> {
  const database = new EmbeddedPostgres(options);
  await database.ready;
  return database;
}

interface PendingRequest {
  request: HostRequest;
  resolve: (result: QueryResult<Record<string, unknown>>) => void;
  reject: (error: Error) => void;
}

/**
 * A session on one PGlite host process. Requests run one at a time in the order they were made.
 * Each instance owns its own child and database, so separate instances share no state.
 * Once the child stops (close(), the idle timeout or a crash), every request rejects with an
 * EmbeddedPostgresStoppedError, and a new instance from startEmbeddedPostgres() is needed.
 */
export class EmbeddedPostgres implements SqlSession {
  /** The host child's process id. It keeps its value after the child exits. */
  readonly pid: number;
  /** PostgreSQL's version() string, known once `ready` resolves. */
  version = "";
  /** Resolves when PGlite accepts queries. Rejects when the child fails to start. */
  readonly ready: Promise<void>;

  private readonly child: ChildProcess;
  private readonly idleTimeoutMs: number | undefined;
  private readonly queue: PendingRequest[] = [];
  private active: PendingRequest | undefined;
  private nextId = 1;
  private started = false;
  private stopped: EmbeddedPostgresStoppedError | undefined;
  private closing: Promise<void> | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private outputTail = "";
  private exitHandled = false;
  private readonly exited: Promise<void>;

  /** Forks the host process. Prefer startEmbeddedPostgres(), which also waits for `ready`. */
  constructor(options: EmbeddedPostgresOptions = {}) {
    this.idleTimeoutMs = options.idleTimeoutMs;
    const host = locateHost();
    this.child = fork(host.modulePath, options.dataDir ? [options.dataDir] : [], {
      execArgv: host.execArgv,
      // The child's stdout must never reach ours, because the language server's stdout carries
      // its protocol, so both streams are piped and kept only for crash messages.
      stdio: ["ignore", "pipe", "pipe", "ipc"],
      serialization: "advanced",
    });
    this.pid = this.child.pid ?? -1;

    let exitedResolve: () => void = () => {};
    this.exited = new Promise((resolve) => (exitedResolve = resolve));
    this.ready = new Promise<void>((resolve, reject) => {
      this.child.on("message", (message) => this.receive(message as HostMessage, resolve, reject));
      this.child.on("exit", (code, signal) => {
        this.onExit(code, signal);
        reject(this.stopped);
        exitedResolve();
      });
      this.child.on("error", (error) => {
        // Emitted when the fork fails (then pid is undefined and an exit event may not follow)
        // or when a message cannot be sent, which the exit event reports.
        if (this.child.pid === undefined) {
          this.onExit(null, null, `the embedded PostgreSQL host could not be started: ${error.message}`);
          reject(this.stopped);
          exitedResolve();
        }
      });
    });
    // A caller that never awaits `ready` (it awaits a query instead) must not see an unhandled rejection.
    this.ready.catch(() => {});

    this.child.stdout?.on("data", (chunk: Buffer) => this.recordOutput(chunk));
    this.child.stderr?.on("data", (chunk: Buffer) => this.recordOutput(chunk));
    // The pipes close when the child exits, and must not keep the caller alive while it idles.
    unrefStream(this.child.stdout);
    unrefStream(this.child.stderr);
  }

  /** True until the child stops. */
  get running(): boolean {
    return this.stopped === undefined;
  }

  async query<R = Record<string, unknown>>(text: string, params?: unknown[]): Promise<QueryResult<R>> {
    const request: HostRequest = params === undefined
      ? { id: this.nextId++, kind: "query", text }
      : { id: this.nextId++, kind: "query", text, params };
    return (await this.enqueue(request)) as QueryResult<R>;
  }

  async exec(text: string): Promise<void> {
    await this.enqueue({ id: this.nextId++, kind: "exec", text });
  }

  /**
   * Lets the requests already made finish, shuts PGlite down, and resolves when the child has
   * exited. Kills the child when it has not exited CLOSE_GRACE_MS after the close request.
   */
  close(): Promise<void> {
    return this.stop("closed", "the embedded PostgreSQL session is closed. Start a new one with startEmbeddedPostgres().");
  }

  private stop(reason: StopReason, message: string): Promise<void> {
    if (this.closing) return this.closing;
    if (this.stopped) return this.exited;

    this.clearIdleTimer();
    // The event loop stays alive until the child exits, so close() resolves before a CLI ends.
    this.holdEventLoop();
    const closeRequest = this.enqueue({ id: this.nextId++, kind: "close" });
    // Requests made from now on reject. Those already queued still run before the close request.
    this.stopped = new EmbeddedPostgresStoppedError(message, reason);

    this.closing = closeRequest.then(
      () => this.waitForExit(),
      () => this.waitForExit(),
    );
    return this.closing;
  }

  private async waitForExit(): Promise<void> {
    const timer = setTimeout(() => this.child.kill("SIGKILL"), CLOSE_GRACE_MS);
    await this.exited;
    clearTimeout(timer);
  }

  private enqueue(request: HostRequest): Promise<QueryResult<Record<string, unknown>>> {
    if (this.stopped) return Promise.reject(this.stopped);
    return new Promise((resolve, reject) => {
      this.queue.push({ request, resolve, reject });
      this.sendNext();
    });
  }

  private sendNext(): void {
    if (!this.started || this.active || this.queue.length === 0) return;
    if (this.child.exitCode !== null || this.child.signalCode !== null || !this.child.connected) return;

    this.clearIdleTimer();
    const pending = this.queue.shift()!;
    this.active = pending;
    // A request in flight keeps the event loop alive, so `await db.query()` in a CLI completes.
    this.holdEventLoop();
    try {
      this.child.send(pending.request, (error) => {
        // A failed send means the channel closed, and the exit event rejects the request.
        if (error) this.recordOutput(Buffer.from(`\nIPC send failed: ${error.message}\n`));
      });
    } catch (error) {
      // Serialization fails synchronously, e.g. for a function among the parameters.
      this.active = undefined;
      pending.reject(error instanceof Error ? error : new Error(String(error)));
      this.afterRequest();
    }
  }

  private receive(message: HostMessage, resolveReady: () => void, rejectReady: (error: Error) => void): void {
    if ("kind" in message) {
      if (message.kind === "ready") {
        this.started = true;
        this.version = message.version;
        resolveReady();
        this.afterRequest();
      } else {
        rejectReady(new Error(message.message));
      }
      return;
    }
    this.settle(message);
  }

  private settle(reply: HostReply): void {
    const pending = this.active;
    if (!pending || pending.request.id !== reply.id) return;
    this.active = undefined;

    if ("error" in reply) {
      const { message, sqlState, ...fields } = reply.error;
      pending.reject(sqlState ? new DatabaseError(message, sqlState, fields) : new Error(message));
    } else {
      pending.resolve({ rows: reply.rows, fields: reply.fields });
    }
    this.afterRequest();
  }

  private afterRequest(): void {
    if (this.queue.length > 0) {
      this.sendNext();
      return;
    }
    if (!this.closing) {
      this.releaseEventLoop();
      this.startIdleTimer();
    }
  }

  private onExit(code: number | null, signal: NodeJS.Signals | null, failure?: string): void {
    if (this.exitHandled) return;
    this.exitHandled = true;
    this.clearIdleTimer();

    const exitDescription = signal ? `exited with signal ${signal}` : `exited with code ${code}`;
    const output = this.outputTail.trim();
    const message = failure ?? `the embedded PostgreSQL process ${exitDescription} (pid ${this.pid})` +
      (output ? `. Its last output: ${output}` : "") +
      ". Start a new one with startEmbeddedPostgres().";
    const exitError = new EmbeddedPostgresStoppedError(message, "exited", code, signal);
    // After close() or the idle timeout, later requests keep getting that reason.
    this.stopped ??= exitError;

    const unanswered = this.active ? [this.active, ...this.queue] : [...this.queue];
    this.active = undefined;
    this.queue.length = 0;
    for (const pending of unanswered) {
      // A close request that lost its reply still succeeded once the child is gone.
      if (pending.request.kind === "close") pending.resolve({ rows: [], fields: [] });
      else pending.reject(exitError);
    }
  }

  private startIdleTimer(): void {
    if (this.idleTimeoutMs === undefined || this.stopped) return;
    const timeout = this.idleTimeoutMs;
    this.idleTimer = setTimeout(() => {
      this.idleTimer = undefined;
      if (this.active || this.queue.length > 0) return;
      void this.stop("idle", `the embedded PostgreSQL process was stopped after ${timeout} ms without requests. ` +
        "Start a new one with startEmbeddedPostgres().");
    }, timeout);
    this.idleTimer.unref();
  }

  private clearIdleTimer(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
  }

  /**
   * Keeps the event loop alive while the start-up, a request or close() is in flight. Both handles
   * count: the channel delivers replies, and the process handle delivers the exit event
   * after the channel has closed.
   */
  private holdEventLoop(): void {
    this.child.ref();
    this.child.channel?.ref();
  }

  /** Lets the caller's process exit while the child sits idle. The child then exits on disconnect. */
  private releaseEventLoop(): void {
    this.child.unref();
    this.child.channel?.unref();
  }

  private recordOutput(chunk: Buffer): void {
    this.outputTail = (this.outputTail + chunk.toString("utf8")).slice(-OUTPUT_TAIL_LENGTH);
  }
}

/** Unreferences a piped child stream. child_process pipes are net.Socket instances, which have unref(). */
function unrefStream(stream: unknown): void {
  const socket = stream as { unref?: () => void } | null;
  socket?.unref?.();
}

/**
 * Finds the host script. Under tsx (tests, scripts) this module is a .ts file and the host is its
 * TypeScript neighbour, loaded through tsx. In a bundle, the build writes embedded-host.js next
 * to the bundle, with @electric-sql/pglite left external.
 */
function locateHost(): { modulePath: string; execArgv: string[] } {
  if (__filename.endsWith(".ts")) {
    // An absolute URL, because a bare "tsx" would resolve from the working directory. The name
    // sits in a variable so bundlers do not try to resolve tsx, which a bundle never loads.
    const tsxPackage = "tsx";
    const tsxLoader = pathToFileURL(require.resolve(tsxPackage)).href;
    return { modulePath: path.join(__dirname, "embedded-host.ts"), execArgv: ["--import", tsxLoader] };
  }
  return { modulePath: path.join(__dirname, "embedded-host.js"), execArgv: [] };
}
