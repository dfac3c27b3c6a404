// How the command line reports bad input and failing databases: one clear message, the
// documented exit code (0 ok, 1 project or database error, 2 usage), and the --json shapes.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Client } from 'pg';
import { createTestDatabase, testPostgres, unusedPort, withDatabase, type TestDatabase } from '../support/postgres';
import { buildCli, openClient, runCli, snapshotDatabase, writeProject } from '../db/sync-fixtures';

const SENTINEL_PASSWORD = 'Sentinel-Password-7c41e2';

const PROJECT = {
  'templates/core/base.sql': 'select c.id as customer_id from raw.customers as c\n',
  'templates/core_1/derived.sql': 'select b.customer_id from core.base as b\n',
};

const cluster = testPostgres();
let database: TestDatabase;
let client: Client;
let dir: string;
let notAProject: string;

before(async () => {
  buildCli();
  database = await createTestDatabase('cli_errors');
  client = await openClient(database.url);
  await client.query(`CREATE SCHEMA raw; CREATE TABLE raw.customers (id integer)`);
  dir = writeProject(PROJECT);
  notAProject = fs.mkdtempSync(path.join(os.tmpdir(), 'synced-views-not-a-project-'));
});

after(async () => {
  await client?.end();
  await database?.drop();
  for (const folder of [dir, notAProject]) if (folder) fs.rmSync(folder, { recursive: true, force: true });
});

const DIAGNOSTIC_KEYS = ['code', 'column', 'endColumn', 'endLine', 'file', 'line', 'message', 'severity'];

describe('usage errors exit 2', () => {
  test('unknown command', async () => {
    const run = await runCli(['frobnicate', dir]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /Unknown command "frobnicate"/);
    assert.match(run.stderr, /Usage: synced-views/);
    assert.equal(run.stdout, '');
  });

  test('unknown flag', async () => {
    const run = await runCli(['check', dir, '--frobnicate']);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /--frobnicate/);
    assert.match(run.stderr, /Usage: synced-views/);
  });

  test('flag with an invalid value', async () => {
    const run = await runCli(['plan', dir, '--lock-timeout', 'soon']);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /--lock-timeout takes a whole number, not "soon"/);
  });

  test('directory that is not a project', async () => {
    const run = await runCli(['check', notAProject]);
    assert.equal(run.code, 2);
    assert.ok(run.stderr.includes(notAProject), run.stderr);
    assert.match(run.stderr, /no templates\/ folder/);
  });

  test('sync without a database', async () => {
    const run = await runCli(['sync', dir]);
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /sync needs a database: pass --db <url>, or set DATABASE_URL/);
    assert.doesNotMatch(run.stderr, /Unexpected|at .*\.ts:/);
  });
});

