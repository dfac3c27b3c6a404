/** The commands of the "Synced Views" category, and sync-on-save. */
import * as vscode from "vscode";
import {
  DRY_RUN_PROJECT_REQUEST,
  DRY_RUN_VIEW_REQUEST,
  PREVIEW_ROWS_REQUEST,
  PULL_CATALOG_REQUEST,
  SYNC_VIEW_PERSONAL_REQUEST,
  type DatabaseCommandResult,
  type PreviewRowsResult,
} from "../../server/src/messages";
import { showPreview } from "./preview-panel";
import { RenderedSqlProvider } from "./rendered-sql";
import { LANGUAGE_ID, SET_PASSWORD_ACTION, type ServerController } from "./server-controller";
import { PASSWORD_SECRET_KEY } from "./settings";
import type { StatusBar } from "./status-bar";
import { requireTrust } from "./trust";

const OPEN_OUTPUT = "Open Output";
const SHOW_PROBLEMS = "Show Problems";

interface DatabaseCommand {
  /** Title for the progress notification and messages, e.g. "Dry run". */
  title: string;
  method: string;
  /** "view" commands act on a view file, "project" commands on a project folder. */
  scope: "view" | "project";
  /** Text for the status bar after the command, e.g. "dry run". */
  statusText: string;
}

export const DRY_RUN_VIEW: DatabaseCommand = { title: "Dry run", method: DRY_RUN_VIEW_REQUEST, scope: "view", statusText: "dry run" };
export const SYNC_VIEW_PERSONAL: DatabaseCommand = { title: "Sync to personal schema", method: SYNC_VIEW_PERSONAL_REQUEST, scope: "view", statusText: "personal sync" };
export const PREVIEW_ROWS: DatabaseCommand = { title: "Preview rows", method: PREVIEW_ROWS_REQUEST, scope: "view", statusText: "preview" };
export const DRY_RUN_PROJECT: DatabaseCommand = { title: "Project dry run", method: DRY_RUN_PROJECT_REQUEST, scope: "project", statusText: "project dry run" };
export const PULL_CATALOG: DatabaseCommand = { title: "Pull catalog", method: PULL_CATALOG_REQUEST, scope: "project", statusText: "catalog pull" };

