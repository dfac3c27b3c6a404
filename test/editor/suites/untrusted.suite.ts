/// <reference types="mocha" />
/**
 * The installed extension in an untrusted workspace: checks that need no rendering still run,
 * templates are not rendered, and the dry run command does nothing. extension.test.ts checks
 * that no connection reached the configured port.
 */
import assert from "node:assert/strict";
import * as vscode from "vscode";
import { activateExtension, codeOf, describeDiagnostics, openView, waitForDiagnostic, workspaceUri } from "./helpers";

describe("untrusted workspace", () => {
  before(async () => {
    await activateExtension();
  });

  it("workspace is not trusted", () => {
    assert.equal(vscode.workspace.isTrusted, false);
  });

  it("still reports naming/invalid-name", async () => {
    const diagnostic = await waitForDiagnostic(workspaceUri("templates/sales/Bad-Name.sql"), "naming/invalid-name", 30_000);
    assert.match(diagnostic.message, /File name "Bad-Name\.sql" does not name a view/);
  });

  it("renders no template", async () => {
    // The server publishes every file of the project in one pass, and the naming diagnostic
    // above belongs to that pass, so this file's diagnostics are final here.
    await waitForDiagnostic(workspaceUri("templates/sales/Bad-Name.sql"), "naming/invalid-name");
    const uri = workspaceUri("templates/sales/unclosed_if.sql");
    const codes = vscode.languages.getDiagnostics(uri).map(codeOf);
    assert.ok(!codes.includes("template/error"), `unclosed_if.sql has a template/error: ${describeDiagnostics(uri)}`);
    const layering = vscode.languages.getDiagnostics(workspaceUri("templates/sales_1/ranked.sql")).map(codeOf);
    assert.ok(!layering.includes("layering/stage-order"), "layering/stage-order needs the rendered SQL, yet it was reported");
  });

  it("dry run command returns no result", async () => {
    await openView("templates/core/members.sql");
    const result = await vscode.commands.executeCommand("syncedViews.dryRunView");
    assert.equal(result, undefined, `the dry run ran in an untrusted workspace: ${JSON.stringify(result)}`);
  });
});
