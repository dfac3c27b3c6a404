/**
 * The language server's features over JSON-RPC, against the built server and the `basic`
 * fixture project: diagnostics, hover, definition, references, completion, symbols, code actions.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, test } from "node:test";
import type { CodeAction, CompletionItem, Diagnostic, DocumentSymbol, Hover, Location, MarkupContent, PublishDiagnosticsParams, RenameFile, TextEdit } from "vscode-languageserver-protocol";
import { fileUri, LspTestClient, positionOf, rangeOf, startIndexedServer, stopIndexedServer, type IndexedServer } from "./support/lsp-client";

describe("language server features", () => {
  let root: string;
  let client: LspTestClient;
  const file = (relative: string): string => path.join(root, ...relative.split("/"));
  const read = (relative: string): string => fs.readFileSync(file(relative), "utf8");

  let server: IndexedServer | undefined;
  before(async () => {
    server = await startIndexedServer("basic");
    ({ root, client } = server);
  });
  after(() => stopIndexedServer(server));

  test("initialize announces incremental sync and features", () => {
    const capabilities = client.initializeResult!.capabilities;
    const sync = capabilities.textDocumentSync as { change: number; openClose: boolean };
    assert.equal(sync.change, 2, "TextDocumentSyncKind.Incremental is 2");
    assert.equal(sync.openClose, true);
    assert.ok(capabilities.hoverProvider);
    assert.ok(capabilities.definitionProvider);
    assert.ok(capabilities.referencesProvider);
    assert.deepEqual(capabilities.completionProvider?.triggerCharacters, ["."]);
    assert.ok(capabilities.documentSymbolProvider);
    assert.ok(capabilities.codeActionProvider);
    assert.equal(client.initializeResult!.serverInfo?.name, "synced-views");
  });

  test("file watchers registered dynamically", async () => {
    await client.waitForNotification("window/logMessage", (params: { message: string }) => params.message.includes("Indexed"));
    assert.ok(client.registrations.includes("workspace/didChangeWatchedFiles"), `registrations: ${client.registrations.join(", ")}`);
  });

  test("indexing publishes closed files", async () => {
    const names = await client.waitForDiagnostics(file("templates/core_1/member_names.sql"));
    assert.equal(names.diagnostics.length, 1);
    const diagnostic = names.diagnostics[0];
    assert.equal(diagnostic.code, "reference/unknown-view");
    assert.equal(diagnostic.source, "synced-views");
    const href = diagnostic.codeDescription?.href ?? "";
    assert.match(href, /^file:.*\/docs\/diagnostics\.md#reference-unknown-view$/);
    const page = fs.readFileSync(fileURLToPath(href.replace(/#.*$/, "")), "utf8");
    assert.ok(page.includes('<a id="reference-unknown-view"></a>'), "the linked page has the code's anchor");
    assert.deepEqual(diagnostic.range, rangeOf(read("templates/core_1/member_names.sql"), "core.membrs"));
    assert.deepEqual(diagnostic.data, { suggestion: "core.members" });

    const clean = await client.waitForDiagnostics(file("templates/core/members.sql"));
    assert.deepEqual(clean.diagnostics, [], "a view without problems gets an empty list");
  });

  test("didOpen publishes exact ranges", async () => {
    const target = file("templates/core_1/member_ages.sql");
    const text = read("templates/core_1/member_ages.sql").replace("age(m.birth_date)", "age(m.birthdate)");
    const mark = client.mark();
    await client.openDocument(target, text);
    const published = await client.waitForDiagnostics(target, mark, (params) => params.diagnostics.length > 0);
    assert.equal(published.version, 1, "diagnostics of an open document carry its version");
    assert.equal(published.diagnostics.length, 1);
    assert.equal(published.diagnostics[0].code, "reference/unknown-column");
    assert.deepEqual(published.diagnostics[0].range, rangeOf(text, "birthdate"));
    assert.match(published.diagnostics[0].message as string, /Did you mean m\.birth_date\?/);
    await closeAndSettle(target);
  });

  test("hover on view reference", async () => {
    const text = read("templates/core_1/member_ages.sql");
    const reference = rangeOf(text, "core.members");
    const hover = await hoverAt("templates/core_1/member_ages.sql", { line: reference.start.line, character: reference.start.character + 6 });
    assert.ok(hover, "hover on core.members returns content");
    const markdown = (hover.contents as MarkupContent).value;
    assert.match(markdown, /`core\.members`/);
    assert.match(markdown, /Insured people, one row per member\./);
    assert.match(markdown, /schema `core`, stage 0/);
    assert.match(markdown, /templates\/core\/members\.sql/);
    assert.match(markdown, /\| `member_id` \| the member's key \|/);
    assert.match(markdown, /\| `birth_date` \| Birth date as the employer reported it\. \|/);
    assert.match(markdown, /\| `first_name` \|  \|/);
    assert.deepEqual(hover.range, reference);
  });

  test("hover on alias.column", async () => {
    const text = read("templates/core_1/member_ages.sql");
    const column = rangeOf(text, "m.birth_date");
    const hover = await hoverAt("templates/core_1/member_ages.sql", { line: column.start.line, character: column.start.character + 4 });
    assert.ok(hover);
    const markdown = (hover.contents as MarkupContent).value;
    assert.match(markdown, /\*\*column\*\* `birth_date`/);
    assert.match(markdown, /view `core\.members`/);
    assert.match(markdown, /Birth date as the employer reported it\./);
    assert.deepEqual(hover.range, column);
  });

  test("hover on catalogued relation", async () => {
    const text = read("templates/core/members.sql");
    const hover = await hoverAt("templates/core/members.sql", rangeOf(text, "raw.members").start);
    assert.ok(hover);
    const markdown = (hover.contents as MarkupContent).value;
    assert.match(markdown, /`raw\.members` \(catalog\)/);
    assert.match(markdown, /\| `member_id` \| `bigint` \|/);
    assert.match(markdown, /\| `birth_date` \| `date` \|/);
  });

  test("hover outside references is null", async () => {
    const hover = await hoverAt("templates/core_1/member_ages.sql", { line: 0, character: 2 });
    assert.equal(hover, null);
  });

  test("definition of view reference", async () => {
    const text = read("templates/core_1/member_ages.sql");
    const location = (await client.connection.sendRequest("textDocument/definition", {
      textDocument: { uri: fileUri(file("templates/core_1/member_ages.sql")) },
      position: rangeOf(text, "members").start,
    })) as Location;
    assert.equal(location.uri, fileUri(file("templates/core/members.sql")));
    assert.deepEqual(location.range.start, { line: 0, character: 0 });
  });

  test("definition of alias.column", async () => {
    const text = read("templates/core_1/member_ages.sql");
    const location = (await client.connection.sendRequest("textDocument/definition", {
      textDocument: { uri: fileUri(file("templates/core_1/member_ages.sql")) },
      position: rangeOf(text, "birth_date").start,
    })) as Location;
    assert.equal(location.uri, fileUri(file("templates/core/members.sql")));
    const upstream = read("templates/core/members.sql");
    // The column has no alias, so its definition is the whole select-list item.
    assert.deepEqual(location.range, rangeOf(upstream, "m.birth_date"));
  });

  test("definition of catalogued relation", async () => {
    const text = read("templates/core/members.sql");
    const location = (await client.connection.sendRequest("textDocument/definition", {
      textDocument: { uri: fileUri(file("templates/core/members.sql")) },
      position: rangeOf(text, "raw.members").start,
    })) as Location;
    assert.equal(location.uri, fileUri(file("catalog/raw.sql")));
    assert.deepEqual(location.range.start, rangeOf(read("catalog/raw.sql"), "CREATE TABLE").start);
  });

  test("references lists reading views", async () => {
    const locations = (await client.connection.sendRequest("textDocument/references", {
      textDocument: { uri: fileUri(file("templates/core/members.sql")) },
      position: { line: 0, character: 0 },
      context: { includeDeclaration: false },
    })) as Location[];
    assert.deepEqual(
      locations.map((location) => location.uri),
      [fileUri(file("templates/core_1/member_ages.sql"))],
    );
    assert.deepEqual(locations[0].range, rangeOf(read("templates/core_1/member_ages.sql"), "core.members"));
  });

  test("completion after alias dot", async () => {
    const target = file("templates/core_1/member_ages.sql");
    const original = read("templates/core_1/member_ages.sql");
    const opened = original.replace("    m.member_id,\n", "    m.member_id,\n    m.\n");
    await client.openDocument(target, opened);
    const cursor = positionOf(opened, opened.indexOf("m.\n") + 2);
    const items = (await client.connection.sendRequest("textDocument/completion", {
      textDocument: { uri: fileUri(target) },
      position: cursor,
      context: { triggerKind: 2, triggerCharacter: "." },
    })) as CompletionItem[];
    assert.deepEqual(items.map((item) => item.label).sort(), ["birth_date", "first_name", "member_id"]);
    const documented = items.find((item) => item.label === "member_id")!;
    assert.equal((documented.documentation as MarkupContent).value, "the member's key");
    assert.deepEqual((documented.textEdit as TextEdit).range, { start: cursor, end: cursor });
    await closeAndSettle(target);
  });

  test("completion quotes names that need it", async () => {
    const target = file("templates/core_1/member_ages.sql");
    const opened = "select q.\nfrom core.quoted as q\n";
    await client.openDocument(target, opened);
    const items = (await client.connection.sendRequest("textDocument/completion", {
      textDocument: { uri: fileUri(target) },
      position: { line: 0, character: "select q.".length },
    })) as CompletionItem[];
    const inserted = new Map(items.map((item) => [item.label, (item.textEdit as TextEdit).newText]));
    assert.equal(inserted.get("Order"), '"Order"', "mixed case is quoted");
    assert.equal(inserted.get("order"), '"order"', "a reserved keyword is quoted");
    assert.equal(inserted.get("plain"), "plain");
    await closeAndSettle(target);
  });

  test("completion of schemas and views", async () => {
    const target = file("templates/core_1/member_ages.sql");
    const text = read("templates/core_1/member_ages.sql");
    const items = (await client.connection.sendRequest("textDocument/completion", {
      textDocument: { uri: fileUri(target) },
      position: rangeOf(text, "core.members").start,
    })) as CompletionItem[];
    const labels = items.map((item) => item.label);
    for (const expected of ["core", "sales", "raw", "core.members", "sales.leads", "raw.members"]) assert.ok(labels.includes(expected), `missing ${expected} in ${labels.join(", ")}`);

    const afterSchema = (await client.connection.sendRequest("textDocument/completion", {
      textDocument: { uri: fileUri(target) },
      position: { line: rangeOf(text, "core.members").start.line, character: rangeOf(text, "core.members").start.character + "core.".length },
    })) as CompletionItem[];
    assert.deepEqual(afterSchema.map((item) => item.label).sort(), ["member_ages", "member_names", "members", "quoted"]);
  });

  test("document symbols are output columns", async () => {
    const symbols = (await client.connection.sendRequest("textDocument/documentSymbol", {
      textDocument: { uri: fileUri(file("templates/core_1/member_ages.sql")) },
    })) as DocumentSymbol[];
    assert.deepEqual(
      symbols.map((symbol) => symbol.name),
      ["member_id", "birth_date", "age"],
    );
    const text = read("templates/core_1/member_ages.sql");
    assert.deepEqual(symbols[2].selectionRange, rangeOf(text, "age", 2));
  });

  test("code action moves file to stage", async () => {
    const target = file("templates/sales/accounts.sql");
    const published = await client.waitForDiagnostics(target, 0, (params) => params.diagnostics.length > 0);
    const diagnostic = published.diagnostics[0];
    assert.equal(diagnostic.code, "layering/stage-order");
    assert.deepEqual(diagnostic.data, { targetStage: 1, targetFolder: "sales_1" });
    const actions = (await client.connection.sendRequest("textDocument/codeAction", {
      textDocument: { uri: fileUri(target) },
      range: diagnostic.range,
      context: { diagnostics: [diagnostic] },
    })) as CodeAction[];
    assert.equal(actions.length, 1);
    assert.equal(actions[0].kind, "quickfix");
    assert.match(actions[0].title, /Move accounts\.sql to sales_1\//);
    const rename = actions[0].edit!.documentChanges![0] as RenameFile;
    assert.equal(rename.kind, "rename");
    assert.equal(rename.oldUri, fileUri(target));
    assert.equal(rename.newUri, fileUri(file("templates/sales_1/accounts.sql")));
    assert.equal((actions[0].diagnostics as Diagnostic[])[0].code, "layering/stage-order");
  });

  test("code action replaces unknown view", async () => {
    const target = file("templates/core_1/member_names.sql");
    const text = read("templates/core_1/member_names.sql");
    const range = rangeOf(text, "core.membrs");
    const actions = (await client.connection.sendRequest("textDocument/codeAction", {
      textDocument: { uri: fileUri(target) },
      range,
      context: { diagnostics: [] },
    })) as CodeAction[];
    assert.equal(actions.length, 1);
    const edits = actions[0].edit!.changes![fileUri(target)];
    assert.deepEqual(edits, [{ range, newText: "core.members" }]);
  });

  test("renderedSql request returns the SQL", async () => {
    const result = (await client.connection.sendRequest("syncedViews/renderedSql", { uri: fileUri(file("templates/core/quoted.sql")) })) as { view: string; sql?: string };
    assert.equal(result.view, "core.quoted");
    assert.equal(result.sql, read("templates/core/quoted.sql"));
  });

  async function hoverAt(relative: string, position: { line: number; character: number }): Promise<Hover | null> {
    return (await client.connection.sendRequest("textDocument/hover", { textDocument: { uri: fileUri(file(relative)) }, position })) as Hover | null;
  }

  /** Closes a document and waits until its diagnostics from the disk text are published again. */
  async function closeAndSettle(target: string): Promise<PublishDiagnosticsParams> {
    const mark = client.mark();
    await client.connection.sendNotification("textDocument/didClose", { textDocument: { uri: fileUri(target) } });
    return client.waitForDiagnostics(target, mark);
  }
});
