/**
 * The packaged Synced Views extension (.vsix) installed into the real VS Code (code-server),
 * against a throwaway database of the test PostgreSQL. Mocha suites in the extension host
 * (test/editor/suites) drive it through the vscode API; this file runs their database
 * requests with `pg`, drives the workbench UI with Playwright, and checks the logs and settings
 * for the sentinel passwords. Run it with `node scripts/run-tests.mjs test/editor/extension.test.ts`.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, test } from "node:test";
import { build } from "esbuild";
import { Client } from "pg";
import type { Page } from "playwright-core";
import { createTestDatabase, testPostgres, withClient, type TestDatabase } from "../support/postgres";
import { openWorkbench, runExtensionTests, startCodeServer, type EditorRun } from "./harness";
import type { DatabaseRequest, SuiteContext } from "./suites/helpers";
import { LOCK_KEY, RAW_TABLES_SQL, writeViewsProject } from "./views-workspace";

const REPO_ROOT = path.resolve(__dirname, "..", "..");
const VSIX = path.join(REPO_ROOT, "synced-views.vsix");
const RUN_MOCHA = path.join(__dirname, "run-mocha.js");
const SCREENSHOT = path.join(REPO_ROOT, "test-results", "editor", "dry-run.png");
const UNTRUSTED_SCREENSHOT = path.join(REPO_ROOT, "test-results", "editor", "dry-run-untrusted.png");
const PERSONAL_PREFIX = "dev_editor";
/** Sentinel passwords: one goes into the connection-string setting, one into secret storage. */
const URL_PASSWORD = `url-sentinel-${process.pid}-Qz7`;
const SECRET_PASSWORD = `secret-sentinel-${process.pid}-Kx9`;
const PASSWORD_STORED_LOG_LINE = "A warehouse password was stored in secret storage.";

/** Files and folders the .vsix is built from; a .vsix older than any of them is rebuilt. */
const PACKAGE_INPUTS = [
  "package.json",
  "language-configuration.json",
  ".vscodeignore",
  "syntaxes",
  "client/src",
  "client/scripts/bundle-standalone.mjs",
  "server/src",
  "engine",
  "scripts/build.mjs",
];

/** Variables that would point the extension at a database without its settings; removed so only the settings decide. */
const DATABASE_ENVIRONMENT: NodeJS.ProcessEnv = {
  PGHOST: undefined,
  PGHOSTADDR: undefined,
  PGPORT: undefined,
  PGDATABASE: undefined,
  PGUSER: undefined,
  PGPASSWORD: undefined,
  PGSERVICE: undefined,
  DATABASE_URL: undefined,
};

function timed<T>(phase: string, started: number, value: T): T {
  console.log(`editor tests: ${phase} took ${Date.now() - started} ms`);
  return value;
}

function newestModification(entry: string): number {
  const stat = fs.statSync(entry);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const name of fs.readdirSync(entry)) newest = Math.max(newest, newestModification(path.join(entry, name)));
  return newest;
}

/** Returns synced-views.vsix, running `npm run package` first when it is missing or older than its sources. */
function ensurePackage(): string {
  const newestSource = Math.max(...PACKAGE_INPUTS.map((entry) => path.join(REPO_ROOT, entry)).filter((entry) => fs.existsSync(entry)).map(newestModification));
  if (fs.existsSync(VSIX) && fs.statSync(VSIX).mtimeMs >= newestSource) {
    console.log(`editor tests: reusing ${VSIX}, which is newer than its sources`);
    return VSIX;
  }
  const result = spawnSync("npm", ["run", "package"], { cwd: REPO_ROOT, encoding: "utf8", timeout: 180_000 });
  assert.equal(result.status, 0, `npm run package failed (exit code ${result.status}):\n${result.stdout}\n${result.stderr}`);
  assert.ok(fs.statSync(VSIX).mtimeMs >= newestSource, `npm run package did not write a new ${VSIX}`);
  return VSIX;
}

/**
 * Compiles one suite with esbuild into `folder` and writes the index.js the extension host
 * loads. Returns the index path. The suite also needs writeSuiteContext before it runs.
 */