describe('database errors exit 1', () => {
  test('unreachable database', async () => {
    const port = await unusedPort();
    const run = await runCli(['sync', dir, '--db', `postgres://postgres@127.0.0.1:${port}/postgres`]);
    assert.equal(run.code, 1, run.stderr);
    assert.ok(run.stderr.includes(`127.0.0.1:${port}`), run.stderr);
    assert.doesNotMatch(run.stderr, /Unexpected failure/);
  });

  test('wrong password stays secret', async () => {
    const url = withDatabase(cluster.url, database.name, { name: cluster.passwordUser.name, password: SENTINEL_PASSWORD });

    for (const args of [['sync', dir, '--db', url], ['plan', dir, '--db', url, '--json']]) {
      const run = await runCli(args);
      assert.equal(run.code, 1, run.stderr);
      assert.match(run.stderr + run.stdout, /password authentication failed|password/i);
      assert.ok(run.stderr.includes(cluster.passwordUser.name), run.stderr);
      assert.ok(!run.stdout.includes(SENTINEL_PASSWORD), 'password on stdout');
      assert.ok(!run.stderr.includes(SENTINEL_PASSWORD), 'password on stderr');
    }

    // The same password from DATABASE_URL must stay secret too.
    const fromEnvironment = await runCli(['sync', dir], { DATABASE_URL: url });
    assert.equal(fromEnvironment.code, 1, fromEnvironment.stderr);
    assert.ok(!(fromEnvironment.stdout + fromEnvironment.stderr).includes(SENTINEL_PASSWORD));
  });

  test('permission denied creates nothing', async () => {
    // A database of its own, because revoking PUBLIC's privileges must not affect the other tests.
    const target = await createTestDatabase('cli_errors_limited');
    const admin = await openClient(target.url);
    try {
      await admin.query(`CREATE SCHEMA raw; CREATE TABLE raw.customers (id integer)`);
      await admin.query(`REVOKE ALL ON DATABASE "${target.name}" FROM PUBLIC`);
      await admin.query(`GRANT CONNECT ON DATABASE "${target.name}" TO ${cluster.limitedUser}`);
      const before = await snapshotDatabase(admin, ['raw', 'core', 'synced_views']);

      const run = await runCli(['sync', dir, '--db', withDatabase(cluster.url, target.name, { name: cluster.limitedUser })]);

      assert.equal(run.code, 1, run.stderr);
      assert.match(run.stderr, /permission denied/);
      assert.match(run.stderr, /synced_views/);
      assert.match(run.stderr, /needs CREATE on the database/);
      assert.match(run.stderr, /Nothing was changed/);
      assert.equal(run.stderr.trim().split('\n').filter((line) => line.startsWith('synced-views:')).length, 1, run.stderr);
      assert.deepEqual(await snapshotDatabase(admin, ['raw', 'core', 'synced_views']), before);
    } finally {
      await admin.end();
      await target.drop();
    }
  });
});

describe('json output', () => {
  test('check and dry-run shapes', async () => {
    const broken = writeProject({ ...PROJECT, 'templates/core/bad.sql': 'select from from\n' });
    try {
      const check = await runCli(['check', broken, '--json']);
      assert.equal(check.code, 1);
      const output = JSON.parse(check.stdout);
      assert.deepEqual(Object.keys(output).sort(), ['diagnostics', 'views']);
      assert.equal(output.views, 3);
      assert.ok(output.diagnostics.length > 0);
      for (const diagnostic of output.diagnostics) assert.deepEqual(Object.keys(diagnostic).sort(), DIAGNOSTIC_KEYS);
      assert.equal(output.diagnostics[0].file, 'templates/core/bad.sql');
      assert.equal(output.diagnostics[0].code, 'sql/syntax');

      const dryRun = await runCli(['dry-run', dir, '--json', '--db', database.url]);
      assert.equal(dryRun.code, 0, dryRun.stderr);
      const dryOutput = JSON.parse(dryRun.stdout);
      assert.equal(dryOutput.views, 2);
      assert.deepEqual(dryOutput.diagnostics, []);
    } finally {
      fs.rmSync(broken, { recursive: true, force: true });
    }
  });

  test('plan and sync shapes', async () => {
    const plan = await runCli(['plan', dir, '--json', '--db', database.url]);
    assert.equal(plan.code, 0, plan.stderr);
    const planned = JSON.parse(plan.stdout);
    assert.equal(planned.target, 'prod');
    assert.deepEqual(planned.actions.map((action: object) => Object.keys(action).sort()), [['action', 'reason', 'view'], ['action', 'reason', 'view']]);
    assert.deepEqual(planned.actions.map((action: { view: string; action: string }) => [action.view, action.action]), [['core.base', 'create'], ['core.derived', 'create']]);
    const afterPlan = await client.query(`SELECT to_regclass('core.base') AS oid`);
    assert.equal(afterPlan.rows[0].oid, null, 'plan must not create views');

    const sync = await runCli(['sync', dir, '--json', '--db', database.url]);
    assert.equal(sync.code, 0, sync.stderr);
    const synced = JSON.parse(sync.stdout);
    assert.equal(synced.target, 'prod');
    assert.deepEqual(synced.actions, planned.actions);
    const afterSync = await client.query(`SELECT count(*)::int AS count FROM pg_views WHERE schemaname = 'core'`);
    assert.equal(afterSync.rows[0].count, 2);
  });
});
