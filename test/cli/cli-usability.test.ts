// Command-line behaviour a new user runs into: usage errors for options that do not fit,
// --json on failures, file paths that terminals can open, running from a subfolder, a broken
// macro file reported once, and catalog pull working while the catalog is out of date.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Client } from 'pg';
import { createTestDatabase, type TestDatabase } from '../support/postgres';
import { buildCli, openClient, repoRoot, runCli, writeProject } from '../db/sync-fixtures';

let database: TestDatabase;
let client: Client;
const cleanup: string[] = [];

before(async () => {
  buildCli();
  database = await createTestDatabase('cli_usability');
  client = await openClient(database.url);
  await client.query('CREATE SCHEMA shop; CREATE TABLE shop.orders (id integer, amount numeric(12,2), kind text)');
});

after(async () => {
  await client?.end();
  await database?.drop();
  for (const dir of cleanup) fs.rmSync(dir, { recursive: true, force: true });
});

function project(files: Record<string, string>): string {
  const dir = writeProject(files, 'synced-views-usability-');
  cleanup.push(dir);
  return dir;
}

describe('cli usability', () => {
  test('prefix without personal target is a usage error', async () => {
    const dir = project({ 'templates/core/a.sql': 'select 1 as a\n' });
    const run = await runCli(['plan', dir, '--db', database.url, '--prefix', 'dev_me']);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /--prefix applies only to --target personal/);
  });

  test('unknown option names the option', async () => {
    const run = await runCli(['check', '--foo']);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /Unknown or incomplete option --foo\./);
  });

  test('json failure goes to stdout', async () => {
    const run = await runCli(['check', path.join(repoRoot, 'docs'), '--json']);
    assert.equal(run.code, 2);
    const output = JSON.parse(run.stdout) as { error: string };
    assert.match(output.error, /not a views project/);
  });

  test('unparsable --db is a usage error', async () => {
    const dir = project({ 'templates/core/a.sql': 'select 1 as a\n' });
    const run = await runCli(['plan', dir, '--db', 'postgres://x:notaport/db']);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /Invalid connection URL/);
  });

  test('subfolder finds its project', async () => {
    const dir = project({ 'templates/core/a.sql': 'select 1 as a, 2 as a\n' });
    const run = await runCli(['check', path.join(dir, 'templates', 'core')]);
    assert.equal(run.code, 1);
    // The project lies outside the current directory, so the path is absolute and still opens.
    assert.ok(run.stdout.includes(`${path.join(dir, 'templates', 'core', 'a.sql')}:1:21: error view/duplicate-column`), run.stdout);
  });

  test('two unnamed columns are duplicates', async () => {
    const dir = project({ 'templates/core/a.sql': 'select 1 + 1, 2 * 3\n' });
    const run = await runCli(['check', dir, '--json']);
    const output = JSON.parse(run.stdout) as { diagnostics: { code: string; line: number; column: number }[] };
    const codes = output.diagnostics.map((diagnostic) => `${diagnostic.code}@${diagnostic.line}:${diagnostic.column}`);
    assert.deepEqual(codes.sort(), ['view/duplicate-column@1:15', 'view/unnamed-column@1:15', 'view/unnamed-column@1:8']);
  });

  test('broken macro file reported once', async () => {
    const dir = project({
      'templates/_macros/money.sql': '{% macro cents(x) %}\n  round({{ x }} / 100.0, 2)\n',
      'templates/core/a.sql': 'select 1 as a\n',
      'templates/core/b.sql': 'select 2 as b\n',
    });
    const run = await runCli(['check', dir, '--json']);
    const output = JSON.parse(run.stdout) as { diagnostics: { file: string; code: string; line: number; message: string }[] };
    assert.equal(output.diagnostics.length, 1, run.stdout);
    assert.equal(output.diagnostics[0].file, 'templates/_macros/money.sql');
    assert.equal(output.diagnostics[0].code, 'template/error');
    assert.equal(output.diagnostics[0].line, 1);
    assert.match(output.diagnostics[0].message, /\{% macro %\} is never closed/);
  });

  test('misspelled macro gets a suggestion', async () => {
    const dir = project({
      'templates/_macros/money.sql': '{% macro cents_to_euros(x) %}round({{ x }} / 100.0, 2){% endmacro %}\n',
      'templates/core/a.sql': 'select {{ cents_to_euro("o.amount") }} as amount from shop.orders as o\n',
    });
    const run = await runCli(['check', dir]);
    assert.equal(run.code, 1);
    assert.match(run.stdout, /cents_to_euro is not a macro or function\. Did you mean cents_to_euros\?/);
  });

  test('catalog pull works with an outdated catalog', async () => {
    const dir = project({
      'catalog/shop.sql': 'CREATE TABLE shop.orders (id integer, amount numeric(12,2));\n',
      'templates/core/orders.sql': 'select o.id, o.kind from shop.orders as o\n',
    });
    const check = await runCli(['check', dir]);
    assert.equal(check.code, 1);
    assert.match(check.stdout, /reference\/unknown-column/);
    const pull = await runCli(['catalog', 'pull', dir, '--db', database.url]);
    assert.equal(pull.code, 0, pull.stderr);
    assert.match(fs.readFileSync(path.join(dir, 'catalog', 'shop.sql'), 'utf8'), /kind\s+text/);
    const again = await runCli(['check', dir]);
    assert.equal(again.code, 0, again.stdout);
  });
});
