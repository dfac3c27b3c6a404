import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Client } from 'pg';
import {
  ConnectionError,
  connect,
  redactSecrets,
  resolveConnection,
  toConnectionError,
  type ResolvedConnection,
} from '../../engine/database/connection';
import { createTestDatabase, testPostgres, unusedPort, withClient, withDatabase, type TestDatabase } from '../support/postgres';

const SENTINEL = 'S3ntinel-pw-XYZ';

const cluster = testPostgres();
let home: string;
let database: TestDatabase;

before(async () => {
  // An empty HOME keeps a developer's own ~/.pgpass out of these tests.
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'synced-views-connection-'));
  database = await createTestDatabase('connection_test');
});

after(async () => {
  await database?.drop();
  fs.rmSync(home, { recursive: true, force: true });
});

function baseEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { HOME: home, ...extra };
}

function resolveOrFail(options: Parameters<typeof resolveConnection>[0]): ResolvedConnection {
  const resolved = resolveConnection(options);
  assert.ok(resolved, 'expected a resolved connection');
  return resolved;
}

async function queryOnce<T>(resolved: ResolvedConnection, sql: string): Promise<T> {
  const client = await connect(resolved);
  try {
    const result = await client.query(sql);
    return result.rows[0] as T;
  } finally {
    await client.end();
  }
}

async function connectError(resolved: ResolvedConnection): Promise<ConnectionError> {
  let client: Client | undefined;
  try {
    client = await connect(resolved);
  } catch (error) {
    assert.ok(error instanceof ConnectionError, `expected ConnectionError, got ${String(error)}`);
    return error;
  }
  await client.end();
  assert.fail(`connecting as ${resolved.description} succeeded, but a failure was expected`);
}

function writePasswordFile(lines: string[], mode: number): string {
  const file = path.join(home, `pgpass-${Math.random().toString(36).slice(2)}`);
  fs.writeFileSync(file, lines.join('\n') + '\n', { mode });
  fs.chmodSync(file, mode);
  return file;
}

describe('resolveConnection precedence', () => {
  test('explicit url beats DATABASE_URL and PG*', async () => {
    const resolved = resolveOrFail({
      url: database.url,
      env: baseEnv({
        DATABASE_URL: withDatabase(cluster.url, 'postgres'),
        PGHOST: '127.0.0.1',
        PGPORT: '1',
        PGDATABASE: 'template1',
      }),
    });
    assert.equal(resolved.source, 'url');
    const row = await queryOnce<{ current_database: string }>(resolved, 'SELECT current_database()');
    assert.equal(row.current_database, database.name);
  });

  test('DATABASE_URL beats PG*', async () => {
    const resolved = resolveOrFail({
      env: baseEnv({ DATABASE_URL: database.url, PGHOST: '127.0.0.1', PGPORT: '1', PGDATABASE: 'template1' }),
    });
    assert.equal(resolved.source, 'DATABASE_URL');
    const row = await queryOnce<{ current_database: string }>(resolved, 'SELECT current_database()');
    assert.equal(row.current_database, database.name);
  });

  test('PG* variables alone', async () => {
    const resolved = resolveOrFail({
      env: baseEnv({
        PGHOST: cluster.host,
        PGPORT: String(cluster.port),
        PGDATABASE: database.name,
        PGUSER: cluster.limitedUser,
      }),
    });
    assert.equal(resolved.source, 'environment');
    assert.equal(resolved.description, `${cluster.limitedUser}@${cluster.host}:${cluster.port}/${database.name}`);
    const row = await queryOnce<{ current_database: string; current_user: string }>(
      resolved,
      'SELECT current_database(), current_user',
    );
    assert.equal(row.current_database, database.name);
    assert.equal(row.current_user, cluster.limitedUser);
  });

  test('PG* variables fill parts missing from url', async () => {
    const resolved = resolveOrFail({
      url: `postgres://${cluster.host}:${cluster.port}`,
      env: baseEnv({ PGUSER: cluster.limitedUser, PGDATABASE: database.name, PGPORT: '1' }),
    });
    assert.equal(resolved.config.port, cluster.port);
    const row = await queryOnce<{ current_database: string; current_user: string }>(
      resolved,
      'SELECT current_database(), current_user',
    );
    assert.equal(row.current_database, database.name);
    assert.equal(row.current_user, cluster.limitedUser);
  });

  test('nothing configured returns undefined', () => {
    assert.equal(resolveConnection({ env: baseEnv() }), undefined);
    assert.equal(resolveConnection({ url: '  ', env: baseEnv() }), undefined);
    assert.equal(resolveConnection({ env: baseEnv({ PGPASSWORD: SENTINEL, PGSSLMODE: 'require' }) }), undefined);
  });

  test('PGSERVICE alone is rejected', () => {
    assert.throws(
      () => resolveConnection({ env: baseEnv({ PGSERVICE: 'warehouse' }) }),
      (error: unknown) => error instanceof ConnectionError && /pg_service\.conf/.test(error.message),
    );
  });

  test('keyword/value connection string', async () => {
    const resolved = resolveOrFail({
      url: `host=${cluster.host} port=${cluster.port} dbname='${database.name}' user=${cluster.superuser}`,
      env: baseEnv(),
    });
    const row = await queryOnce<{ current_database: string }>(resolved, 'SELECT current_database()');
    assert.equal(row.current_database, database.name);
  });

  test('invalid port and sslmode are rejected', () => {
    for (const env of [{ PGPORT: 'abc' }, { PGPORT: '70000' }, { PGHOST: 'localhost', PGSSLMODE: 'sometimes' }]) {
      assert.throws(
        () => resolveConnection({ env: baseEnv(env) }),
        (error: unknown) => error instanceof ConnectionError && error.code === 'other',
        JSON.stringify(env),
      );
    }
  });
});

