// Runs the engine on two real projects whose SQL was written outside this project: pagila (8 views,
// the PostgreSQL sample database) and HubSpot (76 views compiled from Fivetran's dbt packages,
// in 9 stage folders). For each, the raw data is loaded twice: once for the engine to sync the
// project, once for the views to be created by hand with plain CREATE VIEW. PostgreSQL's own
// catalog must then report the same columns, types and row counts in both databases.
//
// The projects live outside the repository, in $SYNCED_VIEWS_SHARED/examples/<name>. They are
// read in place; `catalog pull` writes into the project, so that test works on a copy.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Client } from 'pg';
import { checkProject, openProject, sessionForClient } from '../../engine/api';
import { runSync, type SyncMode, type SyncResult } from '../../engine/sync/sync';
import type { DiagnosticJson } from '../../engine/diagnostics';
import {
  createViewsByHand,
  environmentWithoutDatabase,
  listTemplateViews,
  loadSqlFiles,
  locateExample,
  readViewShapes,
  runCli,
  type ExampleData,
  type TemplateView,
  type ViewShape,
} from '../support/examples';
import { createTestDatabase, type TestDatabase } from '../support/postgres';

interface ExampleCase {
  name: string;
  views: number;
  schemas: string[];
}

const EXAMPLES: ExampleCase[] = [
  { name: 'pagila', views: 8, schemas: ['store'] },
  { name: 'hubspot', views: 76, schemas: ['core', 'marketing', 'sales'] },
];

const suiteStarted = Date.now();

after(() => {
  console.log(`examples: all suites took ${((Date.now() - suiteStarted) / 1000).toFixed(1)} s`);
});

/**
 * Runs the engine's sync on a freshly opened project. With `checkFirst` the project is checked
 * first, as the CLI does. Without it, runSync gets an analyzer that has analyzed no view yet.
 */
async function syncWithEngine(projectDir: string, url: string, mode: SyncMode, checkFirst = true): Promise<SyncResult> {
  const { analyzer } = await openProject(projectDir, 'prod');
  if (checkFirst) {
    const errors = checkProject(analyzer).diagnostics.filter((diagnostic) => diagnostic.severity === 'error');
    assert.deepEqual(errors, [], `check found errors in ${projectDir}`);
  }
  const client = new Client({ connectionString: url });
  await client.connect();
  const session = sessionForClient(client);
  try {
    return await runSync({ analyzer, session, mode, target: 'prod', gitCommit: null });
  } finally {
    await session.close();
  }
}

function describeSyncFailure(result: SyncResult): string {
  const messages = result.diagnostics.map((diagnostic) => `${diagnostic.file}: ${diagnostic.code}: ${diagnostic.message}`);
  return [result.error ?? '', ...messages].filter(Boolean).join('\n');
}

function seconds(since: number): string {
  return `${((Date.now() - since) / 1000).toFixed(2)} s`;
}

