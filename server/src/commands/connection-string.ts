/**
 * Checks on the connection settings that both the client and the server run. It imports nothing,
 * so the extension bundle can use it without pulling in the database driver.
 */
import type { WarehouseSettings } from "../messages";

/** libpq's sslmode values. */
export const SSL_MODES = ["disable", "allow", "prefer", "require", "verify-ca", "verify-full"] as const;

/**
 * Returns true when a libpq connection string carries a password: `postgres://user:secret@host`,
 * a `password=` query parameter, or a `password=...` keyword. The settings must never hold one,
 * because settings files are plain text and often committed.
 */
export function connectionStringHasPassword(text: string): boolean {
  const trimmed = text.trim();
  if (/^postgres(ql)?:\/\//i.test(trimmed)) {
    const authority = trimmed.replace(/^postgres(ql)?:\/\//i, "").split(/[/?#]/)[0];
    const at = authority.lastIndexOf("@");
    if (at >= 0 && authority.slice(0, at).includes(":")) return true;
    return /[?&]password=/i.test(trimmed);
  }
  return /(^|\s)password\s*=/i.test(trimmed);
}

/** Returns true when any connection setting is given, so PG* variables and ~/.pgpass are not the source. */
export function hasWarehouseSettings(settings: WarehouseSettings): boolean {
  return Boolean(settings.host || settings.port || settings.database || settings.user || settings.sslmode || settings.connectionString);
}

/**
 * Returns the problem with the settings, or undefined when they can be used. A password in the
 * connection string is rejected, so the connection is not used until the user removes it.
 */
export function validateWarehouseSettings(settings: WarehouseSettings): string | undefined {
  if (settings.connectionString && connectionStringHasPassword(settings.connectionString)) {
    return 'The setting syncedViews.connection.connectionString contains a password. Remove it from the setting and run "Synced Views: Set Warehouse Password", which keeps it in the editor\'s secret storage.';
  }
  if (settings.port !== undefined && (!Number.isInteger(settings.port) || settings.port < 1 || settings.port > 65535)) {
    return `The setting syncedViews.connection.port is ${settings.port}; expected a TCP port between 1 and 65535.`;
  }
  if (settings.sslmode && !(SSL_MODES as readonly string[]).includes(settings.sslmode)) {
    return `The setting syncedViews.connection.sslmode is "${settings.sslmode}"; expected one of ${SSL_MODES.join(", ")}.`;
  }
  return undefined;
}

/** Returns true for a personal prefix PostgreSQL accepts unquoted as the start of a schema name. */
export function isValidPersonalPrefix(prefix: string): boolean {
  return /^[a-z_][a-z0-9_]*$/.test(prefix);
}
