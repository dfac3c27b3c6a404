/// <reference types="mocha" />
/**
 * The installed extension in a trusted workspace, against the test database: diagnostics, hover,
 * definition, dry runs, sync-on-save and the rejected password in the connection string.
 * Runs inside the extension host; extension.test.ts runs the database requests.
 */
import assert from "node:assert/strict";
import * as path from "node:path";
import * as vscode from "vscode";
import type { DatabaseCommandResult, PreviewRowsResult } from "../../../server/src/messages";
import {
  activateExtension,
  extensionLogLines,
  DIAGNOSTIC_SOURCE,
  formatRange,
  listColumns,
  listRelations,
  openView,
  queryDatabase,
  rangeOf,
  readContext,
  replaceText,
  waitFor,
  waitForDiagnostic,
  waitForNoDiagnostic,
  workspaceUri,
} from "./helpers";

const DRY_RUN_COMMAND = "syncedViews.dryRunView";

function dryRun(): Thenable<DatabaseCommandResult | undefined> {
  return vscode.commands.executeCommand<DatabaseCommandResult | undefined>(DRY_RUN_COMMAND);
}

/** Runs the dry run of the active view and fails when the command returned no result. */
async function dryRunWithResult(): Promise<DatabaseCommandResult> {
  const result = await dryRun();
  assert.ok(result, "the dry run command returned no result: the language server is not running or no view is active");
  return result;
}

async function updateSetting(key: string, value: unknown): Promise<void> {
  await vscode.workspace.getConfiguration("syncedViews").update(key, value, vscode.ConfigurationTarget.Global);
}