describe('resolveConnection settings', () => {
  test('connect timeout defaults and overrides', () => {
    const cases: [NodeJS.ProcessEnv, number][] = [
      [{}, 10_000],
      [{ PGCONNECT_TIMEOUT: '5' }, 5_000],
      [{ PGCONNECT_TIMEOUT: '1' }, 2_000],
      [{ PGCONNECT_TIMEOUT: '0' }, 0],
    ];
    for (const [env, expected] of cases) {
      const resolved = resolveOrFail({ env: baseEnv({ PGHOST: '127.0.0.1', ...env }) });
      assert.equal(resolved.config.connectionTimeoutMillis, expected, JSON.stringify(env));
    }
    const fromUrl = resolveOrFail({ url: 'postgres://127.0.0.1/db?connect_timeout=7', env: baseEnv() });
    assert.equal(fromUrl.config.connectionTimeoutMillis, 7_000);
  });

  test('application name from option and PGAPPNAME', async () => {
    const fallback = resolveOrFail({ url: database.url, env: baseEnv(), applicationName: 'synced-views-test' });
    const first = await queryOnce<{ name: string }>(fallback, "SELECT current_setting('application_name') AS name");
    assert.equal(first.name, 'synced-views-test');

    const explicit = resolveOrFail({
      url: database.url,
      env: baseEnv({ PGAPPNAME: 'from-env' }),
      applicationName: 'synced-views-test',
    });
    const second = await queryOnce<{ name: string }>(explicit, "SELECT current_setting('application_name') AS name");
    assert.equal(second.name, 'from-env');
  });

  test('sslmode in url', async () => {
    const disabled = resolveOrFail({ url: `${database.url}?sslmode=disable`, env: baseEnv() });
    assert.equal(disabled.sslmode, 'disable');
    assert.equal((await queryOnce<{ one: number }>(disabled, 'SELECT 1 AS one')).one, 1);

    // The test cluster has no SSL, so prefer must fall back to an unencrypted connection.
    const preferred = resolveOrFail({ url: database.url, env: baseEnv() });
    assert.equal(preferred.sslmode, 'prefer');
    assert.equal((await queryOnce<{ one: number }>(preferred, 'SELECT 1 AS one')).one, 1);
  });

  test('resolved connection never serialises the password', () => {
    const url = withDatabase(cluster.url, database.name, { name: cluster.passwordUser.name, password: SENTINEL });
    const resolved = resolveOrFail({ url, env: baseEnv() });
    assert.equal(resolved.passwordSource, 'url');
    assert.ok(!resolved.description.includes(SENTINEL));
    assert.ok(!JSON.stringify(resolved).includes(SENTINEL));
  });
});

