/** The status bar item: the warehouse connection state and the result of the last dry run or sync. */
import * as vscode from "vscode";
import type { ConnectionStatusParams } from "../../server/src/messages";

export class StatusBar implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private connection: ConnectionStatusParams | undefined;
  private lastResult: { ok: boolean; text: string; at: Date } | undefined;

  constructor() {
    this.item = vscode.window.createStatusBarItem("syncedViews.status", vscode.StatusBarAlignment.Left, 10);
    this.item.name = "Synced Views";
    this.item.command = "syncedViews.showOutput";
    this.render();
    this.item.show();
  }

  setConnection(status: ConnectionStatusParams | undefined): void {
    this.connection = status;
    this.render();
  }

  /** Records the result of a dry run or sync, e.g. "dry run passed", with the current time. */
  setLastResult(ok: boolean, text: string): void {
    this.lastResult = { ok, text, at: new Date() };
    this.render();
  }

  dispose(): void {
    this.item.dispose();
  }

  private render(): void {
    const status = this.connection;
    let icon = "$(database)";
    let label: string;
    switch (status?.state) {
      case undefined:
        label = "not configured";
        break;
      case "untrusted":
        icon = "$(shield)";
        label = "untrusted";
        break;
      case "embedded":
        label = "embedded";
        break;
      case "configured":
        label = status.description;
        break;
      case "connected":
        icon = "$(plug)";
        label = status.description;
        break;
      case "unreachable":
        icon = "$(debug-disconnect)";
        label = `unreachable: ${status.description}`;
        break;
      case "invalid":
        icon = "$(warning)";
        label = "invalid connection settings";
        break;
    }
    const result = this.lastResult;
    const resultText = result ? ` | ${result.ok ? "$(check)" : "$(error)"} ${result.text} ${formatTime(result.at)}` : "";
    this.item.text = `${icon} Synced Views: ${label}${resultText}`;

    const tooltip = [`Warehouse: ${describeState(status)}`];
    if (status?.message) tooltip.push(status.message);
    if (result) tooltip.push(`Last: ${result.text} at ${result.at.toLocaleTimeString()}`);
    tooltip.push("Click to open the Synced Views output.");
    this.item.tooltip = tooltip.join("\n");
    this.item.backgroundColor = status?.state === "unreachable" || status?.state === "invalid" ? new vscode.ThemeColor("statusBarItem.warningBackground") : undefined;
  }
}

function describeState(status: ConnectionStatusParams | undefined): string {
  if (!status) return "not configured (the language server has not reported yet)";
  switch (status.state) {
    case "untrusted":
      return "none: the workspace is untrusted";
    case "embedded":
      return "none configured; dry runs use the embedded PostgreSQL with catalog/";
    case "configured":
      return `${status.description} (connects on first use)`;
    case "connected":
      return `connected as ${status.description}`;
    case "unreachable":
      return `${status.description} is unreachable`;
    case "invalid":
      return "invalid connection settings";
  }
}

function formatTime(date: Date): string {
  return date.toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" });
}
