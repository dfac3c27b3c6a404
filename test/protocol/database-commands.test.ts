/**
 * The server's database requests over JSON-RPC against the test PostgreSQL: an in-memory
 * connection pair carries the protocol to a server built from the same parts as main.ts
 * (Workspace, DatabaseDiagnostics, registerDatabaseCommands).
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PassThrough } from "node:stream";
import { after, before, describe, test } from "node:test";
import { pathToFileURL } from "node:url";
import { Client } from "pg";
import { createConnection, TextDocuments } from "vscode-languageserver/node";
import { TextDocument } from "vscode-languageserver-textdocument";
import {
  CancellationTokenSource,
  createProtocolConnection,
  StreamMessageReader,
  StreamMessageWriter,
  type ProtocolConnection,
  type PublishDiagnosticsParams,
} from "vscode-languageserver-protocol/node";
import { registerDatabaseCommands, DatabaseDiagnostics } from "../../server/src/commands";
import { createConnectionEditor } from "../../server/src/editor";
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
  type SetConnectionParams,
} from "../../server/src/messages";
import { readSettings } from "../../server/src/settings";
import { Workspace } from "../../server/src/workspace";
import { createTestDatabase, testPostgres, type TestDatabase } from "../support/postgres";

const VIEWS: Record<string, string> = {
  "templates/core/base.sql": "/* Base rows. */\nselect 1 as id, '<b>x</b>' as name\nunion all select 2, null -- trailing comment\n",
  "templates/core_1/derived.sql": "select b.id, b.name from core.base b;\n",
  "templates/core_1/slow.sql": "select b.id, (select 1 from pg_sleep(30)) as slept from core.base b\n",
  "templates/core_2/broken.sql": "select 1 as id,\n       no_such_function(1) as x\n",
};

interface ServerUnderTest {
  client: ProtocolConnection;
  project: string;
  diagnostics: PublishDiagnosticsParams[];
  statuses: ConnectionStatusParams[];
  logs: string[];
  uri(file: string): string;
  request<R>(method: string, file: string, token?: CancellationTokenSource): Promise<R>;
  close(): Promise<void>;
}

function writeProject(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sv-db-commands-"));
  for (const [file, text] of Object.entries(VIEWS)) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), text);
  }
  return dir;
}

async function startServer(options: { trusted: boolean; env: NodeJS.ProcessEnv }): Promise<ServerUnderTest> {
  const project = writeProject();
  const toServer = new PassThrough();
  const toClient = new PassThrough();
  const connection = createConnection(new StreamMessageReader(toServer), new StreamMessageWriter(toClient));
  const databaseDiagnostics = new DatabaseDiagnostics(createConnectionEditor(connection));
  const documents = new TextDocuments(TextDocument);
  const workspace = new Workspace(documents, databaseDiagnostics.editor, readSettings({ trusted: options.trusted, analysisDelayMs: 0 }));
  const commands = registerDatabaseCommands({ connection, editor: databaseDiagnostics.editor, workspace: () => workspace, databaseDiagnostics, env: options.env });
  documents.listen(connection);
  connection.listen();

  const client = createProtocolConnection(new StreamMessageReader(toClient), new StreamMessageWriter(toServer));
  const diagnostics: PublishDiagnosticsParams[] = [];
  const statuses: ConnectionStatusParams[] = [];
  const logs: string[] = [];
  client.onNotification("textDocument/publishDiagnostics", (params: PublishDiagnosticsParams) => {
    diagnostics.push(params);
  });
  client.onNotification(CONNECTION_STATUS_NOTIFICATION, (params: ConnectionStatusParams) => {
    statuses.push(params);
  });
  client.onNotification("window/logMessage", (params: { message: string }) => {
    logs.push(params.message);
  });
  client.listen();
  await workspace.addFolders([pathToFileURL(project).href]);

  const uri = (file: string) => workspace.uriOf(path.join(project, file));
  return {
    client,
    project,
    diagnostics,
    statuses,
    logs,
    uri,
    request: <R>(method: string, file: string, token?: CancellationTokenSource) => client.sendRequest<R>(method, { uri: uri(file) }, token?.token),
    async close() {
      await commands.dispose();
      client.dispose();
      connection.dispose();
      fs.rmSync(project, { recursive: true, force: true });
    },
  };
}