describe('password file', () => {
  test('PGPASSFILE with mode 0600 supplies the password', async () => {
    const file = writePasswordFile(
      [
        '# comment line',
        `${cluster.host}:${cluster.port}:other_database:${cluster.passwordUser.name}:wrong-password`,
        `${cluster.host}:${cluster.port}:*:${cluster.passwordUser.name}:${cluster.passwordUser.password}`,
      ],
      0o600,
    );
    const resolved = resolveOrFail({
      env: baseEnv({
        PGHOST: cluster.host,
        PGPORT: String(cluster.port),
        PGDATABASE: database.name,
        PGUSER: cluster.passwordUser.name,
        PGPASSFILE: file,
      }),
    });
    assert.equal(resolved.passwordSource, 'pgpass');
    assert.equal(resolved.passwordFile, file);
    const row = await queryOnce<{ current_user: string }>(resolved, 'SELECT current_user');
    assert.equal(row.current_user, cluster.passwordUser.name);
  });

  test('~/.pgpass is read from HOME', async () => {
    const ownHome = fs.mkdtempSync(path.join(os.tmpdir(), 'synced-views-home-'));
    try {
      const file = path.join(ownHome, '.pgpass');
      fs.writeFileSync(file, `*:*:*:${cluster.passwordUser.name}:${cluster.passwordUser.password}\n`, { mode: 0o600 });
      const resolved = resolveOrFail({
        url: withDatabase(cluster.url, database.name, { name: cluster.passwordUser.name }),
        env: { HOME: ownHome },
      });
      assert.equal(resolved.passwordFile, file);
      const row = await queryOnce<{ current_user: string }>(resolved, 'SELECT current_user');
      assert.equal(row.current_user, cluster.passwordUser.name);
    } finally {
      fs.rmSync(ownHome, { recursive: true, force: true });
    }
  });

  test('group-readable file is ignored with warning', async () => {
    const file = writePasswordFile([`*:*:*:*:${cluster.passwordUser.password}`], 0o644);
    const resolved = resolveOrFail({
      url: withDatabase(cluster.url, database.name, { name: cluster.passwordUser.name }),
      env: baseEnv({ PGPASSFILE: file }),
    });
    assert.equal(resolved.passwordSource, 'none');
    assert.equal(resolved.warnings.length, 1);
    assert.match(resolved.warnings[0], /chmod 600/);
    const error = await connectError(resolved);
    assert.equal(error.code, 'auth');
    assert.match(error.message, /requires a password for user sv_password_user/);
  });

  test('PGPASSWORD beats the password file', () => {
    const file = writePasswordFile([`*:*:*:*:${cluster.passwordUser.password}`], 0o600);
    const resolved = resolveOrFail({
      env: baseEnv({ PGHOST: cluster.host, PGPASSWORD: SENTINEL, PGPASSFILE: file }),
    });
    assert.equal(resolved.passwordSource, 'PGPASSWORD');
    assert.equal(resolved.passwordFile, undefined);
  });
});

