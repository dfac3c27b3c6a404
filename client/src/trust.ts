/** Workspace trust: database commands explain why they do nothing in an untrusted workspace. */
import * as vscode from "vscode";

const MANAGE_TRUST = "Manage Workspace Trust";

/**
 * Returns true when the workspace is trusted. Otherwise shows why `action` is disabled, with a
 * button that opens the trust editor, and returns false.
 */
export function requireTrust(action: string): boolean {
  if (vscode.workspace.isTrusted) return true;
  void vscode.window
    .showWarningMessage(
      `${action} is disabled because this workspace is not trusted: templates can run code when they are rendered, and Synced Views connects to no database here.`,
      MANAGE_TRUST,
    )
    .then((choice) => {
      if (choice === MANAGE_TRUST) void vscode.commands.executeCommand("workbench.trust.manage");
    });
  return false;
}