async function compileSuite(name: "trusted" | "untrusted", folder: string): Promise<string> {
  fs.mkdirSync(folder, { recursive: true });
  await build({
    entryPoints: [path.join(__dirname, "suites", `${name}.suite.ts`)],
    outfile: path.join(folder, `${name}.suite.js`),
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node20",
    // The extension host provides vscode to every extension and test file that requires it.
    external: ["vscode"],
    logLevel: "warning",
  });
  const index = path.join(folder, "index.js");
  fs.writeFileSync(
    index,
    `const path = require("node:path");
const { runMocha } = require(${JSON.stringify(RUN_MOCHA)});
exports.run = () => runMocha([path.join(__dirname, ${JSON.stringify(`${name}.suite.js`)})], { timeoutMs: 40000 });
`,
  );
  return index;
}

/** Writes the context.json that the suite compiled into `folder` reads (see readContext in suites/helpers.ts). */
function writeSuiteContext(folder: string, context: SuiteContext): void {
  fs.writeFileSync(path.join(folder, "context.json"), `${JSON.stringify(context, null, 2)}\n`);
}

/**
 * Runs the suites' database requests (see queryDatabase in suites/helpers.ts) until stopped:
 * it polls the requests folder and writes one reply file per request.
 */
class DatabaseResponder {
  private readonly handled = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private busy = false;
  readonly requests: DatabaseRequest[] = [];

  constructor(
    private readonly client: Client,
    private readonly folder: string,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.poll(), 50);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async poll(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      for (const name of fs.readdirSync(this.folder).sort()) {
        const match = /^request-(.+)\.json$/.exec(name);
        if (!match || this.handled.has(match[1])) continue;
        this.handled.add(match[1]);
        const request = JSON.parse(fs.readFileSync(path.join(this.folder, name), "utf8")) as DatabaseRequest;
        this.requests.push(request);
        let reply: { result?: unknown; error?: string };
        try {
          reply = { result: await this.answer(request) };
        } catch (error) {
          reply = { error: error instanceof Error ? error.message : String(error) };
        }
        const file = path.join(this.folder, `reply-${match[1]}.json`);
        fs.writeFileSync(`${file}.tmp`, JSON.stringify(reply));
        fs.renameSync(`${file}.tmp`, file);
      }
    } finally {
      this.busy = false;
    }
  }

  private async answer(request: DatabaseRequest): Promise<unknown> {
    if (request.kind === "lock") {
      await this.client.query("SELECT pg_advisory_lock($1)", [LOCK_KEY]);
      return true;
    }
    if (request.kind === "unlock") {
      const result = await this.client.query<{ released: boolean }>("SELECT pg_advisory_unlock($1) AS released", [LOCK_KEY]);
      return result.rows[0].released;
    }
    if (request.kind === "lockWaiters") {
      // A lock on one bigint key below 2^32 shows in pg_locks with the key in objid.
      const result = await this.client.query<{ waiting: number }>(
        "SELECT count(*)::int AS waiting FROM pg_locks WHERE locktype = 'advisory' AND objid = $1 AND NOT granted",
        [LOCK_KEY],
      );
      return result.rows[0].waiting;
    }
    if (request.kind === "relations") {
      const result = await this.client.query<{ entry: string }>(
        `SELECT 'schema ' || nspname AS entry FROM pg_namespace
          WHERE nspname NOT IN ('pg_catalog', 'information_schema') AND nspname NOT LIKE 'pg\\_toast%' AND nspname NOT LIKE 'pg\\_temp%'
         UNION ALL
         SELECT n.nspname || '.' || c.relname || ' (' || c.relkind::text || ')' FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'
         ORDER BY 1`,
      );
      return result.rows.map((row) => row.entry);
    }
    if (request.kind === "columns") {
      const result = await this.client.query<{ column_name: string }>(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position",
        [request.schema, request.name],
      );
      return result.rows.map((row) => row.column_name);
    }
    throw new Error(`unknown database request ${JSON.stringify(request)}`);
  }
}

/** Lists the regular files below `folder`; sockets and other special files are skipped. */
function listFiles(folder: string): string[] {
  const files: string[] = [];
  for (const entry of fs.readdirSync(folder, { withFileTypes: true })) {
    const full = path.join(folder, entry.name);
    if (entry.isDirectory()) files.push(...listFiles(full));
    else if (entry.isFile()) files.push(full);
  }
  return files;
}

/** Returns the files below `folder` whose bytes contain `text`. */
function filesContaining(folder: string, text: string): string[] {
  const needle = Buffer.from(text, "utf8");
  return listFiles(folder).filter((file) => fs.readFileSync(file).includes(needle));
}

