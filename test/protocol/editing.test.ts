/**
 * Edits and file events. An edit re-checks the views that read the edited one, and ranges stay
 * right in UTF-16 with CRLF and non-ASCII text. Pending analysis of an older version is
 * dropped, and files changed outside the editor are picked up.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import type { PublishDiagnosticsParams } from "vscode-languageserver-protocol";
import { fileUri, LspTestClient, rangeOf, startIndexedServer, stopIndexedServer, type IndexedServer } from "./support/lsp-client";

const FILE_CREATED = 1;
const FILE_CHANGED = 2;
const FILE_DELETED = 3;

describe("editing and file events", () => {
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

  test("edit re-checks dependent view in another file", async () => {
    const upstream = file("templates/core/members.sql");
    const dependent = file("templates/core_1/member_ages.sql");
    const text = read("templates/core/members.sql");
    assert.deepEqual((await client.waitForDiagnostics(dependent)).diagnostics, [], "the dependent starts clean");

    await client.openDocument(upstream, text);
    const column = rangeOf(text, "m.birth_date");
    const renamed = client.mark();
    await client.changeDocument(upstream, 2, { start: column.end, end: column.end }, " as born_on");
    const broken = await client.waitForDiagnostics(dependent, renamed, (params) => params.diagnostics.length > 0);
    const dependentText = read("templates/core_1/member_ages.sql");
    assert.deepEqual(codes(broken), ["reference/unknown-column", "reference/unknown-column"]);
    assert.deepEqual(
      broken.diagnostics.map((diagnostic) => diagnostic.range),
      [rangeOf(dependentText, "birth_date", 1), rangeOf(dependentText, "birth_date", 2)],
    );
    assert.equal(broken.version, undefined, "a closed file's diagnostics carry no version");

    const restored = client.mark();
    const inserted = { start: column.end, end: { line: column.end.line, character: column.end.character + " as born_on".length } };
    await client.changeDocument(upstream, 3, inserted, "");
    const fixed = await client.waitForDiagnostics(dependent, restored);
    assert.deepEqual(fixed.diagnostics, []);
    await client.connection.sendNotification("textDocument/didClose", { textDocument: { uri: fileUri(upstream) } });
  });

  test("CRLF and non-ASCII ranges in UTF-16", async () => {
    const target = file("templates/core_1/member_ages.sql");
    const text = "/* Größe 🎉 */\r\nselect\r\n    'ü🎉' as label, m.membr_id\r\nfrom core.members as m\r\n";
    const mark = client.mark();
    await client.openDocument(target, text);
    const published = await client.waitForDiagnostics(target, mark, (params) => params.diagnostics.length > 0);
    assert.deepEqual(codes(published), ["reference/unknown-column"]);
    const expected = rangeOf(text, "membr_id");
    assert.deepEqual(published.diagnostics[0].range, expected);
    const line = text.split("\n")[expected.start.line];
    const codePoints = [...line.slice(0, expected.start.character)].length;
    assert.notEqual(codePoints, expected.start.character, "the line has a character outside the BMP, so UTF-16 and code point columns differ");

    const syntax = "{% set note = 'ok' %}\r\n-- 🎉🎉 {{ note }}\r\nselect 'ä' as a from where\r\n";
    const changed = client.mark();
    await client.changeDocument(target, 2, { start: { line: 0, character: 0 }, end: { line: 4, character: 0 } }, syntax);
    const syntaxError = await client.waitForDiagnostics(target, changed, (params) => params.version === 2);
    assert.deepEqual(codes(syntaxError), ["sql/syntax"]);
    assert.deepEqual(syntaxError.diagnostics[0].range, rangeOf(syntax, "where"));
    await client.connection.sendNotification("textDocument/didClose", { textDocument: { uri: fileUri(target) } });
  });

  test("newer version cancels pending analysis", async () => {
    const target = file("templates/core/quoted.sql");
    const text = read("templates/core/quoted.sql");
    const mark = client.mark();
    await client.openDocument(target, text, 1);
    // Versions 2 and 3 arrive within the analysis delay, so only version 4 is analysed.
    await client.changeDocument(target, 2, rangeOf(text, "plain"), "plain,");
    await client.changeDocument(target, 3, rangeOf(text, "3 as"), "3 +");
    await client.changeDocument(target, 4, { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, "");
    const published = await client.waitForDiagnostics(target, mark, (params) => params.version === 4);
    assert.deepEqual(codes(published), ["sql/syntax"]);
    const versions = client.publishedSince(target, mark).map((params) => params.version);
    assert.deepEqual(versions, [4], "versions 1 to 3 were replaced before their analysis ran");
    await client.connection.sendNotification("textDocument/didClose", { textDocument: { uri: fileUri(target) } });
  });

  test("created file is checked", async () => {
    const created = file("templates/core_1/new_view.sql");
    fs.writeFileSync(created, "select n.nope\nfrom core.members as n\n");
    const mark = client.mark();
    await client.connection.sendNotification("workspace/didChangeWatchedFiles", { changes: [{ uri: fileUri(created), type: FILE_CREATED }] });
    const published = await client.waitForDiagnostics(created, mark);
    assert.deepEqual(codes(published), ["reference/unknown-column"]);
    assert.deepEqual(published.diagnostics[0].range, rangeOf(read("templates/core_1/new_view.sql"), "nope"));
  });

  test("closed file changed on disk", async () => {
    const upstream = file("templates/core/members.sql");
    const dependent = file("templates/core_1/member_ages.sql");
    const original = read("templates/core/members.sql");
    fs.writeFileSync(upstream, original.replace("m.birth_date\n", "m.birth_date as born\n"));
    const mark = client.mark();
    await client.connection.sendNotification("workspace/didChangeWatchedFiles", { changes: [{ uri: fileUri(upstream), type: FILE_CHANGED }] });
    const published = await client.waitForDiagnostics(dependent, mark, (params) => params.diagnostics.length > 0);
    assert.deepEqual(codes(published), ["reference/unknown-column", "reference/unknown-column"]);

    fs.writeFileSync(upstream, original);
    const restored = client.mark();
    await client.connection.sendNotification("workspace/didChangeWatchedFiles", { changes: [{ uri: fileUri(upstream), type: FILE_CHANGED }] });
    assert.deepEqual((await client.waitForDiagnostics(dependent, restored)).diagnostics, []);
  });

  test("deleted file clears and breaks readers", async () => {
    const deleted = file("templates/core/quoted.sql");
    const reader = file("templates/core_1/quoted_reader.sql");
    fs.writeFileSync(reader, "select q.plain\nfrom core.quoted as q\n");
    const created = client.mark();
    await client.connection.sendNotification("workspace/didChangeWatchedFiles", { changes: [{ uri: fileUri(reader), type: FILE_CREATED }] });
    assert.deepEqual((await client.waitForDiagnostics(reader, created)).diagnostics, []);

    fs.rmSync(deleted);
    const mark = client.mark();
    await client.connection.sendNotification("workspace/didChangeWatchedFiles", { changes: [{ uri: fileUri(deleted), type: FILE_DELETED }] });
    const cleared = await client.waitForDiagnostics(deleted, mark);
    assert.deepEqual(cleared.diagnostics, []);
    const broken = await client.waitForDiagnostics(reader, mark);
    assert.deepEqual(codes(broken), ["reference/unknown-view"]);
  });
});
