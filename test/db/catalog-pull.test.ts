// `catalog pull` round trip: raw tables in PostgreSQL -> catalog/<schema>.sql -> the catalog the
// engine parses back, with the same columns and types, and no row data in the files.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Client } from 'pg';
import { loadSqlParser } from '../../engine/sql/parser';
import { ViewsProject } from '../../engine/project/project';
import { createTestDatabase, type TestDatabase } from '../support/postgres';
import { buildCli, openClient, runCli, updateProject, writeProject } from './sync-fixtures';

const SENTINEL = 'row-data-sentinel-5f3a9c';

const RAW_DATA = `
CREATE SCHEMA crm;
CREATE TYPE crm.deal_stage AS ENUM ('open', 'won', 'lost');
CREATE TABLE crm.deals (
    id bigint PRIMARY KEY,
    amount numeric(12,2),
    closed_at timestamptz,
    tags text[],
    code varchar(20),
    "AccountName" text,
    stage crm.deal_stage
);
CREATE TABLE crm.unused (id integer);
INSERT INTO crm.deals VALUES (1, 10.50, now(), ARRAY['${SENTINEL}'], 'C-1', '${SENTINEL}', 'open');
`;

const DEALS_VIEW = `select
    d.id as deal_id,
    d.amount,
    d.closed_at,
    d.tags,
    d.code,
    d."AccountName" as account_name,
    d.stage
from crm.deals as d
where d.stage <> 'lost'
`;

let database: TestDatabase;
let client: Client;
let dir: string;

before(async () => {
  buildCli();
  await loadSqlParser();
  database = await createTestDatabase('catalog_pull');
  client = await openClient(database.url);
  await client.query(RAW_DATA);
  dir = writeProject({ 'templates/core/deals.sql': DEALS_VIEW });
});

after(async () => {
  await client?.end();
  await database?.drop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('catalog pull', () => {
  test('writes one file per schema', async () => {
    const run = await runCli(['catalog', 'pull', dir, '--db', database.url, '--json']);

    assert.equal(run.code, 0, run.stderr);
    const output = JSON.parse(run.stdout);
    assert.deepEqual(output, { files: ['catalog/crm.sql'], relations: 1, missing: [] });
    assert.deepEqual(fs.readdirSync(path.join(dir, 'catalog')), ['crm.sql']);
  });

  test('files parse back with the database types', async () => {
    const project = ViewsProject.load(dir);
    assert.deepEqual(project.catalog.diagnostics, []);
    assert.deepEqual([...project.catalog.relations.keys()], ['crm.deals']);

    const expected = await client.query<{ name: string; type: string }>(
      `SELECT attname AS name, format_type(atttypid, atttypmod) AS type FROM pg_attribute
       WHERE attrelid = 'crm.deals'::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum`,
    );
    assert.equal(expected.rows.length, 7);
    const columns = project.catalog.relations.get('crm.deals')!.columns;
    assert.deepEqual(columns, expected.rows);
  });

  test('files contain no row data', () => {
    const text = fs.readFileSync(path.join(dir, 'catalog', 'crm.sql'), 'utf8');
    assert.ok(!text.includes(SENTINEL), text);
    assert.ok(!text.includes('C-1'), text);
    assert.match(text, /"AccountName"/);
    assert.doesNotMatch(text, /crm\.unused/);
  });

  test('check finds unknown columns against the catalog', async () => {
    const clean = await runCli(['check', dir, '--json']);
    assert.equal(clean.code, 0, clean.stdout);

    updateProject(dir, { 'templates/core/broken.sql': 'select\n    d.id,\n    d.accountname\nfrom crm.deals as d\n' });
    const run = await runCli(['check', dir, '--json']);

    assert.equal(run.code, 1, run.stdout);
    const output = JSON.parse(run.stdout);
    const unknown = output.diagnostics.filter((diagnostic: { code: string }) => diagnostic.code === 'reference/unknown-column');
    assert.equal(unknown.length, 1, run.stdout);
    assert.equal(unknown[0].file, 'templates/core/broken.sql');
    assert.equal(unknown[0].line, 3);
    assert.equal(unknown[0].column, 7);
    assert.match(unknown[0].message, /accountname/);
    updateProject(dir, { 'templates/core/broken.sql': null });
  });

  test('embedded dry run loads the pulled catalog', async () => {
    const run = await runCli(['dry-run', dir, '--json'], {}, 120_000);

    assert.equal(run.code, 0, run.stdout + run.stderr);
    const output = JSON.parse(run.stdout);
    assert.deepEqual(output.diagnostics, []);
  });
});