/** Returns the text of every "Synced Views" output channel log of the run, one extension host after another. */
function readExtensionLog(run: EditorRun): string {
  return listFiles(path.join(run.userDataDir, "logs"))
    .filter((file) => path.basename(file) === "Synced Views.log")
    .sort()
    .map((file) => fs.readFileSync(file, "utf8"))
    .join("\n");
}

async function waitForLog(run: EditorRun, line: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!readExtensionLog(run).includes(line)) {
    if (Date.now() > deadline) {
      throw new Error(`The "Synced Views" log did not show "${line}" within ${timeoutMs} ms. Log:\n${readExtensionLog(run)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Expands the Explorer's folders along `relative` and opens the file by clicking each row. */
async function openInExplorer(page: Page, relative: string): Promise<void> {
  const tree = page.locator(".explorer-folders-view");
  const parts = relative.split("/");
  for (const [index, part] of parts.entries()) {
    const row = tree.getByRole("treeitem", { name: part, exact: true });
    await row.waitFor({ state: "visible", timeout: 10_000 });
    const isFolder = index < parts.length - 1;
    if (isFolder && (await row.getAttribute("aria-expanded")) === "true") continue;
    await row.click();
  }
  const tab = page.locator(".tabs-container .tab", { hasText: parts[parts.length - 1] });
  await tab.first().waitFor({ state: "visible", timeout: 10_000 });
}

/** Runs a command palette entry (F1) by its label. */
async function runFromPalette(page: Page, label: string): Promise<void> {
  await page.keyboard.press("F1");
  const input = page.locator(".quick-input-widget input");
  await input.waitFor({ state: "visible", timeout: 10_000 });
  await input.fill(`>${label}`);
  const entry = page.locator(".quick-input-list .monaco-list-row", { hasText: label }).first();
  await entry.waitFor({ state: "visible", timeout: 10_000 });
  await page.keyboard.press("Enter");
}

/** Waits for a notification toast with `text` that has finished sliding in. */
async function waitForToast(page: Page, text: string | RegExp, timeoutMs = 30_000): Promise<void> {
  // The workbench adds notification-fade-in-done when the toast's slide-in transition ends.
  const toast = page.locator(".notifications-toasts .notification-toast.notification-fade-in-done", { hasText: text });
  await toast.first().waitFor({ state: "visible", timeout: timeoutMs });
}

/** Runs one step of a UI test; when it fails, saves a screenshot and names the step in the error. */
async function uiStep(page: Page, step: string, body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (error) {
    const file = path.join(REPO_ROOT, "test-results", "editor", `failed-${step.replace(/[^a-z0-9]+/gi, "-")}.png`);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    await page.screenshot({ path: file }).catch(() => undefined);
    throw new Error(`UI step "${step}" failed (screenshot: ${file}): ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}

/** Prints a suite's output and its `N passed, N failed` count. */
function printSuiteOutput(suite: string, output: string): void {
  // Prefixed, so that mocha's `N passed, N failed` line inside it is not read as this run's summary.
  console.log(output.replace(/^/gm, "extension host | "));
  const counts = /^(\d+ passed, \d+ failed)$/m.exec(output)?.[1] ?? "no result line";
  console.log(`editor tests: the ${suite} suite in the extension host: ${counts}`);
}

let root: string;
let database: TestDatabase;
let databaseClient: Client;
let vsix: string;
let trustedRun: EditorRun | undefined;
let untrustedRun: EditorRun | undefined;

before(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "sv-editor-tests-"));
  let started = Date.now();
  database = await createTestDatabase("editor");
  await withClient(database.url, (client) => client.query(RAW_TABLES_SQL));
  databaseClient = new Client({ connectionString: database.url });
  await databaseClient.connect();
  timed("creating the test database", started, undefined);

  started = Date.now();
  vsix = timed("packaging or reusing the vsix", started, ensurePackage());
});

after(async () => {
  await trustedRun?.stop();
  await untrustedRun?.stop();
  await databaseClient?.end();
  await database?.drop();
  if (root) fs.rmSync(root, { recursive: true, force: true });
});

