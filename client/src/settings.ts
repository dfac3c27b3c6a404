/** The extension's settings (`syncedViews.*`) and the warehouse password in the editor's secret storage. */
import * as vscode from "vscode";
import type { SetConnectionParams, WarehouseSettings } from "../../server/src/messages";
import { connectionStringHasPassword, validateWarehouseSettings } from "../../server/src/commands/connection-string";

export const SECTION = "syncedViews";
/** SecretStorage key of the warehouse password. */
export const PASSWORD_SECRET_KEY = "syncedViews.warehousePassword";

export function readWarehouseSettings(): WarehouseSettings {
  const config = vscode.workspace.getConfiguration(`${SECTION}.connection`);
  const text = (key: string): string | undefined => {
    const value = config.get<string>(key);
    return typeof value === "string" && value.trim() !== "" ? value.trim() : undefined;
  };
  const port = config.get<number | null>("port");
  return {
    host: text("host"),
    port: typeof port === "number" ? port : undefined,
    database: text("database"),
    user: text("user"),
    sslmode: text("sslmode"),
    connectionString: text("connectionString"),
  };
}

export function readPersonalPrefix(): string | undefined {
  const value = vscode.workspace.getConfiguration(SECTION).get<string>("personalPrefix");
  return value && value.trim() !== "" ? value.trim() : undefined;
}

export function syncOnSaveEnabled(): boolean {
  return vscode.workspace.getConfiguration(SECTION).get<boolean>("syncOnSave") === true;
}

/**
 * Builds the setConnection request, or returns the problem that keeps the settings from being
 * used (a password in the connection string). The password comes only from secret storage.
 */
export async function buildConnectionParams(secrets: vscode.SecretStorage): Promise<{ params: SetConnectionParams; problem?: string }> {
  const settings = readWarehouseSettings();
  const problem = validateWarehouseSettings(settings);
  const password = await secrets.get(PASSWORD_SECRET_KEY);
  const params: SetConnectionParams = { settings, password: password || undefined, personalPrefix: readPersonalPrefix() };
  return { params, problem };
}

/** Describes the effective settings for the log: every setting, and whether a password is stored, never the password itself. */
export function describeSettings(params: SetConnectionParams): string {
  const { settings } = params;
  const parts = [
    `host=${settings.host ?? "(unset)"}`,
    `port=${settings.port ?? "(unset)"}`,
    `database=${settings.database ?? "(unset)"}`,
    `user=${settings.user ?? "(unset)"}`,
    `sslmode=${settings.sslmode ?? "(unset)"}`,
    `connectionString=${describeConnectionString(settings.connectionString)}`,
    `password=${params.password ? "stored in secret storage" : "none stored"}`,
    `personalPrefix=${params.personalPrefix ?? "(project default)"}`,
    `syncOnSave=${syncOnSaveEnabled()}`,
  ];
  return parts.join(", ");
}

function describeConnectionString(text: string | undefined): string {
  if (!text) return "(unset)";
  return connectionStringHasPassword(text) ? "(contains a password, so it is not used)" : text;
}
