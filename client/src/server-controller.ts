/**
 * Starts and restarts the language server (dist/server.js over Node IPC) and keeps it informed of
 * the connection settings. The client id is `syncedViews`, so `syncedViews.trace.server` traces it.
 */
import * as vscode from "vscode";
import { LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from "vscode-languageclient/node";
import {
  CONNECTION_STATUS_NOTIFICATION,
  PROJECT_INDEXED_NOTIFICATION,
  SET_CONNECTION_REQUEST,
  type ConnectionStatusParams,
  type ProjectIndexedParams,
} from "../../server/src/messages";
import { buildConnectionParams, describeSettings } from "./settings";
import type { StatusBar } from "./status-bar";

export const CLIENT_ID = "syncedViews";
export const LANGUAGE_ID = "synced-views-sql";
export const SET_PASSWORD_ACTION = "Set Warehouse Password";
const OPEN_OUTPUT = "Open Output";
const OPEN_SETTINGS = "Open Settings";

export class ServerController implements vscode.Disposable {
  client: LanguageClient | undefined;
  private readonly context: vscode.ExtensionContext;
  private readonly log: vscode.LogOutputChannel;
  private readonly statusBar: StatusBar;
  private lastStatus: ConnectionStatusParams | undefined;
  private starting: Promise<void> | undefined;

  constructor(context: vscode.ExtensionContext, log: vscode.LogOutputChannel, statusBar: StatusBar) {
    this.context = context;
    this.log = log;
    this.statusBar = statusBar;
  }

  start(): Promise<void> {
    this.starting ??= this.startClient().finally(() => {
      this.starting = undefined;
    });
    return this.starting;
  }

  async restart(reason: string): Promise<void> {
    this.log.info(`Restarting the language server: ${reason}.`);
    await this.stop();
    await this.start();
  }

  async stop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (client) {
      try {
        await client.stop();
      } catch (error) {
        this.log.error(`Stopping the language server failed: ${error instanceof Error ? error.message : String(error)}`);
      }
      await client.dispose();
    }
  }

  /** Sends the current settings and stored password to the server; logs the settings without the password. */
  async sendConnection(): Promise<void> {
    const { params, problem } = await buildConnectionParams(this.context.secrets);
    this.log.info(`Connection settings: ${describeSettings(params)}.`);
    if (problem) {
      this.log.error(problem);
      void vscode.window.showErrorMessage(problem, SET_PASSWORD_ACTION, OPEN_SETTINGS).then((choice) => {
        if (choice === SET_PASSWORD_ACTION) void vscode.commands.executeCommand("syncedViews.setWarehousePassword");
        if (choice === OPEN_SETTINGS) void vscode.commands.executeCommand("workbench.action.openSettings", "syncedViews.connection");
      });
    }
    const client = this.client;
    if (!client || !vscode.workspace.isTrusted) return;
    try {
      const status = await client.sendRequest<ConnectionStatusParams>(SET_CONNECTION_REQUEST, params);
      this.onStatus(status, false);
    } catch (error) {
      this.log.error(`Sending the connection settings to the language server failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  private async startClient(): Promise<void> {
    const serverModule = this.context.asAbsolutePath("dist/server.js");
    const serverOptions: ServerOptions = {
      run: { module: serverModule, transport: TransportKind.ipc },
      debug: { module: serverModule, transport: TransportKind.ipc, options: { execArgv: ["--nolazy", "--inspect=6009"] } },
    };
    const clientOptions: LanguageClientOptions = {
      documentSelector: [
        { language: LANGUAGE_ID },
        { scheme: "file", pattern: "**/templates/**/*.sql" },
        { scheme: "file", pattern: "**/synced-views.json" },
      ],
      initializationOptions: { trusted: vscode.workspace.isTrusted },
      outputChannel: this.log,
    };
    const client = new LanguageClient(CLIENT_ID, "Synced Views", serverOptions, clientOptions);
    this.client = client;
    this.log.info(`Starting the language server ${serverModule} (workspace trusted: ${vscode.workspace.isTrusted}).`);
    const started = Date.now();
    await client.start();
    this.log.info(`Language server started in ${Date.now() - started} ms.`);
    client.onNotification(CONNECTION_STATUS_NOTIFICATION, (status: ConnectionStatusParams) => this.onStatus(status, true));
    client.onNotification(PROJECT_INDEXED_NOTIFICATION, (params: ProjectIndexedParams) => {
      if (params.loadError) this.log.warn(`Project ${params.folderUri} could not be loaded: ${params.loadError}`);
    });
    if (vscode.workspace.isTrusted) await this.sendConnection();
    else this.onStatus({ state: "untrusted", description: "untrusted workspace" }, false);
  }

  /** Updates the status bar, and warns once when the warehouse becomes unreachable or the settings invalid. */
  private onStatus(status: ConnectionStatusParams, fromServer: boolean): void {
    const previous = this.lastStatus;
    this.lastStatus = status;
    this.statusBar.setConnection(status);
    if (fromServer) this.log.info(`Warehouse connection: ${status.state}, ${status.description}${status.message ? ` (${status.message})` : ""}.`);
    const changed = previous?.state !== status.state || previous?.message !== status.message;
    if (!changed) return;
    if (status.state === "unreachable") {
      const actions = /password/i.test(status.message ?? "") ? [SET_PASSWORD_ACTION, OPEN_OUTPUT] : [OPEN_OUTPUT, OPEN_SETTINGS];
      void vscode.window.showWarningMessage(`Synced Views cannot reach the warehouse: ${status.message ?? status.description}`, ...actions).then((choice) => this.runAction(choice));
    } else if (status.state === "invalid" && fromServer) {
      void vscode.window.showErrorMessage(`Synced Views connection settings are invalid: ${status.message ?? ""}`, OPEN_SETTINGS, SET_PASSWORD_ACTION).then((choice) => this.runAction(choice));
    }
  }

  /** Runs the follow-up a notification button offers. */
  runAction(choice: string | undefined): void {
    if (choice === OPEN_OUTPUT) this.log.show(true);
    else if (choice === OPEN_SETTINGS) void vscode.commands.executeCommand("workbench.action.openSettings", "syncedViews.connection");
    else if (choice === SET_PASSWORD_ACTION) void vscode.commands.executeCommand("syncedViews.setWarehousePassword");
  }

  dispose(): void {
    void this.stop();
  }
}
