/**
 * Entry point of the Synced Views extension: starts the language server, registers the commands,
 * code lenses, the rendered-SQL documents and the status bar, and passes settings changes on.
 */
import * as vscode from "vscode";
import { ViewCodeLensProvider } from "./code-lens";
import { Commands } from "./commands";
import { RenderedSqlProvider, RENDERED_SQL_SCHEME } from "./rendered-sql";
import { LANGUAGE_ID, ServerController } from "./server-controller";
import { PASSWORD_SECRET_KEY, SECTION } from "./settings";
import { StatusBar } from "./status-bar";

let controller: ServerController | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const log = vscode.window.createOutputChannel("Synced Views", { log: true });
  const statusBar = new StatusBar();
  controller = new ServerController(context, log, statusBar);
  const server = controller;
  const renderedSql = new RenderedSqlProvider(() => server.client);
  context.subscriptions.push(log, statusBar, controller, renderedSql);
  context.subscriptions.push(vscode.workspace.registerTextDocumentContentProvider(RENDERED_SQL_SCHEME, renderedSql));
  context.subscriptions.push(vscode.languages.registerCodeLensProvider({ language: LANGUAGE_ID, scheme: "file" }, new ViewCodeLensProvider()));
  new Commands(context, server, log, statusBar, renderedSql).register();

  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration(`${SECTION}.connection`) || event.affectsConfiguration(`${SECTION}.personalPrefix`)) void server.sendConnection();
      else if (event.affectsConfiguration(`${SECTION}.syncOnSave`)) log.info(`syncedViews.syncOnSave is now ${vscode.workspace.getConfiguration(SECTION).get("syncOnSave")}.`);
    }),
    context.secrets.onDidChange((event) => {
      if (event.key === PASSWORD_SECRET_KEY) void server.sendConnection();
    }),
    // The server renders templates and connects only in a trusted workspace, and reads trust at start.
    vscode.workspace.onDidGrantWorkspaceTrust(() => void server.restart("the workspace is now trusted")),
  );

  log.info(`Synced Views ${context.extension.packageJSON.version as string} activating.`);
  try {
    await server.start();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    log.error(`The language server did not start: ${message}`);
    void vscode.window.showErrorMessage(`Synced Views: the language server did not start: ${message}`, "Open Output", "Restart Server").then((choice) => {
      if (choice === "Open Output") log.show(true);
      if (choice === "Restart Server") void vscode.commands.executeCommand("syncedViews.restartServer");
    });
  }
}

export async function deactivate(): Promise<void> {
  await controller?.stop();
  controller = undefined;
}