test("trusted workspace suite passes in extension host", async () => {
  const postgres = testPostgres();
  const workspace = path.join(root, "trusted-workspace");
  writeViewsProject(workspace);
  const requestsDir = path.join(root, "trusted-requests");
  fs.mkdirSync(requestsDir);
  const suiteFolder = path.join(root, "trusted-suite");
  const testsPath = await compileSuite("trusted", suiteFolder);

  let started = Date.now();
  trustedRun = await startCodeServer({
    vsix,
    workspace,
    env: DATABASE_ENVIRONMENT,
    settings: {
      "syncedViews.connection.host": "127.0.0.1",
      "syncedViews.connection.port": postgres.port,
      "syncedViews.connection.database": database.name,
      "syncedViews.connection.user": "postgres",
      "syncedViews.personalPrefix": PERSONAL_PREFIX,
    },
  });
  timed("starting code-server with the vsix installed", started, undefined);
  writeSuiteContext(suiteFolder, {
    workspace,
    requestsDir,
    personalPrefix: PERSONAL_PREFIX,
    connectionStringWithPassword: `postgres://postgres:${URL_PASSWORD}@127.0.0.1:${postgres.port}/${database.name}`,
    logsDir: path.join(trustedRun.userDataDir, "logs"),
  });

  const responder = new DatabaseResponder(databaseClient, requestsDir);
  responder.start();
  started = Date.now();
  let result: { exitCode: number; output: string };
  try {
    result = await runExtensionTests(trustedRun, { testsPath, screenshotPath: path.join(REPO_ROOT, "test-results", "editor", "trusted-suite-timeout.png") });
  } finally {
    responder.stop();
  }
  timed("running the trusted suite", started, undefined);
  printSuiteOutput("trusted", result.output);
  assert.equal(result.exitCode, 0, `the trusted suite failed; its output:\n${result.output}`);
  assert.match(result.output, /^\d+ passed, 0 failed$/m);
  assert.ok(responder.requests.some((request) => request.kind === "relations"), "the suite never compared the database before and after a dry run");

  // What the suite's runs left in the database: the personal sync's view and the state table,
  // and nothing from the dry runs.
  const leftovers = await databaseClient.query<{ schema: string }>(
    "SELECT nspname AS schema FROM pg_namespace WHERE nspname NOT IN ('pg_catalog', 'information_schema', 'public', 'raw') AND nspname NOT LIKE 'pg\\_%' ORDER BY 1",
  );
  assert.deepEqual(
    leftovers.rows.map((row) => row.schema),
    [`${PERSONAL_PREFIX}_core`, "synced_views"],
  );

  const log = readExtensionLog(trustedRun);
  assert.match(log, /syncedViews\.connection\.connectionString contains a password/, "the rejected connection string was not logged as an error");
  assert.deepEqual(filesContaining(path.join(trustedRun.userDataDir, "logs"), URL_PASSWORD), [], "a log file contains the connection string's password");
});

test("workbench shows problem and dry run result", async () => {
  assert.ok(trustedRun, "code-server of the trusted workspace is not running");
  let started = Date.now();
  const page = await openWorkbench(trustedRun);
  timed("opening the workbench", started, undefined);

  started = Date.now();
  await uiStep(page, "open ranked.sql from the Explorer", () => openInExplorer(page, "templates/sales_1/ranked.sql"));
  await uiStep(page, "show the problem in the Problems panel", async () => {
    await runFromPalette(page, "Focus Problems (Errors, Warnings, Infos)");
    const problem = page.locator(".markers-panel .monaco-list-row", { hasText: "references sales.scores, which is at stage 1" });
    await problem.first().waitFor({ state: "visible", timeout: 20_000 });
  });

  await uiStep(page, "open members.sql from the Explorer", () => openInExplorer(page, "templates/core/members.sql"));
  await uiStep(page, "run the dry run from the command palette", async () => {
    await runFromPalette(page, "Synced Views: Dry Run Current View");
    await waitForToast(page, /Dry run of core\.members and 1 dependent passed on the warehouse/);
    await page
      .locator(".statusbar-item", { hasText: "dry run passed" })
      .first()
      .waitFor({ state: "visible", timeout: 10_000 });
  });
  fs.mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
  await page.screenshot({ path: SCREENSHOT });
  timed("opening a view, the Problems panel and a dry run from the palette", started, undefined);
  assert.ok(fs.statSync(SCREENSHOT).size > 10_000, `the screenshot ${SCREENSHOT} is suspiciously small`);
});

