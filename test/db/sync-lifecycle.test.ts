// A project's life on a real PostgreSQL, one step after another on the same database: first
// sync, re-sync without changes, a compatible change, incompatible changes, a deleted file.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { Client } from 'pg';
import { createTestDatabase, type TestDatabase } from '../support/postgres';
import {
  actionsByView,
  assertSyncSucceeded,
  commitAll,
  openClient,
  readStateRows,
  snapshotRelations,
  syncProject,
  updateProject,
  writeProject,
  type RelationSnapshot,
} from './sync-fixtures';

const RAW_DATA = `
CREATE SCHEMA raw;
CREATE TABLE raw.customers (id integer PRIMARY KEY, name text NOT NULL, country text);
CREATE TABLE raw.orders (id integer PRIMARY KEY, customer_id integer, amount numeric(12,2));
INSERT INTO raw.customers VALUES (1, 'Ada', 'GB'), (2, 'Grace', 'US'), (3, 'Linus', 'FI');
INSERT INTO raw.orders VALUES (10, 1, 12.50), (11, 1, 7.25), (12, 2, 100.00);
`;

const CUSTOMERS = `/*
Customers from the CRM export, one row per customer.
*/
select
    c.id as customer_id,      -- the CRM's customer id
    c.name as customer_name,
    c.country
from raw.customers as c
`;

const ORDERS = `select
    o.id as order_id,
    o.customer_id,
    o.amount
from raw.orders as o
`;

const CUSTOMER_TOTALS = `/* Order totals per customer. */
select
    c.customer_id,
    c.customer_name,
    coalesce(sum(o.amount), 0) as total_amount  -- sum of all orders in USD
from core.customers as c
left join core.orders as o on o.customer_id = c.customer_id
group by c.customer_id, c.customer_name
`;

const TOP_CUSTOMERS = `select
    t.customer_id,
    t.customer_name,
    t.total_amount
from core.customer_totals as t
where t.total_amount > 0
`;

const TOP_CUSTOMER_NAMES = `select t.customer_name from analytics.top_customers as t
`;

// "analytics" sorts before "core", so creating views in file order would fail. The file in
// analytics_1 is view analytics.top_customer_names, stage 1 of schema analytics.
const PROJECT = {
  'templates/core/customers.sql': CUSTOMERS,
  'templates/core/orders.sql': ORDERS,
  'templates/core_1/customer_totals.sql': CUSTOMER_TOTALS,
  'templates/analytics/top_customers.sql': TOP_CUSTOMERS,
  'templates/analytics_1/top_customer_names.sql': TOP_CUSTOMER_NAMES,
};

const ALL_VIEWS = ['core.customers', 'core.orders', 'core.customer_totals', 'analytics.top_customers', 'analytics.top_customer_names'];
const UPSTREAM: Record<string, string[]> = {
  'core.customer_totals': ['core.customers', 'core.orders'],
  'analytics.top_customers': ['core.customer_totals'],
  'analytics.top_customer_names': ['analytics.top_customers'],
};
const SCHEMAS = ['core', 'analytics'];

let database: TestDatabase;
let client: Client;
let dir: string;
let commit: string;

before(async () => {
  database = await createTestDatabase('sync_lifecycle');
  client = await openClient(database.url);
  await client.query(RAW_DATA);
  dir = writeProject(PROJECT);
  commit = commitAll(dir);
});