/** Waits until the client received a message matching `predicate`, checking after each event-loop turn. */
async function waitFor<T>(list: T[], predicate: (item: T) => boolean, what: string): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const found = list.find(predicate);
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** Returns the database/error diagnostics of the last publication for `uri`. */
function databaseErrorsOf(server: ServerUnderTest, uri: string) {
  const published = server.diagnostics.filter((params) => params.uri === uri).at(-1);
  return (published?.diagnostics ?? []).filter((diagnostic) => diagnostic.code === "database/error");
}

async function schemaExists(url: string, schema: string): Promise<boolean> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const result = await client.query("SELECT 1 FROM pg_namespace WHERE nspname = $1", [schema]);
    return result.rowCount === 1;
  } finally {
    await client.end();
  }
}

describe("database commands on the warehouse", () => {
  let database: TestDatabase;
  let server: ServerUnderTest;
  let settings: SetConnectionParams;

  before(async () => {
    database = await createTestDatabase("sv_commands");
    const postgres = testPostgres();
    // An empty environment: the settings alone name the warehouse, and no ~/.pgpass is read.
    server = await startServer({ trusted: true, env: { HOME: os.tmpdir() } });
    settings = { settings: { host: postgres.host, port: postgres.port, database: database.name, user: postgres.superuser }, personalPrefix: "dev_test" };
    const status = await server.client.sendRequest<ConnectionStatusParams>(SET_CONNECTION_REQUEST, settings);
    assert.equal(status.state, "configured");
  });

  after(async () => {
    await server?.close();
    await database?.drop();
  });

  test("dry run covers dependents and persists nothing", async () => {
    const result = await server.request<DatabaseCommandResult>(DRY_RUN_VIEW_REQUEST, "templates/core/base.sql");
    assert.equal(result.error, undefined);
    assert.equal(result.ok, true);
    assert.equal(result.database, "warehouse");
    const views = result.actions.map((action) => action.view).sort();
    assert.deepEqual(views, ["core.base", "core.derived", "core.slow"]);
    assert.match(result.summary, /Rolled back/);
    assert.equal(await schemaExists(database.url, "core"), false);
    assert.equal(server.statuses.at(-1)?.state, "connected");
  });

  test("PostgreSQL errors become diagnostics and clear", async () => {
    const brokenUri = server.uri("templates/core_2/broken.sql");
    const failed = await server.request<DatabaseCommandResult>(DRY_RUN_VIEW_REQUEST, "templates/core_2/broken.sql");
    assert.equal(failed.ok, false);
    assert.equal(failed.databaseErrors, 1);
    await waitFor(server.diagnostics, (params) => params.uri === brokenUri && params.diagnostics.some((diagnostic) => diagnostic.code === "database/error"), "database/error");
    const [error] = databaseErrorsOf(server, brokenUri);
    assert.match(String(error.message), /no_such_function/);
    assert.equal(error.range.start.line, 1, "the error is on the template line of the call");
    assert.equal(error.range.start.character, 7);

    fs.writeFileSync(path.join(server.project, "templates/core_2/broken.sql"), "select 1 as id,\n       abs(1) as x\n");
    const fixed = await server.request<DatabaseCommandResult>(DRY_RUN_VIEW_REQUEST, "templates/core_2/broken.sql");
    assert.equal(fixed.ok, true, fixed.error);
    assert.deepEqual(databaseErrorsOf(server, brokenUri), []);
  });

  test("personal sync creates the prefixed view", async () => {
    const result = await server.request<DatabaseCommandResult>(SYNC_VIEW_PERSONAL_REQUEST, "templates/core/base.sql");
    assert.equal(result.ok, true, result.error);
    assert.deepEqual(result.actions.map((action) => `${action.action} ${action.view}`), ["create dev_test_core.base"]);
    assert.equal(await schemaExists(database.url, "dev_test_core"), true);
    assert.equal(await schemaExists(database.url, "core"), false, "a personal sync must not write production schemas");
  });

  test("preview reads the personal copy", async () => {
    // core.base exists only as dev_test_core.base, so this works only if the reference was rewritten.
    const result = await server.request<PreviewRowsResult>(PREVIEW_ROWS_REQUEST, "templates/core_1/derived.sql");
    assert.equal(result.ok, true, result.error);
    assert.deepEqual(result.columns, [
      { name: "id", type: "integer" },
      { name: "name", type: "text" },
    ]);
    assert.deepEqual(result.rows, [
      ["1", "<b>x</b>"],
      ["2", null],
    ]);
    assert.equal(result.limit, 100);
  });

  test("preview cancels the running query", async () => {
    const source = new CancellationTokenSource();
    const started = Date.now();
    const pending = server.request<PreviewRowsResult>(PREVIEW_ROWS_REQUEST, "templates/core_1/slow.sql", source);
    await waitFor(server.logs, (message) => message.startsWith("Preview of core.slow"), "the preview to start");
    await new Promise((resolve) => setTimeout(resolve, 300));
    source.cancel();
    const result = await pending;
    assert.equal(result.ok, false);
    assert.match(result.error ?? "", /cancelled/);
    assert.ok(Date.now() - started < 15_000, "pg_sleep(30) was not cancelled");
    const after = await server.request<PreviewRowsResult>(PREVIEW_ROWS_REQUEST, "templates/core/base.sql");
    assert.equal(after.ok, true, `the connection is usable after a cancel: ${after.error}`);
  });

  test("project dry run runs every view", async () => {
    const result = await server.request<DatabaseCommandResult>(DRY_RUN_PROJECT_REQUEST, "templates");
    assert.equal(result.ok, true, `${result.error} ${JSON.stringify(result.actions)}`);
    assert.equal(result.actions.length, 4);
  });

  test("pull catalog writes the raw tables", async () => {
    const client = new Client({ connectionString: database.url });
    await client.connect();
    const viewFile = path.join(server.project, "templates/reporting/accounts.sql");
    const catalogDir = path.join(server.project, "catalog");
    try {
      await client.query("CREATE SCHEMA crm; CREATE TABLE crm.accounts (id bigint, \"Name\" text, revenue numeric(12,2)); INSERT INTO crm.accounts VALUES (1, 'Sentinel-Row-Value', 2)");
      fs.mkdirSync(path.dirname(viewFile), { recursive: true });
      fs.writeFileSync(viewFile, "select a.id, a.revenue from crm.accounts as a\n");
      const result = await server.request<DatabaseCommandResult>(PULL_CATALOG_REQUEST, "templates/reporting/accounts.sql");
      assert.equal(result.ok, true, result.error);
      assert.match(result.summary, /Wrote 1 catalog file with 1 relation/);
      const written = fs.readFileSync(path.join(catalogDir, "crm.sql"), "utf8");
      assert.match(written, /CREATE TABLE crm\.accounts \(/);
      assert.match(written, /"Name"\s+text/);
      assert.match(written, /revenue\s+numeric\(12,2\)/);
      assert.ok(!written.includes("Sentinel-Row-Value"), "no row data in the catalog");
    } finally {
      fs.rmSync(viewFile, { force: true });
      fs.rmSync(path.dirname(viewFile), { recursive: true, force: true });
      fs.rmSync(catalogDir, { recursive: true, force: true });
      await client.query("DROP SCHEMA IF EXISTS crm CASCADE");
      await client.end();
    }
  });

  test("password in connection string is rejected", async () => {
    const status = await server.client.sendRequest<ConnectionStatusParams>(SET_CONNECTION_REQUEST, {
      settings: { connectionString: "postgres://someone:hunter2@127.0.0.1:1/db" },
    });
    assert.equal(status.state, "invalid");
    assert.match(status.message ?? "", /Set Warehouse Password/);
    const result = await server.request<DatabaseCommandResult>(DRY_RUN_VIEW_REQUEST, "templates/core/base.sql");
    assert.equal(result.ok, false);
    assert.match(result.error ?? "", /contains a password/);
    assert.ok(!server.logs.some((message) => message.includes("hunter2")), "the password reached the log");
    await server.client.sendRequest(SET_CONNECTION_REQUEST, settings);
  });

  test("stored password logs in and stays secret", async () => {
    const postgres = testPostgres();
    const status = await server.client.sendRequest<ConnectionStatusParams>(SET_CONNECTION_REQUEST, {
      settings: { host: postgres.host, port: postgres.port, database: database.name, user: postgres.passwordUser.name, sslmode: "disable" },
      password: postgres.passwordUser.password,
    });
    assert.equal(status.state, "configured");
    const result = await server.request<PreviewRowsResult>(PREVIEW_ROWS_REQUEST, "templates/core/base.sql");
    assert.equal(result.ok, true, result.error);
    assert.equal(result.rows.length, 2);

    const wrong = await server.client.sendRequest<ConnectionStatusParams>(SET_CONNECTION_REQUEST, {
      settings: { host: postgres.host, port: postgres.port, database: database.name, user: postgres.passwordUser.name, sslmode: "disable" },
      password: "not-the-password",
    });
    assert.equal(wrong.state, "configured");
    const denied = await server.request<DatabaseCommandResult>(DRY_RUN_VIEW_REQUEST, "templates/core/base.sql");
    assert.equal(denied.ok, false);
    assert.match(denied.error ?? "", /password authentication failed/i);
    assert.match(denied.error ?? "", /Set Warehouse Password/);
    const secrets = [postgres.passwordUser.password, "not-the-password"];
    const leaked = [...server.logs, ...server.statuses.map((status) => JSON.stringify(status))].filter((text) => secrets.some((secret) => text.includes(secret)));
    assert.deepEqual(leaked, []);
    await server.client.sendRequest(SET_CONNECTION_REQUEST, settings);
  });

  test("unreachable warehouse warns once and backs off", async () => {
    const before = server.statuses.length;
    await server.client.sendRequest(SET_CONNECTION_REQUEST, { settings: { host: "127.0.0.1", port: 1, database: "none", user: "nobody", sslmode: "disable" } });
    const first = await server.request<DatabaseCommandResult>(DRY_RUN_VIEW_REQUEST, "templates/core/base.sql");
    assert.equal(first.ok, false);
    assert.match(first.error ?? "", /connection refused/);
    const second = await server.request<DatabaseCommandResult>(DRY_RUN_VIEW_REQUEST, "templates/core/base.sql");
    assert.match(second.error ?? "", /Next attempt in \d+ s/);
    const unreachable = server.statuses.slice(before).filter((status) => status.state === "unreachable");
    assert.equal(unreachable.length, 1);
    assert.equal(unreachable[0].retryInMs, 5000);
    await server.client.sendRequest(SET_CONNECTION_REQUEST, settings);
  });
});

describe("database commands without a warehouse", () => {
  test("untrusted workspace rejects every request", async () => {
    const server = await startServer({ trusted: false, env: { HOME: os.tmpdir() } });
    try {
      for (const method of [DRY_RUN_VIEW_REQUEST, SYNC_VIEW_PERSONAL_REQUEST, PREVIEW_ROWS_REQUEST, DRY_RUN_PROJECT_REQUEST]) {
        const result = await server.request<DatabaseCommandResult>(method, "templates/core/base.sql");
        assert.equal(result.ok, false, method);
        assert.match(result.error ?? "", /untrusted/, method);
      }
      const status = await server.client.sendRequest<ConnectionStatusParams>(SET_CONNECTION_REQUEST, { settings: { host: "127.0.0.1", port: 1 } });
      assert.equal(status.state, "untrusted");
    } finally {
      await server.close();
    }
  });

  test("dry run falls back to embedded PostgreSQL", async () => {
    const server = await startServer({ trusted: true, env: { HOME: os.tmpdir() } });
    try {
      const status = await server.client.sendRequest<ConnectionStatusParams>(SET_CONNECTION_REQUEST, { settings: {} });
      assert.equal(status.state, "embedded");
      const result = await server.request<DatabaseCommandResult>(DRY_RUN_VIEW_REQUEST, "templates/core/base.sql");
      assert.equal(result.ok, true, `${result.error} ${JSON.stringify(result.actions)}`);
      assert.equal(result.database, "embedded");
      assert.deepEqual(result.actions.map((action) => action.view).sort(), ["core.base", "core.derived", "core.slow"]);
      const sync = await server.request<DatabaseCommandResult>(SYNC_VIEW_PERSONAL_REQUEST, "templates/core/base.sql");
      assert.equal(sync.ok, false);
      assert.match(sync.error ?? "", /needs a warehouse/);
    } finally {
      await server.close();
    }
  });
});
