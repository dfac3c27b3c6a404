/**
 * Garbage input never crashes the server: binary files, a 1 MB line, broken templates,
 * positions past the end and URIs of no project. After each, the server still responds.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import type { Hover, PublishDiagnosticsParams } from "vscode-languageserver-protocol";
import { fileUri, LspTestClient, rangeOf, startIndexedServer, stopIndexedServer, type IndexedServer } from "./support/lsp-client";

describe("server robustness", () => {
  let root: string;
  let client: LspTestClient;
  const file = (relative: string): string => path.join(root, ...relative.split("/"));
  const read = (relative: string): string => fs.readFileSync(file(relative), "utf8");
  const codes = (params: PublishDiagnosticsParams): string[] => params.diagnostics.map((diagnostic) => String(diagnostic.code));

  let server: IndexedServer | undefined;
  before(async () => {
    server = await startIndexedServer("basic");
    ({ root, client } = server);
  });
  after(() => stopIndexedServer(server));

  /** Asserts that the process runs and still returns a correct hover. */
  async function assertServerAnswers(): Promise<void> {
    assert.equal(client.child.exitCode, null, `the server exited; stderr:\n${client.stderr}`);
    const text = read("templates/core_1/member_ages.sql");
    const hover = (await client.connection.sendRequest("textDocument/hover", {
      textDocument: { uri: fileUri(file("templates/core_1/member_ages.sql")) },
      position: rangeOf(text, "core.members").start,
    })) as Hover | null;
    assert.ok(hover, "hover on a view reference still answers");
  }

  test("binary file on disk", async () => {
    const binary = file("templates/core/blob.sql");
    fs.writeFileSync(binary, Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x00, 0xff, 0xfe, 0x00, 0x01]));
    const mark = client.mark();
    await client.connection.sendNotification("workspace/didChangeWatchedFiles", { changes: [{ uri: fileUri(binary), type: 1 }] });
    const published = await client.waitForDiagnostics(binary, mark);
    assert.deepEqual(codes(published), ["file/binary"]);
    await assertServerAnswers();
  });

  test("binary text in open document", async () => {
    const target = file("templates/core/quoted.sql");
    const mark = client.mark();
    const text = "select \u0000\u0001\uFFFF\uD800 as x\u0000\n\u0000";
    await client.openDocument(target, text);
    const published = await client.waitForDiagnostics(target, mark);
    assert.deepEqual(codes(published), ["sql/syntax"], "text with NUL characters is reported, not accepted");
    assert.deepEqual(published.diagnostics[0].range.start, rangeOf(text, "\u0000").start);
    await assertServerAnswers();
    await client.connection.sendNotification("textDocument/didClose", { textDocument: { uri: fileUri(target) } });
  });

  test("1 MB line", async () => {
    const target = file("templates/core/quoted.sql");
    const text = `select 1 as a, '${"x".repeat(1024 * 1024)}' as b, c.nope from raw.members as c\n`;
    const mark = client.mark();
    await client.openDocument(target, text);
    const published = await client.waitForDiagnostics(target, mark, (params) => params.diagnostics.length > 0);
    assert.deepEqual(codes(published), ["reference/unknown-column"]);
    assert.deepEqual(published.diagnostics[0].range, rangeOf(text, "nope"));
    await assertServerAnswers();
    await client.connection.sendNotification("textDocument/didClose", { textDocument: { uri: fileUri(target) } });
  });

  test("broken templates", async () => {
    const target = file("templates/core/quoted.sql");
    const broken = ["{% if %}select 1", "select {{ 1 +", "{% for x in %}{% endfor", "{{ undefined_value }}", "{% macro %}", "{{ range(1e9) | join }}", "{% include '../../../etc/passwd' %}"];
    let version = 1;
    for (const text of broken) {
      const mark = client.mark();
      if (version === 1) await client.openDocument(target, text, version);
      else await client.changeDocument(target, version, { start: { line: 0, character: 0 }, end: { line: 10, character: 0 } }, text);
      const published = await client.waitForDiagnostics(target, mark, (params) => params.version === version);
      assert.ok(published.diagnostics.length > 0, `"${text}" is reported`);
      assert.ok(codes(published).every((code) => code === "template/error" || code.startsWith("sql/") || code === "file/empty"), `${text}: ${codes(published).join(", ")}`);
      version++;
    }
    await assertServerAnswers();
    await client.connection.sendNotification("textDocument/didClose", { textDocument: { uri: fileUri(target) } });
  });

  test("requests at impossible positions", async () => {
    const uri = fileUri(file("templates/core_1/member_ages.sql"));
    const far = { line: 1_000_000, character: 1_000_000 };
    assert.equal(await client.connection.sendRequest("textDocument/hover", { textDocument: { uri }, position: far }), null);
    assert.equal(await client.connection.sendRequest("textDocument/definition", { textDocument: { uri }, position: far }), null);
    assert.deepEqual(await client.connection.sendRequest("textDocument/completion", { textDocument: { uri: "untitled:Untitled-1" }, position: far }), []);
    assert.deepEqual(await client.connection.sendRequest("textDocument/documentSymbol", { textDocument: { uri: fileUri("/nonexistent/x.sql") } }), []);
    assert.equal(await client.connection.sendRequest("textDocument/hover", { textDocument: { uri: "file:///%E0%A4%A" }, position: { line: 0, character: 0 } }), null);
    await assertServerAnswers();
  });

  test("request with malformed params", async () => {
    const result = await client.connection.sendRequest("textDocument/hover", { textDocument: null, position: "nowhere" });
    assert.equal(result, null);
    const logged = await client.waitForNotification<{ message: string }>("window/logMessage", (params) => params.message.startsWith("textDocument/hover failed"));
    assert.match(logged.message, /TypeError/);
    await assertServerAnswers();
  });
});
