// What a sync keeps in step besides the view text: column comments that were removed, grants
// that were dropped from the config, views changed or dropped outside a sync, and the git
// commit of a working tree with uncommitted changes.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Client } from 'pg';
import { createTestDatabase, type TestDatabase } from '../support/postgres';
import { actionsByView, assertSyncSucceeded, commitAll, openClient, readStateRows, syncProject, updateProject, writeProject } from './sync-fixtures';

const CUSTOMERS = `/* Customers. */
select
    c.id as customer_id,  -- Stable customer id.
    c.name
from raw.customers as c
`;

let database: TestDatabase;
let client: Client;
let dir: string;

before(async () => {
  database = await createTestDatabase('sync_housekeeping');
  client = await openClient(database.url);
  await client.query(`CREATE SCHEMA raw; CREATE TABLE raw.customers (id integer, name text); CREATE ROLE sv_reader_a; CREATE ROLE sv_reader_b`);
  dir = writeProject({
    'synced-views.json': JSON.stringify({ grants: { sv_reader_a: ['core'], sv_reader_b: ['core'] } }),
    'templates/core/customers.sql': CUSTOMERS,
  });
  commitAll(dir);
});

after(async () => {
  await client?.query('DROP OWNED BY sv_reader_a, sv_reader_b').catch(() => undefined);
  await client?.end();
  await database?.drop();
  await cleanupRoles();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** Roles are cluster-wide, so they are dropped from another database once this one is gone. */
async function cleanupRoles(): Promise<void> {
  const admin = await openClient(database.url.replace(/\/[^/?]+(\?|$)/, '/postgres$1'));
  try {
    await admin.query('DROP ROLE IF EXISTS sv_reader_a');
    await admin.query('DROP ROLE IF EXISTS sv_reader_b');
  } finally {
    await admin.end();
  }
}

async function columnComment(column: string): Promise<string | null> {
  const result = await client.query<{ comment: string | null }>(
    `SELECT col_description('core.customers'::regclass, attnum) AS comment FROM pg_attribute WHERE attrelid = 'core.customers'::regclass AND attname = $1`,
    [column],
  );
  return result.rows[0]?.comment ?? null;
}

async function selectGrantees(): Promise<string[]> {
  const result = await client.query<{ grantee: string }>(
    `SELECT grantee FROM information_schema.role_table_grants WHERE table_schema = 'core' AND table_name = 'customers' AND privilege_type = 'SELECT' AND grantee LIKE 'sv_reader_%' ORDER BY grantee`,
  );
  return result.rows.map((row) => row.grantee);
}

describe('sync housekeeping', () => {
  test('first sync writes comments and grants', async () => {
    assertSyncSucceeded(await syncProject(database.url, dir));
    assert.equal(await columnComment('customer_id'), 'Stable customer id.');
    assert.deepEqual(await selectGrantees(), ['sv_reader_a', 'sv_reader_b']);
  });

  test('removed column comment is cleared', async () => {
    updateProject(dir, { 'templates/core/customers.sql': CUSTOMERS.replace('  -- Stable customer id.', '') });
    const result = await syncProject(database.url, dir);
    assertSyncSucceeded(result);
    assert.equal(actionsByView(result)['core.customers'], 'replace');
    assert.equal(await columnComment('customer_id'), null);
  });

  test('grant removed from config is revoked', async () => {
    await client.query('GRANT SELECT ON core.customers TO sv_reader_b WITH GRANT OPTION');
    updateProject(dir, { 'synced-views.json': JSON.stringify({ grants: { sv_reader_a: ['core'] } }) });
    const result = await syncProject(database.url, dir);
    assertSyncSucceeded(result);
    assert.deepEqual(await selectGrantees(), ['sv_reader_a']);
    const state = (await readStateRows(client)).find((row) => row.object_name === 'customers') as unknown as { grants: string[] };
    assert.deepEqual(state.grants, ['sv_reader_a']);
  });

  test('grant made by hand is kept', async () => {
    await client.query('CREATE ROLE sv_reader_hand').catch(() => undefined);
    try {
      await client.query('GRANT SELECT ON core.customers TO sv_reader_hand');
      // A compatible change (a column added at the end) replaces the view in place, which keeps grants.
      updateProject(dir, { 'templates/core/customers.sql': CUSTOMERS.replace('c.name\n', 'c.name,\n    c.id * 2 as double_id\n') });
      assertSyncSucceeded(await syncProject(database.url, dir));
      const result = await client.query(`SELECT has_table_privilege('sv_reader_hand', 'core.customers', 'SELECT') AS allowed`);
      assert.equal(result.rows[0].allowed, true);
    } finally {
      await client.query('DROP OWNED BY sv_reader_hand; DROP ROLE sv_reader_hand');
    }
  });

  test('view changed outside a sync is replaced', async () => {
    assertSyncSucceeded(await syncProject(database.url, dir));
    const current = await client.query(`SELECT pg_get_viewdef('core.customers'::regclass) AS text`);
    const body = String(current.rows[0].text).trim().replace(/;$/, '');
    await client.query(`CREATE OR REPLACE VIEW core.customers AS ${body} WHERE false`);
    const result = await syncProject(database.url, dir);
    assertSyncSucceeded(result);
    const action = result.actions.find((entry) => entry.view === 'core.customers');
    assert.equal(action?.action, 'replace');
    assert.match(action?.reason ?? '', /changed in the database outside a sync/);
    const definition = await client.query(`SELECT pg_get_viewdef('core.customers'::regclass) AS text`);
    assert.doesNotMatch(definition.rows[0].text, /false/);
  });

  test('view dropped outside a sync is created again', async () => {
    await client.query('DROP VIEW core.customers');
    const result = await syncProject(database.url, dir);
    assertSyncSucceeded(result);
    const action = result.actions.find((entry) => entry.view === 'core.customers');
    assert.equal(action?.action, 'create');
    assert.match(action?.reason ?? '', /dropped outside a sync/);
  });

  test('dirty working tree is recorded', async () => {
    fs.writeFileSync(path.join(dir, 'templates', 'core', 'customers.sql'), `${CUSTOMERS}-- edited\n`);
    assertSyncSucceeded(await syncProject(database.url, dir));
    const row = (await readStateRows(client)).find((entry) => entry.object_name === 'customers');
    assert.match(String(row?.git_commit), /^[0-9a-f]{40}-dirty$/);
  });
});
