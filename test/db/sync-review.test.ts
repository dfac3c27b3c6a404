// Cases a code review found: projects sharing a database, a personal re-create of one view with
// dependents outside the selection, errors in upstream views of a selection, query errors that
// are not column-list changes, and personal schema names too long for PostgreSQL.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { Client } from 'pg';
import { createTestDatabase, type TestDatabase } from '../support/postgres';
import { actionsByView, assertSyncSucceeded, openClient, syncProject, updateProject, writeProject, listViews } from './sync-fixtures';

let database: TestDatabase;
let client: Client;
const dirs: string[] = [];

before(async () => {
  database = await createTestDatabase('sync_review');
  client = await openClient(database.url);
  await client.query(`CREATE SCHEMA raw; CREATE TABLE raw.customers (id integer, name text)`);
});

after(async () => {
  await client?.end();
  await database?.drop();
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

function project(files: Record<string, string>): string {
  const dir = writeProject(files, 'synced-views-review-');
  dirs.push(dir);
  return dir;
}

describe('sync review cases', () => {
  test('other project views survive a full sync', async () => {
    const hr = project({ 'templates/hr/people.sql': 'select c.id from raw.customers as c\n' });
    const crm = project({ 'templates/crm/accounts.sql': 'select c.id, c.name from raw.customers as c\n' });
    assertSyncSucceeded(await syncProject(database.url, hr));
    const result = await syncProject(database.url, crm);
    assertSyncSucceeded(result);
    assert.deepEqual(actionsByView(result), { 'crm.accounts': 'create' });
    assert.ok((await listViews(client)).includes('hr.people'), 'the other project keeps its view');
  });

  test('personal re-create keeps dependents outside the selection', async () => {
    const dir = project({
      'templates/core/x.sql': 'select c.id, c.name from raw.customers as c\n',
      'templates/mart/y.sql': 'select x.id from core.x as x\n',
    });
    assertSyncSucceeded(await syncProject(database.url, dir, { target: 'personal', prefix: 'dev_rv' }));
    updateProject(dir, { 'templates/core/x.sql': 'select c.id, c.name as customer_name from raw.customers as c\n' });
    const result = await syncProject(database.url, dir, { target: 'personal', prefix: 'dev_rv', views: ['core.x'] });
    assertSyncSucceeded(result);
    assert.equal(actionsByView(result)['dev_rv_core.x'], 'recreate');
    assert.equal(actionsByView(result)['dev_rv_mart.y'], 'recreate');
    assert.ok((await listViews(client)).includes('dev_rv_mart.y'), 'the dependent is back');
  });

  test('error upstream of a selection blocks cleanly', async () => {
    const dir = project({
      'templates/core/base.sql': 'select {{ missing_value }} as id\n',
      'templates/core_1/top.sql': 'select b.id from core.base as b\n',
    });
    const result = await syncProject(database.url, dir, { mode: 'dry-run', views: ['core.top'] });
    assert.equal(result.committed, false);
    assert.match(result.error ?? '', /templates\/core\/base\.sql/);
  });

  test('query error is not a column change', async () => {
    const dir = project({ 'templates/core/kinds.sql': 'select c.id, c.name from raw.customers as c\n' });
    assertSyncSucceeded(await syncProject(database.url, dir));
    updateProject(dir, { 'templates/core/kinds.sql': 'select c.id, case when c.id > 1 then c.name else 1 end as name from raw.customers as c\n' });
    const result = await syncProject(database.url, dir);
    assert.equal(result.committed, false);
    assert.equal(actionsByView(result)['core.kinds'], 'replace');
    assert.equal(result.diagnosticsJson[0]?.code, 'database/error');
    assert.equal(result.diagnosticsJson[0]?.line, 1);
  });

  test('personal schema name over 63 bytes is refused', async () => {
    const dir = project({ 'templates/core/a.sql': 'select 1 as a\n' });
    const prefix = `dev_${'x'.repeat(60)}`;
    const result = await syncProject(database.url, dir, { target: 'personal', prefix });
    assert.equal(result.committed, false);
    assert.match(result.error ?? '', /PostgreSQL allows 63/);
  });
});
