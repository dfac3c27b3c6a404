/**
 * The child process that hosts PGlite (PostgreSQL compiled to WASM). EmbeddedPostgres forks
 * this script so PGlite's memory (about 750 MB resident) never lands in the caller's process.
 *
 * Argument: an optional data directory. Without one, the database lives in memory.
 * Protocol: see embedded-protocol.ts. Requests run one at a time, in the order they arrive.
 */
import { inspect } from "node:util";
import type { PGlite } from "@electric-sql/pglite" with { "resolution-mode": "import" };
import type { HostError, HostMessage, HostReply, HostRequest } from "./embedded-protocol";
import { parsePosition } from "./session";

/** OID of PostgreSQL's bigint (int8) type in pg_type. */
const INT8_OID = 20;

/** How long a clean PGlite shutdown may take after the parent disconnects, in milliseconds. */
const SHUTDOWN_GRACE_MS = 3000;

let database: PGlite | undefined;
let queue: Promise<void> = Promise.resolve();

function send(message: HostMessage, callback?: () => void): void {
  // The parent may already have exited, and then the message has no receiver.
  if (!process.connected || !process.send) {
    callback?.();
    return;
  }
  process.send(message, undefined, {}, () => callback?.());
}

function toHostError(error: unknown): HostError {
  if (typeof error !== "object" || error === null) return { message: String(error) };
  const report = error as Record<string, unknown>;
  const message = typeof report.message === "string" ? report.message : String(error);
  if (typeof report.code !== "string") return { message };

  // PGlite 0.5.16 reports `position` as a decimal string, counted in characters (code points)
  // from the start of the whole text, exactly as PostgreSQL sends it over the wire.
  const hostError: HostError = { message, sqlState: report.code };
  const position = parsePosition(report.position);
  if (position !== undefined) hostError.position = position;
  for (const key of ["detail", "hint", "where"] as const) {
    const value = report[key];
    if (typeof value === "string" && value !== "") hostError[key] = value;
  }
  return hostError;
}

async function handle(request: HostRequest, db: PGlite): Promise<HostReply> {
  switch (request.kind) {
    case "query": {
      const result = await db.query<Record<string, unknown>>(request.text, request.params);
      const fields = result.fields.map((field) => ({ name: field.name, dataTypeID: field.dataTypeID }));
      return { id: request.id, rows: result.rows, fields };
    }
    case "exec":
      await db.exec(request.text);
      return { id: request.id, rows: [], fields: [] };
    case "close":
      await db.close();
      return { id: request.id, rows: [], fields: [] };
  }
}

function receive(request: HostRequest): void {
  queue = queue.then(async () => {
    if (!database) {
      send({ id: request.id, error: { message: "the embedded PostgreSQL host received a request before it was ready" } });
      return;
    }
    let reply: HostReply;
    try {
      reply = await handle(request, database);
    } catch (error) {
      reply = { id: request.id, error: toHostError(error) };
    }
    if (request.kind === "close") {
      send(reply, () => process.exit(0));
    } else {
      send(reply);
    }
  });
}

/** Shuts PGlite down (bounded by SHUTDOWN_GRACE_MS) and exits, because the parent is gone. */
function exitAfterDisconnect(): void {
  setTimeout(() => process.exit(0), SHUTDOWN_GRACE_MS);
  const closing = database && !database.closed ? database.close() : Promise.resolve();
  closing.then(
    () => process.exit(0),
    () => process.exit(0),
  );
}

async function main(): Promise<void> {
  if (!process.send) {
    process.stderr.write("embedded-host must be started with child_process.fork, which opens the IPC channel it reads requests from\n");
    process.exit(2);
  }
  process.on("disconnect", exitAfterDisconnect);
  process.on("message", (message) => receive(message as HostRequest));

  const dataDir = process.argv[2] || undefined;
  try {
    // import() loads PGlite's ES module build from this CommonJS file, and esbuild keeps it
    // as import() when the package is external.
    const { PGlite } = await import("@electric-sql/pglite");
    // bigint values arrive as strings, as the `pg` client returns them, so code that reads
    // counts or ids behaves the same on both backends. PGlite's own default is a number
    // (a BigInt above 2^53).
    database = await PGlite.create({ dataDir, parsers: { [INT8_OID]: (value: string) => value } });
    const version = await database.query<{ version: string }>("SELECT version()");
    send({ kind: "ready", version: version.rows[0]?.version ?? "" });
  } catch (error) {
    // PGlite rejects with plain objects for some failures (an Emscripten file system error for
    // a data directory that is a file), so those are printed with inspect().
    const message = error instanceof Error ? error.message : inspect(error, { depth: 2, breakLength: Infinity });
    const where = dataDir ? `data directory ${dataDir}` : "an in-memory database";
    send({ kind: "startup-error", message: `PGlite failed to start with ${where}: ${message}` }, () => process.exit(1));
  }
}

void main();
