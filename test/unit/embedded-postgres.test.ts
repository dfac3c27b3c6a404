import { strict as assert } from "node:assert";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import { pathToFileURL } from "node:url";
import { EmbeddedPostgres, EmbeddedPostgresStoppedError, startEmbeddedPostgres } from "../../engine/database/embedded";
import { DatabaseError, toDatabaseError } from "../../engine/database/session";

/** True while the process exists and is not a zombie waiting for its parent to reap it. */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  const statPath = `/proc/${pid}/stat`;
  if (!existsSync(statPath)) return true;
  // The state letter follows the parenthesised command name, which may itself contain spaces.
  const stat = readFileSync(statPath, "utf8");
  return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
}

async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return !isAlive(pid);
}

/** 1-based code point position of `needle` in `text`, the unit PostgreSQL's error position uses. */
function codePointPosition(text: string, needle: string): number {
  const index = text.indexOf(needle);
  assert.ok(index >= 0, `${needle} not found in ${text}`);
  return [...text.slice(0, index)].length + 1;
}

describe("embedded PostgreSQL", () => {
  let db: EmbeddedPostgres;

  before(async () => {
    db = await startEmbeddedPostgres();
  });

  after(async () => {
    await db?.close();
  });

  test("creates a view and returns its rows", async () => {
    await db.exec(`
      CREATE SCHEMA s;
      CREATE TABLE s.t (id int, name text, amount bigint);
      INSERT INTO s.t VALUES (1, 'a', 10), (2, 'b', 20);
      CREATE VIEW s.v AS SELECT id, upper(name) AS name, amount * 2 AS doubled FROM s.t`);

    const result = await db.query<{ id: number; name: string; doubled: string }>(
      "SELECT id, name, doubled FROM s.v WHERE id >= $1 ORDER BY id", [1]);

    assert.deepEqual(result.rows, [
      { id: 1, name: "A", doubled: "20" },
      { id: 2, name: "B", doubled: "40" },
    ]);
    assert.deepEqual(result.fields.map((field) => field.name), ["id", "name", "doubled"]);
    // int4, text, int8 in pg_type.
    assert.deepEqual(result.fields.map((field) => field.dataTypeID), [23, 25, 20]);
  });

  test("reports an unknown column with SQLSTATE and position", async () => {
    await db.exec("CREATE SCHEMA IF NOT EXISTS s; CREATE TABLE IF NOT EXISTS s.t (id int)");
    // 'é' is one code point but two UTF-8 bytes. '😀' is one code point but two UTF-16 units.
    const cases = [
      "CREATE VIEW s.v_err AS SELECT 'é' AS x, nope FROM s.t",
      "CREATE VIEW s.v_err AS SELECT '😀' AS x, nope FROM s.t",
    ];
    for (const sql of cases) {
      const error = await db.query(sql).then(() => undefined, (caught: unknown) => caught);

      assert.ok(error instanceof DatabaseError, `expected a DatabaseError for ${sql}, got ${String(error)}`);
      assert.equal(error.sqlState, "42703");
      assert.match(error.message, /column "nope" does not exist/);
      assert.equal(error.position, codePointPosition(sql, "nope"), sql);
    }
  });

  test("reports positions from the start of a multi-statement text", async () => {
    const text = "SELECT 1;\nSELECT 'é', missing_column";
    const error = await db.exec(text).then(() => undefined, (caught: unknown) => caught);

    assert.ok(error instanceof DatabaseError);
    assert.equal(error.sqlState, "42703");
    assert.equal(error.position, codePointPosition(text, "missing_column"));
  });

  test("carries detail, hint and where", async () => {
    const error = await db
      .exec("DO $$ BEGIN RAISE EXCEPTION 'failed' USING DETAIL = 'the detail', HINT = 'the hint', ERRCODE = 'P0001'; END $$")
      .then(() => undefined, (caught: unknown) => caught);

    assert.ok(error instanceof DatabaseError);
    assert.equal(error.sqlState, "P0001");
    assert.equal(error.detail, "the detail");
    assert.equal(error.hint, "the hint");
    assert.match(error.where ?? "", /PL\/pgSQL/);
    assert.equal(error.position, undefined);
  });

  test("rolled back transaction leaves nothing", async () => {
    await db.exec("BEGIN");
    await db.exec("CREATE SCHEMA rolled_back; CREATE VIEW rolled_back.v AS SELECT 1 AS x");
    const inside = await db.query("SELECT count(*)::int AS n FROM pg_views WHERE schemaname = 'rolled_back'");
    await db.exec("ROLLBACK");
    const afterwards = await db.query("SELECT count(*)::int AS n FROM pg_namespace WHERE nspname = 'rolled_back'");

    assert.deepEqual(inside.rows, [{ n: 1 }]);
    assert.deepEqual(afterwards.rows, [{ n: 0 }]);
  });

  test("supports the statements a dry run and a sync use", async () => {
    await db.exec("BEGIN");
    try {
      await db.query("SELECT pg_advisory_xact_lock($1::bigint)", ["4242"]);
      await db.exec("SET LOCAL lock_timeout = '5s'");
      assert.deepEqual((await db.query("SHOW lock_timeout")).rows, [{ lock_timeout: "5s" }]);

      await db.exec("CREATE SCHEMA features; CREATE TABLE features.base (id int, label text)");
      await db.exec("CREATE VIEW features.v AS SELECT id, label FROM features.base");
      await db.exec("COMMENT ON VIEW features.v IS 'documented'");
      const comment = await db.query("SELECT obj_description('features.v'::regclass, 'pg_class') AS comment");
      assert.deepEqual(comment.rows, [{ comment: "documented" }]);

      const dependencies = await db.query(`
        SELECT DISTINCT d.refobjid::regclass::text AS referenced
        FROM pg_depend d JOIN pg_rewrite r ON r.oid = d.objid
        WHERE r.ev_class = 'features.v'::regclass AND d.refobjid <> 'features.v'::regclass`);
      assert.deepEqual(dependencies.rows, [{ referenced: "features.base" }]);

      const columns = await db.query(`
        SELECT attname, format_type(atttypid, atttypmod) AS type FROM pg_attribute
        WHERE attrelid = 'features.v'::regclass AND attnum > 0 ORDER BY attnum`);
      assert.deepEqual(columns.rows, [{ attname: "id", type: "integer" }, { attname: "label", type: "text" }]);

      await db.exec("SAVEPOINT before_error");
      await assert.rejects(db.query("SELECT no_such_column FROM features.v"), DatabaseError);
      await db.exec("ROLLBACK TO SAVEPOINT before_error");
      assert.deepEqual((await db.query("SELECT count(*)::int AS n FROM features.v")).rows, [{ n: 0 }]);

      await db.exec("CREATE ROLE features_reader");
      await db.exec("GRANT USAGE ON SCHEMA features TO features_reader; GRANT SELECT ON features.v TO features_reader");
      const privilege = await db.query("SELECT has_table_privilege('features_reader', 'features.v', 'SELECT') AS granted");
      assert.deepEqual(privilege.rows, [{ granted: true }]);
    } finally {
      await db.exec("ROLLBACK");
    }
  });

  test("rejects parameters that cannot be sent", async () => {
    await assert.rejects(db.query("SELECT $1::text", [() => "a function"]), /could not be cloned/);

    assert.deepEqual((await db.query("SELECT 'still answering' AS status")).rows, [{ status: "still answering" }]);
  });

  test("answers concurrent requests in order", async () => {
    const slow = db.query("SELECT pg_sleep(0.2), 'first' AS which");
    const fast = db.query("SELECT 'second' AS which");
    const failing = db.query("SELECT * FROM no_such_table");
    const last = db.query("SELECT 'fourth' AS which");

    const settled = await Promise.allSettled([slow, fast, failing, last]);

    assert.equal(settled[0].status === "fulfilled" && settled[0].value.rows[0].which, "first");
    assert.equal(settled[1].status === "fulfilled" && settled[1].value.rows[0].which, "second");
    assert.equal(settled[2].status === "rejected" && (settled[2].reason as DatabaseError).sqlState, "42P01");
    assert.equal(settled[3].status === "fulfilled" && settled[3].value.rows[0].which, "fourth");
  });
});

