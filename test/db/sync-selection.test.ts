// Syncing selected views, as the editor does for one view: managed views they read that the
// database does not have yet come along, so a dry run works on a warehouse never synced.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { Client } from 'pg';
import { createTestDatabase, type TestDatabase } from '../support/postgres';
import { actionsByView, assertSyncSucceeded, openClient, syncProject, writeProject, listViews } from './sync-fixtures';

const PROJECT = {
  'templates/core/base.sql': 'select c.id as customer_id from raw.customers as c\n',
  'templates/core_1/middle.sql': 'select b.customer_id from core.base as b\n',
  'templates/sales/report.sql': 'select m.customer_id from core.middle as m\n',
};

let database: TestDatabase;
let client: Client;
let dir: string;

before(async () => {
  database = await createTestDatabase('sync_selection');
  client = await openClient(database.url);
  await client.query('CREATE SCHEMA raw; CREATE TABLE raw.customers (id integer)');
  dir = writeProject(PROJECT);
});

after(async () => {
  await client?.end();
  await database?.drop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('selected views', () => {
  test('dry run brings missing upstream views', async () => {
    const result = await syncProject(database.url, dir, { mode: 'dry-run', views: ['sales.report'] });
    assertSyncSucceeded(result);
    assert.deepEqual(actionsByView(result), { 'core.base': 'create', 'core.middle': 'create', 'sales.report': 'create' });
    const base = result.actions.find((action) => action.view === 'core.base');
    assert.match(base?.reason ?? '', /not in the database yet, and core\.middle reads it/);
    assert.deepEqual(await listViews(client), [], 'a dry run leaves nothing behind');
  });

  test('personal sync creates missing upstream copies', async () => {
    const result = await syncProject(database.url, dir, { target: 'personal', prefix: 'dev_sel', views: ['core.middle'] });
    assertSyncSucceeded(result);
    assert.deepEqual(await listViews(client), ['dev_sel_core.base', 'dev_sel_core.middle']);
  });

  test('production upstream is read, not copied', async () => {
    await client.query('DROP SCHEMA dev_sel_core CASCADE');
    assertSyncSucceeded(await syncProject(database.url, dir, { views: ['core.base'] }));
    const result = await syncProject(database.url, dir, { target: 'personal', prefix: 'dev_sel', views: ['core.middle'] });
    assertSyncSucceeded(result);
    assert.deepEqual(actionsByView(result), { 'dev_sel_core.middle': 'create' });
    const definition = await client.query(`SELECT pg_get_viewdef('dev_sel_core.middle'::regclass) AS text`);
    assert.match(definition.rows[0].text, /FROM core\.base/);
  });
});