describe('connect failures', () => {
  test('wrong password from PGPASSWORD', async () => {
    const resolved = resolveOrFail({
      env: baseEnv({
        PGHOST: cluster.host,
        PGPORT: String(cluster.port),
        PGDATABASE: database.name,
        PGUSER: cluster.passwordUser.name,
        PGPASSWORD: SENTINEL,
      }),
    });
    const error = await connectError(resolved);
    assert.equal(error.code, 'auth');
    assert.equal(error.sqlState, '28P01');
    assert.equal(
      error.message,
      `password authentication failed for user sv_password_user at ${cluster.host}:${cluster.port}. Check PGPASSWORD.`,
    );
    assert.ok(!error.message.includes(SENTINEL));
    assert.ok(!String(error.stack).includes(SENTINEL));
    assert.ok(!resolved.description.includes(SENTINEL));
  });

  test('wrong password in url', async () => {
    const url = withDatabase(cluster.url, database.name, { name: cluster.passwordUser.name, password: SENTINEL });
    const resolved = resolveOrFail({ url, env: baseEnv() });
    const error = await connectError(resolved);
    assert.equal(error.code, 'auth');
    assert.match(error.message, /Check the password in the connection URL\./);
    assert.ok(!error.message.includes(SENTINEL));
    assert.ok(!resolved.description.includes(SENTINEL));
  });

  test('unreachable port', async () => {
    const port = await unusedPort();
    const resolved = resolveOrFail({ url: `postgres://postgres@127.0.0.1:${port}/postgres`, env: baseEnv() });
    const error = await connectError(resolved);
    assert.equal(error.code, 'unreachable');
    assert.equal(
      error.message,
      `could not connect to PostgreSQL at 127.0.0.1:${port}: connection refused. Is the server running? ` +
        'Set --db, DATABASE_URL or PGHOST/PGPORT.',
    );
  });

  test('missing database', async () => {
    const missing = `${database.name}_missing`;
    const resolved = resolveOrFail({ url: withDatabase(cluster.url, missing), env: baseEnv() });
    const error = await connectError(resolved);
    assert.equal(error.code, 'no-database');
    assert.equal(error.sqlState, '3D000');
    assert.match(error.message, new RegExp(`database "${missing}" does not exist on PostgreSQL at 127\\.0\\.0\\.1:${cluster.port}`));
  });

  test('unknown role', async () => {
    const resolved = resolveOrFail({
      url: withDatabase(cluster.url, database.name, { name: 'no_such_role' }),
      env: baseEnv(),
    });
    const error = await connectError(resolved);
    assert.equal(error.code, 'auth');
    assert.match(error.message, /rejected user no_such_role: role "no_such_role" does not exist/);
  });

  test('no CONNECT privilege', async () => {
    const locked = await createTestDatabase('connection_locked');
    try {
      await withClient(locked.url, (client) => client.query(`REVOKE CONNECT ON DATABASE "${locked.name}" FROM PUBLIC`));
      const resolved = resolveOrFail({
        url: withDatabase(cluster.url, locked.name, { name: cluster.limitedUser }),
        env: baseEnv(),
      });
      const error = await connectError(resolved);
      assert.equal(error.code, 'permission');
      assert.equal(error.sqlState, '42501');
      assert.match(error.message, new RegExp(`GRANT CONNECT ON DATABASE "${locked.name}" TO "sv_limited"`));
    } finally {
      await locked.drop();
    }
  });

  test('sslmode=require on a server without SSL', async () => {
    const resolved = resolveOrFail({ url: `${database.url}?sslmode=require`, env: baseEnv() });
    const error = await connectError(resolved);
    assert.equal(error.code, 'ssl');
    assert.match(error.message, /does not accept SSL connections, but sslmode is require/);
  });

  test('silent server times out', async () => {
    // Accepts TCP connections and never responds, like a server behind a firewall that drops packets.
    const sockets: net.Socket[] = [];
    const server = net.createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as net.AddressInfo;
    try {
      const resolved = resolveOrFail({
        url: `postgres://postgres@127.0.0.1:${port}/postgres?sslmode=disable`,
        env: baseEnv({ PGCONNECT_TIMEOUT: '2' }),
      });
      const started = Date.now();
      const error = await connectError(resolved);
      const elapsed = Date.now() - started;
      assert.equal(error.code, 'timeout');
      assert.match(error.message, new RegExp(`at 127\\.0\\.0\\.1:${port}: no response within 2 s`));
      assert.ok(elapsed >= 1_900, `timed out after ${elapsed} ms, before the 2 s timeout`);
      assert.ok(elapsed < 5_000, `timed out after ${elapsed} ms, long after the 2 s timeout`);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  test('DNS failure message', () => {
    // Built the way Node reports a failed getaddrinfo, because a real lookup would query a DNS server.
    const lookupError = Object.assign(new Error('getaddrinfo ENOTFOUND warehouse.example'), {
      code: 'ENOTFOUND',
      syscall: 'getaddrinfo',
      hostname: 'warehouse.example',
    });
    const resolved = resolveOrFail({ url: 'postgres://analyst@warehouse.example/dwh', env: baseEnv() });
    const error = toConnectionError(lookupError, resolved);
    assert.equal(error.code, 'unreachable');
    assert.match(error.message, /host name "warehouse\.example" could not be resolved/);
    assert.match(error.message, /warehouse\.example:5432/);
  });
});

describe('redactSecrets', () => {
  const cases: [string, string[], string][] = [
    ['postgres://alice:S3cret@db:5432/dwh', [], 'postgres://alice:***@db:5432/dwh'],
    ['postgresql://alice:p%40ss@db/dwh?sslmode=require', [], 'postgresql://alice:***@db/dwh?sslmode=require'],
    ['failed: postgres://alice:a@b@db/dwh then', [], 'failed: postgres://alice:***@db/dwh then'],
    ['postgres://alice@db/dwh', [], 'postgres://alice@db/dwh'],
    ["host=db password='it\\'s x' user=alice", [], 'host=db password=*** user=alice'],
    ['host=db password=S3cret user=alice', [], 'host=db password=*** user=alice'],
    ['PGPASSWORD=S3cret psql', [], 'PGPASSWORD=*** psql'],
    ['postgres://db/dwh?password=S3cret&sslmode=require', [], 'postgres://db/dwh?password=***&sslmode=require'],
    [`auth failed for ${SENTINEL}`, [SENTINEL], 'auth failed for ***'],
    ['encoded a%2Fb%40c', ['a/b@c'], 'encoded ***'],
    ['nothing secret here', [undefined as unknown as string, ''], 'nothing secret here'],
  ];
  for (const [input, secrets, expected] of cases) {
    test(`redacts ${JSON.stringify(input)}`, () => {
      assert.equal(redactSecrets(input, ...secrets), expected);
    });
  }
});
