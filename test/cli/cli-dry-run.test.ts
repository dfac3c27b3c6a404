// `synced-views dry-run` without any database configured: the CLI starts the embedded
// PostgreSQL, loads catalog/ and reports PostgreSQL's errors at template positions.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { buildCli, repoRoot, runCli } from '../db/sync-fixtures';

const EXAMPLE = path.join(repoRoot, 'examples', 'insurance');
const LINES_FILE = 'templates/claims/claim_lines.sql';
const MEMBERS_FILE = 'templates/core/members.sql';

let copy: string;

before(() => {
  buildCli();
  copy = fs.mkdtempSync(path.join(os.tmpdir(), 'synced-views-dry-run-'));
  fs.cpSync(EXAMPLE, copy, { recursive: true });
});

after(() => {
  if (copy) fs.rmSync(copy, { recursive: true, force: true });
});

/** Returns the 1-based line and column of the first occurrence of `needle` in `text`. */
function positionOf(text: string, needle: string): { line: number; column: number } {
  const index = text.indexOf(needle);
  assert.ok(index >= 0, `${needle} not found`);
  const before = text.slice(0, index).split('\n');
  return { line: before.length, column: before[before.length - 1].length + 1 };
}

/** Replaces exactly one occurrence of `search` in a project file. */
function editOnce(dir: string, file: string, search: string, replacement: string): string {
  const absolute = path.join(dir, file);
  const text = fs.readFileSync(absolute, 'utf8');
  assert.equal(text.split(search).length, 2, `expected exactly one "${search}" in ${file}`);
  const next = text.replace(search, replacement);
  fs.writeFileSync(absolute, next);
  return next;
}

describe('embedded dry run', () => {
  test('example project passes', async () => {
    // Only PATH and HOME reach the child: no --db, DATABASE_URL or PG* variables.
    const run = await runCli(['dry-run', EXAMPLE, '--json'], {}, 120_000);

    assert.equal(run.code, 0, run.stdout + run.stderr);
    const output = JSON.parse(run.stdout);
    assert.equal(output.views, fs.readdirSync(path.join(EXAMPLE, 'templates'), { recursive: true }).filter((name) => String(name).endsWith('.sql') && !String(name).startsWith('_')).length);
    assert.deepEqual(output.diagnostics, []);
    assert.equal(output.actions.length, output.views);
    assert.ok(output.actions.every((action: { action: string }) => action.action === 'create'), run.stdout);
  });

  test('wrong column and type error at template positions', async () => {
    // An unqualified column name, which only PostgreSQL resolves, and text + integer.
    const lines = editOnce(copy, LINES_FILE, '    l.units,\n', '    unitz,\n');
    // Below an {%- if %} block with whitespace control, so rendered and template lines differ.
    const members = editOnce(copy, MEMBERS_FILE, '    m.birth_date,\n', '    m.birth_date,\n    m.first_name + 1 as broken_sum,\n');
    const wrongColumn = positionOf(lines, 'unitz');
    const typeError = positionOf(members, '+ 1 as broken_sum');

    const run = await runCli(['dry-run', copy, '--json'], {}, 120_000);

    assert.equal(run.code, 1, run.stdout + run.stderr);
    const output = JSON.parse(run.stdout);
    const errors = output.diagnostics.filter((diagnostic: { code: string }) => diagnostic.code === 'database/error');
    assert.equal(errors.length, 2, run.stdout);

    const columnError = errors.find((diagnostic: { file: string }) => diagnostic.file === LINES_FILE);
    assert.ok(columnError, run.stdout);
    assert.deepEqual(
      [columnError.line, columnError.column, columnError.endLine, columnError.endColumn],
      [wrongColumn.line, wrongColumn.column, wrongColumn.line, wrongColumn.column + 'unitz'.length],
    );
    assert.match(columnError.message, /column "unitz" does not exist/);
    assert.equal(columnError.severity, 'error');

    const operatorError = errors.find((diagnostic: { file: string }) => diagnostic.file === MEMBERS_FILE);
    assert.ok(operatorError, run.stdout);
    assert.deepEqual(
      [operatorError.line, operatorError.column, operatorError.endLine, operatorError.endColumn],
      [typeError.line, typeError.column, typeError.line, typeError.column + 1],
    );
    assert.match(operatorError.message, /operator does not exist: text \+ integer/);
  });
});