for (const example of EXAMPLES) {
  describe(`${example.name} example`, () => {
    let data: ExampleData;
    let templates: TemplateView[];
    let synced: TestDatabase | undefined;
    let byHand: TestDatabase | undefined;
    let firstSync: SyncResult | undefined;

    before(async () => {
      const started = Date.now();
      data = locateExample(example.name);
      templates = listTemplateViews(data.projectDir);
      synced = await createTestDatabase(`examples_${example.name}_synced`);
      byHand = await createTestDatabase(`examples_${example.name}_by_hand`);
      await Promise.all([
        loadSqlFiles(synced.url, [data.schemaFile, data.dataFile]),
        loadSqlFiles(byHand.url, [data.schemaFile, data.dataFile]),
      ]);
      await createViewsByHand(byHand.url, templates);
      console.log(`examples: ${example.name}: loaded the raw data twice and created ${templates.length} views by hand in ${seconds(started)}`);
    });

    after(async () => {
      await synced?.drop();
      await byHand?.drop();
    });

    test('project has the expected templates', () => {
      assert.equal(templates.length, example.views);
      assert.deepEqual([...new Set(templates.map((view) => view.schema))].sort(), example.schemas);
    });

    test('check reports no errors', async (t) => {
      const started = Date.now();
      const result = await runCli(['check', data.projectDir, '--json'], environmentWithoutDatabase());
      t.diagnostic(`check took ${seconds(started)}`);
      assert.equal(result.exitCode, 0, `check exited with ${result.exitCode}:\n${result.stdout}\n${result.stderr}`);

      const report = JSON.parse(result.stdout) as { views: number; diagnostics: DiagnosticJson[] };
      assert.equal(report.views, example.views);
      const errors = report.diagnostics.filter((diagnostic) => diagnostic.severity === 'error');
      assert.deepEqual(errors, []);
      for (const warning of report.diagnostics) {
        t.diagnostic(`${warning.severity}: ${warning.file}:${warning.line}:${warning.column} ${warning.code} ${warning.message}`);
      }
    });

    // A caller of the engine API may pass runSync an analyzer that has analyzed no view yet, so
    // its dependency graph is still empty. runSync must still create each view after those it reads.
    test('dry run without a prior check succeeds', async () => {
      assert.ok(synced, 'the database was not created');
      const result = await syncWithEngine(data.projectDir, synced.url, 'dry-run', false);

      assert.equal(result.error, undefined, describeSyncFailure(result));
      assert.deepEqual(result.diagnostics, []);
      assert.equal(result.committed, false);
      assert.equal(result.actions.length, example.views);
    });

    test('sync creates every view', async (t) => {
      assert.ok(synced, 'the database was not created');
      const started = Date.now();
      firstSync = await syncWithEngine(data.projectDir, synced.url, 'sync');
      t.diagnostic(`first sync took ${seconds(started)}`);

      assert.equal(firstSync.error, undefined, describeSyncFailure(firstSync));
      assert.deepEqual(firstSync.diagnostics, [], describeSyncFailure(firstSync));
      assert.equal(firstSync.committed, true);
      const expected = templates.map((view) => `${view.schema}.${view.name}`).sort();
      assert.deepEqual(firstSync.actions.map((action) => action.view).sort(), expected);
      const notCreated = firstSync.actions.filter((action) => action.action !== 'create');
      assert.deepEqual(notCreated, []);
    });

    test('synced views match views created by hand', async (t) => {
      assert.ok(synced, 'the database for the sync was not created');
      assert.ok(byHand, 'the database for the views created by hand was not created');
      assert.equal(firstSync?.committed, true, 'the first sync did not commit');
      const started = Date.now();
      const [engineViews, handViews] = await Promise.all([
        readViewShapes(synced.url, example.schemas),
        readViewShapes(byHand.url, example.schemas),
      ]);
      t.diagnostic(`reading both databases took ${seconds(started)}`);

      assert.equal(handViews.size, example.views, 'views created by hand');
      assert.deepEqual([...engineViews.keys()].sort(), [...handViews.keys()].sort());
      for (const [key, handView] of handViews) {
        const engineView = engineViews.get(key) as ViewShape;
        assert.deepEqual(engineView.columns, handView.columns, `columns of ${key}`);
        assert.equal(engineView.rows, handView.rows, `row count of ${key}`);
        assert.equal(engineView.definition, handView.definition, `definition of ${key} (pg_get_viewdef)`);
      }
    });

    test('second sync leaves everything unchanged', async () => {
      assert.ok(synced, 'the database was not created');
      assert.equal(firstSync?.committed, true, 'the first sync did not commit');
      const result = await syncWithEngine(data.projectDir, synced.url, 'sync');

      assert.equal(result.error, undefined, describeSyncFailure(result));
      assert.deepEqual(result.diagnostics, []);
      assert.equal(result.actions.length, example.views);
      const changed = result.actions.filter((action) => action.action !== 'unchanged');
      assert.deepEqual(changed, []);
    });

    test('engine output columns match pg_attribute', async (t) => {
      assert.ok(synced, 'the database was not created');
      assert.equal(firstSync?.committed, true, 'the first sync did not commit');
      const { analyzer } = await openProject(data.projectDir, 'prod');
      const databaseViews = await readViewShapes(synced.url, example.schemas);

      const incomplete: string[] = [];
      for (const view of templates) {
        const id = `${view.schema}.${view.name}`;
        const engineColumns = analyzer.outputColumnsOf(id);
        assert.ok(engineColumns, `the engine resolved no output columns for ${id}`);
        if (!engineColumns.complete) {
          incomplete.push(id);
          continue;
        }
        const databaseView = databaseViews.get(id);
        assert.ok(databaseView, `${id} is missing from the synced database`);
        assert.deepEqual(
          engineColumns.columns.map((column) => column.name),
          databaseView.columns.map((column) => column.name),
          `output column names of ${id}`,
        );
      }
      t.diagnostic(`complete output columns for ${templates.length - incomplete.length} of ${templates.length} views`);
      if (incomplete.length > 0) {
        t.diagnostic(`incomplete: ${incomplete.join(', ')}`);
      }
      assert.ok(incomplete.length < templates.length, 'the engine resolved the columns of no view completely');
    });
  });
}