after(async () => {
  await client?.end();
  await database?.drop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

function byName(snapshot: RelationSnapshot[]): Map<string, RelationSnapshot> {
  return new Map(snapshot.map((relation) => [`${relation.schema}.${relation.name}`, relation]));
}

async function columnTypes(view: string): Promise<Record<string, string>> {
  const result = await client.query<{ name: string; type: string }>(
    `SELECT attname AS name, format_type(atttypid, atttypmod) AS type FROM pg_attribute
     WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum`,
    [view],
  );
  return Object.fromEntries(result.rows.map((row) => [row.name, row.type]));
}

/** Compares a view's rows with the same query written against the raw tables. */
async function assertTopCustomersMatchRawData(): Promise<void> {
  const fromView = await client.query(`SELECT customer_id, total_amount::double precision AS total FROM analytics.top_customers ORDER BY customer_id`);
  const fromRaw = await client.query(
    `SELECT c.id AS customer_id, sum(o.amount)::double precision AS total FROM raw.customers c JOIN raw.orders o ON o.customer_id = c.id
     GROUP BY c.id ORDER BY c.id`,
  );
  assert.ok(fromRaw.rows.length > 0);
  assert.deepEqual(fromView.rows, fromRaw.rows);
  const names = await client.query(`SELECT count(*)::int AS count FROM analytics.top_customer_names`);
  assert.equal(names.rows[0].count, fromRaw.rows.length);
}

describe('sync lifecycle', () => {
  test('first sync creates every view in dependency order', async () => {
    const started = new Date();
    const result = await syncProject(database.url, dir);
    const finished = new Date();

    assertSyncSucceeded(result);
    assert.equal(result.committed, true);
    const actions = actionsByView(result);
    for (const view of ALL_VIEWS) assert.equal(actions[view], 'create', `action of ${view}`);

    const order = result.actions.map((action) => action.view);
    for (const [view, upstreams] of Object.entries(UPSTREAM)) {
      for (const upstream of upstreams) {
        assert.ok(order.indexOf(upstream) < order.indexOf(view), `${upstream} must be created before ${view}: ${order.join(', ')}`);
      }
    }

    const relations = byName(await snapshotRelations(client, SCHEMAS));
    assert.deepEqual([...relations.keys()].sort(), [...ALL_VIEWS].sort());
    for (const relation of relations.values()) assert.equal(relation.kind, 'v');
    await assertTopCustomersMatchRawData();

    const state = await readStateRows(client);
    assert.deepEqual(state.map((row) => `${row.schema_name}.${row.object_name}`).sort(), [...ALL_VIEWS].sort());
    for (const row of state) {
      assert.match(row.content_hash, /^[0-9a-f]{64}$/);
      assert.equal(row.git_commit, commit);
      assert.equal(row.target, 'prod');
      // One second of slack on each side for clock differences between Node and PostgreSQL.
      assert.ok(row.synced_at.getTime() >= started.getTime() - 1000, `synced_at ${row.synced_at.toISOString()} before the sync started`);
      assert.ok(row.synced_at.getTime() <= finished.getTime() + 1000, `synced_at ${row.synced_at.toISOString()} after the sync finished`);
    }
    const customersRow = state.find((row) => row.object_name === 'customers');
    assert.equal(customersRow?.source_file, 'templates/core/customers.sql');
  });

  test('first sync writes documentation comments', async () => {
    const relations = byName(await snapshotRelations(client, SCHEMAS));
    const customers = relations.get('core.customers')!;
    assert.equal(customers.comment, 'Customers from the CRM export, one row per customer.');
    assert.equal(customers.columns.find((column) => column.name === 'customer_id')?.comment, "the CRM's customer id");
    assert.equal(customers.columns.find((column) => column.name === 'customer_name')?.comment, null);

    const totals = relations.get('core.customer_totals')!;
    assert.equal(totals.comment, 'Order totals per customer.');
    assert.equal(totals.columns.find((column) => column.name === 'total_amount')?.comment, 'sum of all orders in USD');
    assert.equal(relations.get('core.orders')!.comment, null);
  });

  test('re-sync without changes runs no DDL', async () => {
    const before = await snapshotRelations(client, SCHEMAS);
    const stateBefore = await readStateRows(client);

    const result = await syncProject(database.url, dir);

    assertSyncSucceeded(result);
    assert.deepEqual(result.actions.map((action) => action.action), ALL_VIEWS.map(() => 'unchanged'));
    assert.deepEqual(await snapshotRelations(client, SCHEMAS), before);
    assert.deepEqual(await readStateRows(client), stateBefore);
  });

  test('added column at the end replaces the view in place', async () => {
    const before = byName(await snapshotRelations(client, SCHEMAS));
    const hashBefore = (await readStateRows(client)).find((row) => row.object_name === 'customers')!.content_hash;
    updateProject(dir, {
      'templates/core/customers.sql': CUSTOMERS.replace('    c.country\n', '    c.country,\n    upper(c.country) as country_code  -- ISO country code, upper case\n'),
    });

    const result = await syncProject(database.url, dir);

    assertSyncSucceeded(result);
    const actions = actionsByView(result);
    assert.equal(actions['core.customers'], 'replace');
    for (const view of ALL_VIEWS.filter((name) => name !== 'core.customers')) assert.equal(actions[view], 'unchanged', `action of ${view}`);

    const after = byName(await snapshotRelations(client, SCHEMAS));
    const customers = after.get('core.customers')!;
    assert.equal(customers.oid, before.get('core.customers')!.oid);
    assert.deepEqual(customers.columns.map((column) => column.name), ['customer_id', 'customer_name', 'country', 'country_code']);
    assert.equal(customers.columns[3].comment, 'ISO country code, upper case');
    for (const view of ALL_VIEWS.filter((name) => name !== 'core.customers')) {
      assert.deepEqual(after.get(view), before.get(view), `${view} must be untouched`);
    }
    const hashAfter = (await readStateRows(client)).find((row) => row.object_name === 'customers')!.content_hash;
    assert.notEqual(hashAfter, hashBefore);
  });

  test('retyped column re-creates the view and its dependents', async () => {
    const before = byName(await snapshotRelations(client, SCHEMAS));
    updateProject(dir, { 'templates/core/orders.sql': ORDERS.replace('o.amount\n', 'o.amount::double precision as amount\n') });

    const result = await syncProject(database.url, dir);

    assertSyncSucceeded(result);
    const recreated = result.actions.filter((action) => action.action === 'recreate').map((action) => action.view);
    assert.deepEqual(recreated, ['core.orders', 'core.customer_totals', 'analytics.top_customers', 'analytics.top_customer_names']);
    assert.equal(actionsByView(result)['core.customers'], 'unchanged');

    const after = byName(await snapshotRelations(client, SCHEMAS));
    assert.deepEqual([...after.keys()].sort(), [...ALL_VIEWS].sort());
    for (const view of recreated) assert.notEqual(after.get(view)!.oid, before.get(view)!.oid, `${view} must be a new object`);
    assert.equal(after.get('core.customers')!.oid, before.get('core.customers')!.oid);

    assert.equal((await columnTypes('core.orders')).amount, 'double precision');
    assert.equal((await columnTypes('core.customer_totals')).total_amount, 'double precision');
    assert.equal((await columnTypes('analytics.top_customers')).total_amount, 'double precision');
    // Comments of re-created dependents are written again.
    assert.equal(after.get('core.customer_totals')!.comment, 'Order totals per customer.');
    assert.equal(after.get('core.customer_totals')!.columns.find((column) => column.name === 'total_amount')?.comment, 'sum of all orders in USD');
    await assertTopCustomersMatchRawData();
  });

  test('renamed column re-creates the view and its dependents', async () => {
    const before = byName(await snapshotRelations(client, SCHEMAS));
    const current = fs.readFileSync(`${dir}/templates/core/customers.sql`, 'utf8');
    updateProject(dir, { 'templates/core/customers.sql': current.replace('    c.country,\n', '    c.country as country_name,\n') });

    const result = await syncProject(database.url, dir);

    assertSyncSucceeded(result);
    const recreated = result.actions.filter((action) => action.action === 'recreate').map((action) => action.view);
    assert.deepEqual(recreated, ['core.customers', 'core.customer_totals', 'analytics.top_customers', 'analytics.top_customer_names']);
    assert.equal(actionsByView(result)['core.orders'], 'unchanged');

    const after = byName(await snapshotRelations(client, SCHEMAS));
    assert.deepEqual([...after.keys()].sort(), [...ALL_VIEWS].sort());
    assert.equal(after.get('core.orders')!.oid, before.get('core.orders')!.oid);
    assert.deepEqual(after.get('core.customers')!.columns.map((column) => column.name), ['customer_id', 'customer_name', 'country_name', 'country_code']);
    assert.equal(after.get('core.customers')!.comment, 'Customers from the CRM export, one row per customer.');
    await assertTopCustomersMatchRawData();

    const again = await syncProject(database.url, dir);
    assert.deepEqual(again.actions.map((action) => action.action), ALL_VIEWS.map(() => 'unchanged'));
  });

  test('deleted file drops only the view the tool created', async () => {
    await client.query(`CREATE VIEW analytics.hand_made AS SELECT 1 AS one`);
    await client.query(`CREATE VIEW analytics.hand_made_totals AS SELECT count(*) AS customers FROM core.customers`);
    updateProject(dir, { 'templates/analytics_1/top_customer_names.sql': null });

    const result = await syncProject(database.url, dir);

    assertSyncSucceeded(result);
    assert.equal(actionsByView(result)['analytics.top_customer_names'], 'drop');
    assert.equal(result.actions.filter((action) => action.action === 'drop').length, 1);

    const after = byName(await snapshotRelations(client, SCHEMAS));
    assert.equal(after.has('analytics.top_customer_names'), false);
    assert.equal(after.has('analytics.hand_made'), true);
    assert.equal(after.has('analytics.hand_made_totals'), true);
    const state = await readStateRows(client);
    assert.equal(state.some((row) => row.object_name === 'top_customer_names'), false);
    assert.equal(state.length, ALL_VIEWS.length - 1);
    assert.equal(state.some((row) => row.object_name.startsWith('hand_made')), false);
  });
});