test("warehouse password stays out of settings and logs", async () => {
  assert.ok(trustedRun?.page, "the workbench of the trusted workspace is not open");
  const page = trustedRun.page;
  const started = Date.now();
  await runFromPalette(page, "Synced Views: Set Warehouse Password");
  const input = page.locator(".quick-input-widget input[type=password]");
  await input.waitFor({ state: "visible", timeout: 10_000 });
  await input.fill(SECRET_PASSWORD);
  await page.keyboard.press("Enter");
  await waitForLog(trustedRun, PASSWORD_STORED_LOG_LINE);
  // The stored password makes the extension send the connection again; its log line reports a stored password.
  await waitForLog(trustedRun, "password=stored in secret storage");
  timed("setting the warehouse password from the palette", started, undefined);

  // The search below reads the log files: it finds the line the command logged.
  assert.notDeepEqual(filesContaining(trustedRun.userDataDir, PASSWORD_STORED_LOG_LINE), []);
  const settings = fs.readFileSync(path.join(trustedRun.userDataDir, "User", "settings.json"), "utf8");
  assert.ok(!settings.includes(SECRET_PASSWORD), "settings.json contains the warehouse password");
  assert.ok(!settings.includes(URL_PASSWORD), "settings.json still contains the connection string with a password");
  assert.deepEqual(filesContaining(trustedRun.userDataDir, SECRET_PASSWORD), [], "files of code-server's user data contain the warehouse password");
  assert.deepEqual(filesContaining(trustedRun.userDataDir, URL_PASSWORD), [], "files of code-server's user data contain the connection string's password");
  assert.ok(!trustedRun.log().includes(SECRET_PASSWORD), "code-server's output contains the warehouse password");
});

test("untrusted workspace renders nothing and connects nowhere", async () => {
  // A TCP listener takes the place of the warehouse: any connection attempt in this run reaches it.
  const connections: string[] = [];
  const listener = net.createServer((socket) => {
    connections.push(`${socket.remoteAddress}:${socket.remotePort}`);
    socket.destroy();
  });
  await new Promise<void>((resolve) => listener.listen(0, "127.0.0.1", resolve));
  const port = (listener.address() as net.AddressInfo).port;

  try {
    const workspace = path.join(root, "untrusted-workspace");
    writeViewsProject(workspace, { misnamedFile: true });
    const suiteFolder = path.join(root, "untrusted-suite");
    const testsPath = await compileSuite("untrusted", suiteFolder);

    let started = Date.now();
    untrustedRun = await startCodeServer({
      vsix,
      workspace,
      env: DATABASE_ENVIRONMENT,
      workspaceTrust: true,
      settings: {
        "security.workspace.trust.enabled": true,
        "security.workspace.trust.startupPrompt": "never",
        "security.workspace.trust.banner": "never",
        "syncedViews.connection.host": "127.0.0.1",
        "syncedViews.connection.port": port,
        "syncedViews.connection.database": database.name,
        "syncedViews.connection.user": "postgres",
      },
    });
    timed("starting code-server with workspace trust on", started, undefined);
    // This suite sends no database requests, so no folder is made for them.
    writeSuiteContext(suiteFolder, {
      workspace,
      requestsDir: path.join(root, "untrusted-requests"),
      personalPrefix: PERSONAL_PREFIX,
      connectionStringWithPassword: "",
      logsDir: path.join(untrustedRun.userDataDir, "logs"),
    });

    started = Date.now();
    const result = await runExtensionTests(untrustedRun, { testsPath, screenshotPath: path.join(REPO_ROOT, "test-results", "editor", "untrusted-suite-timeout.png") });
    timed("running the untrusted suite", started, undefined);
    printSuiteOutput("untrusted", result.output);
    assert.equal(result.exitCode, 0, `the untrusted suite failed; its output:\n${result.output}`);
    assert.match(result.output, /^\d+ passed, 0 failed$/m);

    started = Date.now();
    const page = await openWorkbench(untrustedRun);
    await openInExplorer(page, "templates/core/members.sql");
    await runFromPalette(page, "Synced Views: Dry Run Current View");
    await waitForToast(page, "Dry run is disabled because this workspace is not trusted");
    fs.mkdirSync(path.dirname(UNTRUSTED_SCREENSHOT), { recursive: true });
    await page.screenshot({ path: UNTRUSTED_SCREENSHOT });
    timed("running the dry run from the palette in the untrusted workspace", started, undefined);

    assert.deepEqual(connections, [], "the untrusted workspace connected to the configured warehouse port");
    assert.match(readExtensionLog(untrustedRun), /workspace trusted: false/);
  } finally {
    listener.close();
  }
});
