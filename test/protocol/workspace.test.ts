/**
 * Workspace handling: several project folders in one server, folders that are no project, and
 * an untrusted workspace, where no template is rendered but checks that need no rendering run.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import type { PublishDiagnosticsParams } from "vscode-languageserver-protocol";
import type { ProjectIndexedParams } from "../../server/src/messages";
import { copyFixture, fileUri, LspTestClient, rangeOf } from "./support/lsp-client";

/** Writes a project from a map of relative paths to contents, into a new temporary folder. */
function writeProject(files: Record<string, string>): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "sv-protocol-project-"));
  for (const [relative, text] of Object.entries(files)) {
    const target = path.join(root, ...relative.split("/"));
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, text);
  }
  return root;
}

const codes = (params: PublishDiagnosticsParams): string[] => params.diagnostics.map((diagnostic) => String(diagnostic.code));

const TEMPLATED_PROJECT = {
  "synced-views.json": '{ "coreSchema": "core", "colour": "blue" }',
  "templates/core/plain.sql": "select 1 as a\n",
  "templates/core/Bad-Name.sql": "select 1 as a\n",
  "templates/core/blank.sql": "",
  "templates/core/templated.sql": "select {{ undefined_value }} as a\n",
  "templates/core/reader.sql": "select p.a\nfrom core.plain as p\n",
};

describe("multi-root workspace", () => {
  let first: string;
  let second: string;
  let notProject: string;
  let client: LspTestClient;

  before(async () => {
    first = copyFixture("basic");
    second = writeProject({ "templates/shop/orders.sql": "select 1 as order_id, 1 as order_id\n" });
    notProject = fs.mkdtempSync(path.join(os.tmpdir(), "sv-protocol-other-"));
    client = await LspTestClient.start({ folders: [first, notProject, second] });
  });

  after(async () => {
    await client.stop();
    for (const folder of [first, second, notProject]) fs.rmSync(folder, { recursive: true, force: true });
  });

  test("every project folder is indexed", async () => {
    const indexedFirst = await client.waitForNotification<ProjectIndexedParams>("syncedViews/projectIndexed", (params) => params.folderUri === fileUri(first));
    const indexedSecond = await client.waitForNotification<ProjectIndexedParams>("syncedViews/projectIndexed", (params) => params.folderUri === fileUri(second));
    assert.equal(indexedFirst.views, 6);
    assert.equal(indexedFirst.errors, 2);
    assert.equal(indexedSecond.views, 1);
    assert.equal(indexedSecond.errors, 1);

    const orders = path.join(second, "templates", "shop", "orders.sql");
    const published = await client.waitForDiagnostics(orders);
    assert.deepEqual(codes(published), ["view/duplicate-column"]);
  });

  test("folder without project is skipped", async () => {
    await client.waitForNotification<ProjectIndexedParams>("syncedViews/projectIndexed", (params) => params.folderUri === fileUri(second));
    const skipped = client.logMessages().filter((message) => message.includes("has no templates/ folder"));
    assert.equal(skipped.length, 1);
    assert.match(skipped[0], new RegExp(`^Workspace folder ${notProject} has no templates/ folder and no synced-views\\.json`));
    assert.ok(!client.logMessages().some((message) => message.startsWith(`Indexed ${notProject}`)));
  });
});

describe("untrusted workspace", () => {
  let root: string;
  let client: LspTestClient;
  const file = (relative: string): string => path.join(root, ...relative.split("/"));

  before(async () => {
    root = writeProject(TEMPLATED_PROJECT);
    client = await LspTestClient.start({ folders: [root], initializationOptions: { trusted: false } });
  });

  after(async () => {
    await client.stop();
    fs.rmSync(root, { recursive: true, force: true });
  });

  test("checks without rendering still run", async () => {
    const indexed = await client.waitForNotification<ProjectIndexedParams>("syncedViews/projectIndexed");
    assert.equal(indexed.trusted, false);
    assert.deepEqual(codes(await client.waitForDiagnostics(file("templates/core/Bad-Name.sql"))), ["naming/invalid-name"]);
    assert.deepEqual(codes(await client.waitForDiagnostics(file("templates/core/blank.sql"))), ["file/empty"]);
    const config = await client.waitForDiagnostics(file("synced-views.json"));
    assert.deepEqual(codes(config), ["config/unknown-key"]);
    assert.deepEqual(config.diagnostics[0].range, rangeOf(TEMPLATED_PROJECT["synced-views.json"], '"colour"'));
  });

  test("templates are not rendered", async () => {
    await client.waitForNotification("syncedViews/projectIndexed");
    const templated = await client.waitForDiagnostics(file("templates/core/templated.sql"));
    assert.deepEqual(templated.diagnostics, [], "an undefined value is a template/error only when the template renders");
    const rendered = (await client.connection.sendRequest("syncedViews/renderedSql", { uri: fileUri(file("templates/core/templated.sql")) })) as { sql?: string; reason?: string };
    assert.equal(rendered.sql, undefined);
    assert.match(rendered.reason ?? "", /not trusted/);
    const text = TEMPLATED_PROJECT["templates/core/reader.sql"];
    const hover = await client.connection.sendRequest("textDocument/hover", {
      textDocument: { uri: fileUri(file("templates/core/reader.sql")) },
      position: rangeOf(text, "core.plain").start,
    });
    assert.equal(hover, null);
  });

  test("trusted workspace renders the same project", async () => {
    const trustedRoot = writeProject(TEMPLATED_PROJECT);
    const trusted = await LspTestClient.start({ folders: [trustedRoot] });
    try {
      await trusted.waitForNotification("syncedViews/projectIndexed");
      const templated = await trusted.waitForDiagnostics(path.join(trustedRoot, "templates", "core", "templated.sql"));
      assert.deepEqual(codes(templated), ["template/error"]);
    } finally {
      await trusted.stop();
      fs.rmSync(trustedRoot, { recursive: true, force: true });
    }
  });
});
