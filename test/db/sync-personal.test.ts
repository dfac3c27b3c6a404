// The personal target: schema S syncs to <prefix>_S, and references to managed views read the
// personal copy when it exists or is part of the same sync, production otherwise.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, beforeEach, describe, test } from 'node:test';
import type { Client } from 'pg';
import { createTestDatabase, type TestDatabase } from '../support/postgres';
import { actionsByView, assertSyncSucceeded, buildCli, openClient, readStateRows, runCli, syncProject, writeProject } from './sync-fixtures';

const PROJECT = {
  'templates/core/base.sql': 'select c.id as customer_id, c.name as customer_name from raw.customers as c\n',
  'templates/core_1/derived.sql': 'select b.customer_id, upper(b.customer_name) as shout from core.base as b\n',
  'templates/analytics/report.sql': 'select d.shout from core.derived as d\n',
};

let database: TestDatabase;
let client: Client;
let dir: string;

before(async () => {
  buildCli();
  database = await createTestDatabase('sync_personal');
  client = await openClient(database.url);
  await client.query(`
    CREATE SCHEMA raw;
    CREATE TABLE raw.customers (id integer PRIMARY KEY, name text NOT NULL);
    INSERT INTO raw.customers VALUES (1, 'ada'), (2, 'grace');
  `);
  dir = writeProject(PROJECT);
  assertSyncSucceeded(await syncProject(database.url, dir));
});

after(async () => {
  await client?.end();
  await database?.drop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

beforeEach(async () => {
  await client.query(`DROP SCHEMA IF EXISTS dev_test_core, dev_test_analytics, dev_other_core, dev_other_analytics CASCADE`);
  await client.query(`DELETE FROM synced_views.synced_objects WHERE target = 'personal'`);
});

/** Returns the "schema.name" of every relation the view depends on, from pg_depend. */
async function relationsReadBy(view: string): Promise<string[]> {
  const result = await client.query<{ relation: string }>(
    `SELECT DISTINCT n.nspname || '.' || c.relname AS relation
     FROM pg_rewrite r
     JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = r.oid AND d.refclassid = 'pg_class'::regclass
     JOIN pg_class c ON c.oid = d.refobjid
     JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE r.ev_class = $1::regclass AND d.refobjid <> r.ev_class
     ORDER BY 1`,
    [view],
  );
  return result.rows.map((row) => row.relation);
}

async function viewsInSchema(schema: string): Promise<string[]> {
  const result = await client.query<{ relname: string }>(
    `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind = 'v' ORDER BY 1`,
    [schema],
  );
  return result.rows.map((row) => row.relname);
}

describe('personal target', () => {
  test('CLI sync creates the personal copies', async () => {
    const run = await runCli(['sync', dir, '--db', database.url, '--target', 'personal', '--prefix', 'dev_test', '--json']);

    assert.equal(run.code, 0, run.stderr + run.stdout);
    const output = JSON.parse(run.stdout);
    assert.equal(output.target, 'personal');
    assert.deepEqual(
      output.actions.map((action: { view: string; action: string }) => `${action.action} ${action.view}`).sort(),
      ['create dev_test_analytics.report', 'create dev_test_core.base', 'create dev_test_core.derived'],
    );
    assert.deepEqual(await viewsInSchema('dev_test_core'), ['base', 'derived']);
    assert.deepEqual(await viewsInSchema('dev_test_analytics'), ['report']);

    // Views of the same sync read each other's personal copies.
    assert.deepEqual(await relationsReadBy('dev_test_core.derived'), ['dev_test_core.base']);
    assert.deepEqual(await relationsReadBy('dev_test_analytics.report'), ['dev_test_core.derived']);
    const definition = await client.query(`SELECT pg_get_viewdef('dev_test_core.derived'::regclass) AS text`);
    assert.match(definition.rows[0].text, /dev_test_core\.base/);

    const personalRows = (await readStateRows(client)).filter((row) => row.target === 'personal');
    assert.deepEqual(personalRows.map((row) => `${row.schema_name}.${row.object_name}`).sort(), ['dev_test_analytics.report', 'dev_test_core.base', 'dev_test_core.derived']);
    // Production is untouched.
    assert.deepEqual(await relationsReadBy('core.derived'), ['core.base']);
  });

  test('single view without a personal upstream reads production', async () => {
    const result = await syncProject(database.url, dir, { target: 'personal', prefix: 'dev_test', views: ['core.derived'] });

    assertSyncSucceeded(result);
    assert.deepEqual(actionsByView(result), { 'dev_test_core.derived': 'create' });
    assert.deepEqual(await viewsInSchema('dev_test_core'), ['derived']);
    assert.deepEqual(await relationsReadBy('dev_test_core.derived'), ['core.base']);
    const rows = await client.query(`SELECT count(*)::int AS count FROM dev_test_core.derived`);
    const raw = await client.query(`SELECT count(*)::int AS count FROM raw.customers`);
    assert.equal(rows.rows[0].count, raw.rows[0].count);
  });

  test('single view reads an existing personal upstream', async () => {
    assertSyncSucceeded(await syncProject(database.url, dir, { target: 'personal', prefix: 'dev_test', views: ['core.base'] }));

    const result = await syncProject(database.url, dir, { target: 'personal', prefix: 'dev_test', views: ['core.derived'] });

    assertSyncSucceeded(result);
    assert.deepEqual(await relationsReadBy('dev_test_core.derived'), ['dev_test_core.base']);
  });

  test('personal sync leaves other prefixes alone', async () => {
    assertSyncSucceeded(await syncProject(database.url, dir, { target: 'personal', prefix: 'dev_other' }));

    const result = await syncProject(database.url, dir, { target: 'personal', prefix: 'dev_test' });

    assertSyncSucceeded(result);
    assert.deepEqual(result.actions.filter((action) => action.action === 'drop'), []);
    assert.deepEqual(await viewsInSchema('dev_other_core'), ['base', 'derived']);
    assert.deepEqual(await viewsInSchema('dev_test_core'), ['base', 'derived']);
    const personalRows = (await readStateRows(client)).filter((row) => row.target === 'personal');
    assert.equal(personalRows.length, 6);
  });
});