describe("embedded PostgreSQL process", () => {
  test("close ends the child", async () => {
    const db = await startEmbeddedPostgres();
    assert.ok(isAlive(db.pid));
    const queuedBeforeClose = db.query("SELECT 'answered' AS status");

    await db.close();

    assert.deepEqual((await queuedBeforeClose).rows, [{ status: "answered" }]);
    assert.throws(() => process.kill(db.pid, 0), /ESRCH/);
    assert.equal(db.running, false);
    await assert.rejects(db.query("SELECT 1"), /session is closed/);
  });

  test("crashed child rejects pending and later requests", async () => {
    const db = await startEmbeddedPostgres();
    // query() sends the request before it returns, so the kill lands while it is in flight.
    const pending = db.query("SELECT pg_sleep(30)");

    process.kill(db.pid, "SIGKILL");

    await assert.rejects(pending, /the embedded PostgreSQL process exited with signal SIGKILL/);
    const later = await db.query("SELECT 1").then(() => undefined, (caught: unknown) => caught);
    assert.ok(later instanceof EmbeddedPostgresStoppedError);
    assert.equal(later.reason, "exited");
    assert.equal(later.signal, "SIGKILL");
    assert.match(later.message, /startEmbeddedPostgres/);
    await db.close();
  });

  test("idle timeout stops the child", async () => {
    const db = await startEmbeddedPostgres({ idleTimeoutMs: 300 });
    await db.query("SELECT 1");

    assert.ok(await waitForExit(db.pid, 10_000), `child ${db.pid} still runs after its idle timeout`);

    const error = await db.query("SELECT 1").then(() => undefined, (caught: unknown) => caught);
    assert.ok(error instanceof EmbeddedPostgresStoppedError);
    assert.equal(error.reason, "idle");
    assert.match(error.message, /stopped after 300 ms without requests/);
  });

  test("data directory persists across restarts", async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), "embedded-postgres-data-"));
    try {
      const first = await startEmbeddedPostgres({ dataDir });
      await first.exec("CREATE SCHEMA kept; CREATE VIEW kept.v AS SELECT 42 AS answer");
      await first.close();

      const second = await startEmbeddedPostgres({ dataDir });
      const result = await second.query("SELECT answer FROM kept.v");
      await second.close();

      assert.deepEqual(result.rows, [{ answer: 42 }]);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  test("child exits when its parent exits without close", async () => {
    // The parent starts the database, runs one query, prints the child's pid and never calls
    // close(). Its event loop must empty by itself, and the child must follow it out.
    const scriptDir = mkdtempSync(path.join(tmpdir(), "embedded-postgres-parent-"));
    const script = path.join(scriptDir, "parent.ts");
    const modulePath = path.resolve(__dirname, "../../engine/database/embedded.ts");
    writeFileSync(script, [
      `import { startEmbeddedPostgres } from ${JSON.stringify(modulePath)};`,
      "startEmbeddedPostgres().then(async (db) => {",
      "  await db.query('SELECT 1');",
      "  process.stdout.write(String(db.pid));",
      "});",
    ].join("\n"));
    try {
      const tsxLoader = pathToFileURL(require.resolve("tsx")).href;
      const parent = spawn(process.execPath, ["--import", tsxLoader, script], { stdio: ["ignore", "pipe", "pipe"] });
      let stdout = "";
      let stderr = "";
      parent.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
      parent.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
      const exitCode = await new Promise<number | null>((resolve) => parent.on("exit", resolve));

      assert.equal(exitCode, 0, stderr);
      const childPid = Number(stdout);
      assert.ok(Number.isInteger(childPid), `parent printed ${JSON.stringify(stdout)}`);
      assert.ok(childPid > 0, `parent printed ${JSON.stringify(stdout)}`);
      assert.ok(await waitForExit(childPid, 10_000), `child ${childPid} still runs after its parent exited`);
    } finally {
      rmSync(scriptDir, { recursive: true, force: true });
    }
  });
});

describe("toDatabaseError", () => {
  test("converts pg error fields", () => {
    const pgError = Object.assign(new Error('column "x" does not exist'), {
      severity: "ERROR", code: "42703", position: "8", detail: "d", hint: "h", where: "w",
    });

    const converted = toDatabaseError(pgError);

    assert.ok(converted instanceof DatabaseError);
    assert.equal(converted.sqlState, "42703");
    assert.equal(converted.position, 8);
    assert.equal(converted.detail, "d");
    assert.equal(converted.hint, "h");
    assert.equal(converted.where, "w");
    assert.equal(converted.message, 'column "x" does not exist');
  });

  test("ignores errors that are not from PostgreSQL", () => {
    const systemError = Object.assign(new Error("write EPIPE"), { code: "EPIPE", syscall: "write" });

    assert.equal(toDatabaseError(systemError), undefined);
    assert.equal(toDatabaseError(new Error("plain")), undefined);
    assert.equal(toDatabaseError("42703"), undefined);
    assert.equal(toDatabaseError(null), undefined);
  });

  test("returns a DatabaseError unchanged", () => {
    const error = new DatabaseError("failed", "42601", { position: 3 });

    assert.equal(toDatabaseError(error), error);
  });
});