describe("trusted workspace", () => {
  before(async () => {
    await activateExtension();
    assert.equal(vscode.workspace.isTrusted, true, "the workspace of this suite must be trusted");
    // The server publishes every file's diagnostics once it has indexed the project; after that,
    // hover, definition and the commands see analyzed views.
    await waitForDiagnostic(workspaceUri("templates/sales_1/ranked.sql"), "layering/stage-order", 30_000);
  });

  describe("diagnostics", () => {
    it("reports layering/stage-order at the reference", async () => {
      const uri = workspaceUri("templates/sales_1/ranked.sql");
      const diagnostic = await waitForDiagnostic(uri, "layering/stage-order");
      const document = await vscode.workspace.openTextDocument(uri);
      const expected = rangeOf(document, "sales.scores");
      assert.equal(formatRange(diagnostic.range), formatRange(expected));
      assert.equal(diagnostic.source, DIAGNOSTIC_SOURCE);
      assert.equal(diagnostic.severity, vscode.DiagnosticSeverity.Error);
      assert.match(diagnostic.message, /Move ranked\.sql to sales_2\//);
    });

    it("reports template/error for unclosed tag", async () => {
      const diagnostic = await waitForDiagnostic(workspaceUri("templates/sales/unclosed_if.sql"), "template/error");
      assert.match(diagnostic.message, /\{% if %\} is never closed/);
      assert.equal(diagnostic.range.start.line, 1);
    });
  });

  describe("hover and definition", () => {
    it("hover on view reference shows documentation and columns", async () => {
      const document = await vscode.workspace.openTextDocument(workspaceUri("templates/core_1/member_ages.sql"));
      const position = rangeOf(document, "core.members").start.translate(0, 6);
      const hovers = await vscode.commands.executeCommand<vscode.Hover[]>("vscode.executeHoverProvider", document.uri, position);
      const text = hovers.flatMap((hover) => hover.contents.map((content) => (typeof content === "string" ? content : content.value))).join("\n");
      assert.match(text, /\*\*view\*\* `core\.members`/);
      assert.match(text, /Insured people, one row per member\./);
      assert.match(text, /\| `member_id` \| The member's key\. \|/);
      assert.match(text, /\| `first_name` \|/);
      assert.match(text, /\| `birth_date` \|/);
    });

    it("definition of view reference opens upstream file", async () => {
      const document = await vscode.workspace.openTextDocument(workspaceUri("templates/core_1/member_ages.sql"));
      const position = rangeOf(document, "core.members").start.translate(0, 6);
      const results = await vscode.commands.executeCommand<(vscode.Location | vscode.LocationLink)[]>("vscode.executeDefinitionProvider", document.uri, position);
      assert.equal(results.length, 1, `expected one definition, got ${JSON.stringify(results)}`);
      const target = "targetUri" in results[0] ? results[0].targetUri : results[0].uri;
      assert.equal(target.fsPath, path.join(readContext().workspace, "templates", "core", "members.sql"));
    });
  });

  describe("dry run on the warehouse", () => {
    it("passes for good view and leaves database unchanged", async () => {
      await openView("templates/core/members.sql");
      const before = await listRelations();
      const result = await dryRunWithResult();
      assert.equal(result.ok, true, `the dry run failed: ${result.error ?? result.summary}`);
      assert.equal(result.database, "warehouse");
      const created = result.actions.filter((action) => action.action === "create").map((action) => action.view);
      assert.deepEqual(created.sort(), ["core.member_ages", "core.members"]);
      assert.deepEqual(await listRelations(), before);
    });

    it("wrong column gets database/error until fixed", async () => {
      const editor = await openView("templates/core/payments.sql");
      const uri = editor.document.uri;
      const before = await listRelations();

      const failed = await dryRunWithResult();
      assert.equal(failed.ok, false, "the dry run of a view with a wrong column passed");
      assert.equal(failed.databaseErrors, 1);
      const diagnostic = await waitForDiagnostic(uri, "database/error");
      assert.equal(diagnostic.source, DIAGNOSTIC_SOURCE);
      assert.match(diagnostic.message, /column p\.amount_eur does not exist/);
      assert.equal(formatRange(diagnostic.range), formatRange(rangeOf(editor.document, "p.amount_eur")));

      await replaceText(editor, "p.amount_eur", "p.amount");
      const fixed = await dryRunWithResult();
      assert.equal(fixed.ok, true, `the dry run of the fixed view failed: ${fixed.error ?? fixed.summary}`);
      await waitForNoDiagnostic(uri, "database/error");
      assert.ok(await editor.document.save(), "saving the fixed view failed");
      assert.deepEqual(await listRelations(), before);
    });
  });

  describe("sync on save", () => {
    after(() => updateSetting("syncOnSave", undefined));

    it("creates then updates personal view", async () => {
      const { personalPrefix } = readContext();
      const schema = `${personalPrefix}_core`;
      await updateSetting("syncOnSave", true);
      assert.deepEqual(await listColumns(schema, "members"), [], `${schema}.members exists before the first save`);

      const editor = await openView("templates/core/members.sql");
      await replaceText(editor, "    m.birth_date\n", "    m.birth_date,\n    upper(m.first_name) as shout_name\n");
      assert.ok(await editor.document.save(), "saving members.sql failed");
      const created = ["member_id", "first_name", "birth_date", "shout_name"];
      await waitFor(`${schema}.members with columns ${created.join(", ")}`, async () => {
        const columns = await listColumns(schema, "members");
        return columns.join(",") === created.join(",") ? columns : undefined;
      });

      await replaceText(editor, "as shout_name\n", "as shout_name,\n    m.member_id * 10 as member_key\n");
      assert.ok(await editor.document.save(), "saving members.sql the second time failed");
      const updated = [...created, "member_key"];
      await waitFor(`${schema}.members with the added column member_key`, async () => {
        const columns = await listColumns(schema, "members");
        return columns.join(",") === updated.join(",") ? columns : undefined;
      });
    });
  });

  describe("settings change during a command", () => {
    after(async () => {
      await updateSetting("connection.sslmode", undefined);
      await queryDatabase({ kind: "unlock" });
    });

    it("running preview keeps its connection", async () => {
      await queryDatabase({ kind: "lock" });
      await openView("templates/core/waiting_members.sql");
      const pending = vscode.commands.executeCommand<PreviewRowsResult | undefined>("syncedViews.previewRows");
      await waitFor("the preview query to wait for the advisory lock", async () => ((await queryDatabase<number>({ kind: "lockWaiters" })) > 0 ? true : undefined));

      // Any connection setting makes the extension send the connection to the server again.
      const configured = extensionLogLines("Warehouse connection set:").length;
      await updateSetting("connection.sslmode", "disable");
      await waitFor("the server to apply the changed settings", () => (extensionLogLines("Warehouse connection set:").length > configured ? true : undefined));
      await queryDatabase({ kind: "unlock" });

      const result = await pending;
      assert.ok(result, "the preview command returned no result");
      assert.equal(result.ok, true, `the preview failed: ${result.error ?? result.summary}`);
      assert.equal(result.rows.length, 2);
    });
  });

  describe("password in connection string", () => {
    after(() => updateSetting("connection.connectionString", undefined));

    it("is rejected and not used", async () => {
      await openView("templates/core/members.sql");
      await updateSetting("connection.connectionString", readContext().connectionStringWithPassword);
      // The extension sends the changed settings to the server after the change event, so the
      // first dry run may still use the previous connection.
      const rejected = await waitFor("a dry run that rejects the connection string", async () => {
        const result = await dryRunWithResult();
        return /contains a password/.test(result.error ?? "") ? result : undefined;
      });
      assert.equal(rejected.ok, false);
      assert.match(rejected.error ?? "", /Set Warehouse Password/);

      await updateSetting("connection.connectionString", undefined);
      const restored = await waitFor("a dry run that passes again without the connection string", async () => {
        const result = await dryRunWithResult();
        return result.ok ? result : undefined;
      });
      assert.equal(restored.database, "warehouse");
    });
  });
});