describe('hubspot catalog pull and embedded dry run', () => {
  let data: ExampleData;
  let database: TestDatabase | undefined;
  let projectCopy: string | undefined;

  before(async () => {
    data = locateExample('hubspot');
    database = await createTestDatabase('examples_hubspot_catalog');
    await loadSqlFiles(database.url, [data.schemaFile]);
    projectCopy = fs.mkdtempSync(path.join(os.tmpdir(), 'synced-views-hubspot-'));
    fs.cpSync(data.projectDir, projectCopy, { recursive: true });
  });

  after(async () => {
    await database?.drop();
    if (projectCopy) {
      fs.rmSync(projectCopy, { recursive: true, force: true });
    }
  });

  test('catalog pull writes the raw tables', async (t) => {
    assert.ok(database, 'the database was not created');
    assert.ok(projectCopy, 'the project copy was not created');
    const started = Date.now();
    const result = await runCli(['catalog', 'pull', projectCopy, '--db', database.url, '--json'], environmentWithoutDatabase());
    t.diagnostic(`catalog pull took ${seconds(started)}`);
    assert.equal(result.exitCode, 0, `catalog pull exited with ${result.exitCode}:\n${result.stdout}\n${result.stderr}`);

    const pulled = JSON.parse(result.stdout) as { files: string[]; relations: number; missing: string[] };
    assert.deepEqual(pulled.missing, []);
    assert.deepEqual(pulled.files, ['catalog/hubspot.sql']);
    // raw/schema.sql creates 45 tables, and the views read all of them.
    assert.equal(pulled.relations, 45);
    const catalogText = fs.readFileSync(path.join(projectCopy, 'catalog', 'hubspot.sql'), 'utf8');
    assert.match(catalogText, /CREATE TABLE hubspot\.deal\b/i);
  });

  test('embedded dry run passes with the pulled catalog', async (t) => {
    assert.ok(projectCopy, 'the project copy was not created');
    assert.ok(fs.existsSync(path.join(projectCopy, 'catalog', 'hubspot.sql')), 'catalog pull did not write catalog/hubspot.sql');
    const started = Date.now();
    const result = await runCli(['dry-run', projectCopy, '--json'], environmentWithoutDatabase());
    t.diagnostic(`embedded dry run took ${seconds(started)}`);
    assert.equal(result.exitCode, 0, `dry-run exited with ${result.exitCode}:\n${result.stdout}\n${result.stderr}`);

    const report = JSON.parse(result.stdout) as { views: number; diagnostics: DiagnosticJson[]; actions: { view: string; action: string }[]; error?: string };
    assert.equal(report.error, undefined);
    assert.deepEqual(report.diagnostics.filter((diagnostic) => diagnostic.severity === 'error'), []);
    assert.equal(report.actions.length, 76);
    assert.deepEqual(report.actions.filter((action) => action.action !== 'create'), []);
  });
});

// The smallest project for the same ordering requirement: the view that reads another sorts
// first by name, so only a complete dependency graph puts it second.
describe('sync of an unchecked project', () => {
  let database: TestDatabase | undefined;
  let projectDir: string | undefined;

  before(async () => {
    database = await createTestDatabase('examples_sync_order');
    projectDir = fs.mkdtempSync(path.join(os.tmpdir(), 'synced-views-order-'));
    fs.mkdirSync(path.join(projectDir, 'templates', 'core'), { recursive: true });
    fs.mkdirSync(path.join(projectDir, 'templates', 'core_1'), { recursive: true });
    fs.writeFileSync(path.join(projectDir, 'templates', 'core', 'b_base.sql'), 'select 1 as x\n');
    fs.writeFileSync(path.join(projectDir, 'templates', 'core_1', 'a_reader.sql'), 'select x from core.b_base\n');
  });

  after(async () => {
    await database?.drop();
    if (projectDir) {
      fs.rmSync(projectDir, { recursive: true, force: true });
    }
  });

  test('creates a view before its reader', async () => {
    assert.ok(database, 'the database was not created');
    assert.ok(projectDir, 'the project was not created');
    const result = await syncWithEngine(projectDir, database.url, 'sync', false);

    assert.equal(result.error, undefined, describeSyncFailure(result));
    assert.equal(result.committed, true);
    assert.deepEqual(
      result.actions.map((action) => `${action.view} ${action.action}`),
      ['core.b_base create', 'core.a_reader create'],
    );
  });
});
