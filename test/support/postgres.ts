// Access to the throwaway PostgreSQL cluster that scripts/run-tests.mjs starts for a test run.
// Database tests call requireTestPostgres() or createTestDatabase(), both of which throw when
// no cluster is running, so such a test fails instead of passing without a database.

import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

const NO_CLUSTER_MESSAGE =
  'no test PostgreSQL: run the tests with npm test, which starts one ' +
  '(or `node scripts/run-tests.mjs FILE` for a single file). SYNCED_VIEWS_TEST_PG_URL is not set.';

/** The cluster's roles and address, as scripts/pg-cluster.mjs created them. */
export interface TestPostgres {
  /** Superuser URL, for example postgres://postgres@127.0.0.1:PORT/postgres. */
  url: string;
  host: string;
  port: number;
  superuser: string;
  /** Role that must log in over TCP with a scram-sha-256 password. */
  passwordUser: { name: string; password: string };
  /** Role that logs in without a password and has no privileges of its own. */
  limitedUser: string;
}

export interface TestDatabase {
  /** Superuser URL of the new database. */
  url: string;
  name: string;
  /** Terminates the database's connections, then drops it. */
  drop(): Promise<void>;
}

/** Returns the superuser URL of the test cluster; throws when no cluster is running. */
export function requireTestPostgres(): string {
  const url = process.env.SYNCED_VIEWS_TEST_PG_URL;
  if (!url) {
    throw new Error(NO_CLUSTER_MESSAGE);
  }
  return url;
}

/** Returns the test cluster's address and roles; throws when no cluster is running. */
export function testPostgres(): TestPostgres {
  const url = new URL(requireTestPostgres());
  const password = process.env.SYNCED_VIEWS_TEST_PG_PASSWORD_USER_PASSWORD;
  if (!password) {
    throw new Error(`${NO_CLUSTER_MESSAGE} SYNCED_VIEWS_TEST_PG_PASSWORD_USER_PASSWORD is not set either.`);
  }
  return {
    url: url.toString(),
    host: url.hostname,
    port: Number(process.env.SYNCED_VIEWS_TEST_PG_PORT ?? url.port),
    superuser: decodeURIComponent(url.username),
    passwordUser: { name: 'sv_password_user', password },
    limitedUser: 'sv_limited',
  };
}

/**
 * Returns `url` with its database, and optionally its user and password, replaced.
 * A user without a password removes the password from the URL.
 */
export function withDatabase(url: string, database: string, user?: { name: string; password?: string }): string {
  const result = new URL(url);
  result.pathname = `/${encodeURIComponent(database)}`;
  if (user) {
    result.username = encodeURIComponent(user.name);
    result.password = user.password === undefined ? '' : encodeURIComponent(user.password);
  }
  return result.toString();
}

/** Opens a client on `url`, runs `fn` with it, and closes the client whether `fn` throws or not. */
export async function withClient<T>(url: string, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/**
 * Creates a database with a unique name that starts with `prefix` (lowercased, characters
 * other than a-z, 0-9 and _ replaced by _), for tests that need a database of their own.
 */
export async function createTestDatabase(prefix: string): Promise<TestDatabase> {
  const adminUrl = requireTestPostgres();
  const cleanPrefix = prefix.toLowerCase().replace(/[^a-z0-9_]/g, '_').slice(0, 40);
  // PostgreSQL truncates identifiers to 63 bytes, so the unique suffix is kept short.
  const name = `${cleanPrefix}_${process.pid.toString(36)}_${randomBytes(4).toString('hex')}`;

  await withClient(adminUrl, (client) => client.query(`CREATE DATABASE ${quoteIdentifier(name)}`));

  let dropped = false;
  return {
    url: withDatabase(adminUrl, name),
    name,
    async drop() {
      if (dropped) {
        return;
      }
      dropped = true;
      // WITH (FORCE), available since PostgreSQL 13, terminates the database's sessions before dropping it.
      await withClient(adminUrl, (client) => client.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(name)} WITH (FORCE)`));
    },
  };
}

/** Returns a TCP port on 127.0.0.1 that nothing listens on, for "unreachable server" cases. */
export async function unusedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