export class Commands {
  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly server: ServerController,
    private readonly log: vscode.LogOutputChannel,
    private readonly statusBar: StatusBar,
    private readonly renderedSql: RenderedSqlProvider,
  ) {}

  register(): void {
    const register = (id: string, handler: (...args: any[]) => unknown) => this.context.subscriptions.push(vscode.commands.registerCommand(id, handler));
    register("syncedViews.dryRunView", (uri?: vscode.Uri) => this.run(DRY_RUN_VIEW, uri));
    register("syncedViews.syncViewPersonal", (uri?: vscode.Uri) => this.run(SYNC_VIEW_PERSONAL, uri));
    register("syncedViews.previewRows", (uri?: vscode.Uri) => this.run(PREVIEW_ROWS, uri));
    register("syncedViews.dryRunProject", (uri?: vscode.Uri) => this.run(DRY_RUN_PROJECT, uri));
    register("syncedViews.pullCatalog", (uri?: vscode.Uri) => this.run(PULL_CATALOG, uri));
    register("syncedViews.showRenderedSql", (uri?: vscode.Uri) => this.showRenderedSql(uri));
    register("syncedViews.setWarehousePassword", () => this.setPassword());
    register("syncedViews.restartServer", () => this.server.restart("requested by the user"));
    register("syncedViews.showOutput", () => this.log.show(true));

    this.context.subscriptions.push(
      vscode.workspace.onDidSaveTextDocument((document) => {
        if (document.languageId === LANGUAGE_ID) this.renderedSql.refresh(document.uri);
        if (document.languageId !== LANGUAGE_ID || !vscode.workspace.getConfiguration("syncedViews").get<boolean>("syncOnSave")) return;
        // Sync-on-save stays silent in an untrusted workspace: the user did not ask for a command.
        if (!vscode.workspace.isTrusted) return;
        void this.run(SYNC_VIEW_PERSONAL, document.uri, { quiet: true });
      }),
    );
  }

  /**
   * Runs a database command with a cancellable progress notification (status bar progress when
   * `quiet`), then logs the result, updates the status bar and shows the outcome.
   */
  async run(command: DatabaseCommand, target?: vscode.Uri, options: { quiet?: boolean } = {}): Promise<DatabaseCommandResult | undefined> {
    if (!requireTrust(command.title)) return undefined;
    const uri = command.scope === "view" ? this.viewUri(target) : await this.projectUri(target);
    if (!uri) return undefined;
    const client = this.server.client;
    if (!client) {
      void vscode.window.showErrorMessage("The Synced Views language server is not running.", "Restart Server").then((choice) => {
        if (choice) void vscode.commands.executeCommand("syncedViews.restartServer");
      });
      return undefined;
    }
    if (command.scope === "view") {
      // The server reads open documents, so unsaved edits are part of the run; saving is not needed.
      this.log.info(`${command.title}: ${vscode.workspace.asRelativePath(uri)}`);
    } else {
      this.log.info(`${command.title}: ${uri.fsPath}`);
    }

    const started = Date.now();
    let result: DatabaseCommandResult | undefined;
    try {
      result = await vscode.window.withProgress(
        {
          location: options.quiet ? vscode.ProgressLocation.Window : vscode.ProgressLocation.Notification,
          title: `Synced Views: ${command.title} ${command.scope === "view" ? vscode.workspace.asRelativePath(uri) : ""}`.trim(),
          cancellable: !options.quiet,
        },
        (_progress, token) => client.sendRequest<DatabaseCommandResult>(command.method, { uri: uri.toString() }, token),
      );
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (error instanceof vscode.CancellationError || /cancel/i.test(message)) {
        this.log.info(`${command.title} cancelled after ${Date.now() - started} ms.`);
        this.statusBar.setLastResult(false, `${command.statusText} cancelled`);
        return undefined;
      }
      this.log.error(`${command.title} failed: ${message}`);
      this.statusBar.setLastResult(false, `${command.statusText} failed`);
      this.showFailure(`${command.title} failed: ${message}`);
      return undefined;
    }

    this.report(command, result, options.quiet === true);
    if (result.ok && command === PREVIEW_ROWS) showPreview(result as PreviewRowsResult);
    return result;
  }

  private report(command: DatabaseCommand, result: DatabaseCommandResult, quiet: boolean): void {
    const counts = new Map<string, number>();
    for (const action of result.actions) counts.set(action.action, (counts.get(action.action) ?? 0) + 1);
    const plan = [...counts.entries()].map(([action, count]) => `${count} ${action}`).join(", ") || "no actions";
    const where = result.database ? ` on ${result.database === "embedded" ? "the embedded PostgreSQL" : "the warehouse"}` : "";
    this.log.info(`${command.title} ${result.ok ? "succeeded" : "failed"}${where} in ${result.durationMs} ms (planned: ${plan}). ${result.summary}`);
    for (const action of result.actions) {
      // Failed and skipped views are the ones a user needs to read, so they are logged at info level.
      const failed = /^(failed|skipped)/.test(action.reason);
      if (failed) this.log.warn(`  ${action.view}: ${action.reason}`);
      else this.log.debug(`  ${action.action} ${action.view}: ${action.reason}`);
    }
    if (result.error) this.log.error(`${command.title}: ${result.error}`);

    if (command !== PREVIEW_ROWS) this.statusBar.setLastResult(result.ok, `${command.statusText} ${result.ok ? "passed" : "failed"}`);
    if (result.ok) {
      if (!quiet && command !== PREVIEW_ROWS) void vscode.window.showInformationMessage(result.summary);
      return;
    }
    const message = result.error ?? result.summary;
    this.showFailure(message, (result.databaseErrors ?? 0) > 0 || message.startsWith("The project has"));
  }

  /** Shows a failure with its next step: the password command, the Problems panel or the output. */
  private showFailure(message: string, hasDiagnostics = false): void {
    const firstLine = message.split("\n")[0];
    const actions: string[] = [];
    if (/password/i.test(firstLine)) actions.push(SET_PASSWORD_ACTION);
    if (hasDiagnostics) actions.push(SHOW_PROBLEMS);
    if (/untrusted/i.test(firstLine)) actions.push("Manage Workspace Trust");
    actions.push(OPEN_OUTPUT);
    void vscode.window.showErrorMessage(firstLine, ...actions).then((choice) => {
      if (choice === SHOW_PROBLEMS) void vscode.commands.executeCommand("workbench.actions.view.problems");
      else if (choice === "Manage Workspace Trust") void vscode.commands.executeCommand("workbench.trust.manage");
      else this.server.runAction(choice);
    });
  }

  private async showRenderedSql(target?: vscode.Uri): Promise<void> {
    const uri = this.viewUri(target);
    if (!uri) return;
    if (!vscode.workspace.isTrusted) {
      requireTrust("Show Rendered SQL");
      return;
    }
    this.log.info(`Show rendered SQL: ${vscode.workspace.asRelativePath(uri)}`);
    const document = await vscode.workspace.openTextDocument(RenderedSqlProvider.uriFor(uri));
    await vscode.languages.setTextDocumentLanguage(document, "sql");
    await vscode.window.showTextDocument(document, { viewColumn: vscode.ViewColumn.Beside, preview: true, preserveFocus: true });
  }

  private async setPassword(): Promise<void> {
    const password = await vscode.window.showInputBox({
      title: "Synced Views: Set Warehouse Password",
      prompt: "The warehouse password, kept in the editor's secret storage. Leave empty to remove the stored password.",
      password: true,
      ignoreFocusOut: true,
    });
    if (password === undefined) return;
    if (password === "") {
      await this.context.secrets.delete(PASSWORD_SECRET_KEY);
      this.log.info("The stored warehouse password was removed.");
    } else {
      await this.context.secrets.store(PASSWORD_SECRET_KEY, password);
      this.log.info("A warehouse password was stored in secret storage.");
      void vscode.window.showInformationMessage("Synced Views: the warehouse password is stored in the editor's secret storage.");
    }
    // SecretStorage.onDidChange (extension.ts) sends the new password to the server.
  }

  /** Returns the view file a command acts on: its argument (code lens, menu) or the active editor. */
  private viewUri(target?: vscode.Uri): vscode.Uri | undefined {
    const uri = target instanceof vscode.Uri ? target : vscode.window.activeTextEditor?.document.uri;
    if (!uri || uri.scheme !== "file" || !uri.path.endsWith(".sql")) {
      void vscode.window.showWarningMessage("Open a view file (templates/<schema>/<view>.sql) first; this command acts on the view in the active editor.");
      return undefined;
    }
    return uri;
  }

  /** Returns the project folder a command acts on: the argument's or active editor's workspace folder, else a choice. */
  private async projectUri(target?: vscode.Uri): Promise<vscode.Uri | undefined> {
    const from = target instanceof vscode.Uri ? target : vscode.window.activeTextEditor?.document.uri;
    const folder = from ? vscode.workspace.getWorkspaceFolder(from) : undefined;
    if (folder) return folder.uri;
    const folders = vscode.workspace.workspaceFolders ?? [];
    if (folders.length === 0) {
      void vscode.window.showWarningMessage("Open a folder with a Synced Views project (templates/ or synced-views.json) first.");
      return undefined;
    }
    if (folders.length === 1) return folders[0].uri;
    const picked = await vscode.window.showWorkspaceFolderPick({ placeHolder: "Project folder" });
    return picked?.uri;
  }
}
