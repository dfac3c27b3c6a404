// Helpers for the tests that run the engine on the real-data example projects (pagila and
// HubSpot). The projects and their raw data are not part of the repository: they live in the
// folder that SYNCED_VIEWS_SHARED names, and the tests read them in place.

import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { escapeIdentifier } from 'pg';
import { withClient } from './postgres';

export const SHARED_DATA_VARIABLE = 'SYNCED_VIEWS_SHARED';

const repositoryRoot = path.resolve(__dirname, '..', '..');

/** Paths of one example below `$SYNCED_VIEWS_SHARED/examples/<name>`. */
export interface ExampleData {
  /** The views project: `templates/<schema>[_<stage>]/<view>.sql`. */
  projectDir: string;
  /** The raw schema: tables, types, functions. */
  schemaFile: string;
  /** The raw rows as COPY ... FROM stdin, which only psql can load. */
  dataFile: string;
}

/**
 * Returns the paths of an example. Throws, naming SYNCED_VIEWS_SHARED, when the variable is
 * unset or a file is missing, so the tests fail instead of passing without the data.
 */
export function locateExample(name: string): ExampleData {
  const shared = process.env[SHARED_DATA_VARIABLE];
  if (!shared) {
    throw new Error(
      `${SHARED_DATA_VARIABLE} is not set: set it to the shared data folder that contains examples/${name}/ ` +
        '(scripts/run-tests.mjs sets it to ../shared beside the repository when that folder exists).',
    );
  }
  const root = path.join(shared, 'examples', name);
  const example: ExampleData = {
    projectDir: path.join(root, 'project'),
    schemaFile: path.join(root, 'raw', 'schema.sql'),
    dataFile: path.join(root, 'raw', 'data.sql'),
  };
  for (const required of [path.join(example.projectDir, 'templates'), example.schemaFile, example.dataFile]) {
    if (!fs.existsSync(required)) {
      throw new Error(`${required} not found: ${SHARED_DATA_VARIABLE}=${shared} must contain examples/${name}/ with project/templates/ and raw/.`);
    }
  }
  return example;
}

/** Returns the psql of PostgreSQL 15 as Debian installs it, else the first psql on PATH. */
export function findPsql(): string {
  const debianPsql = '/usr/lib/postgresql/15/bin/psql';
  if (fs.existsSync(debianPsql)) {
    return debianPsql;
  }
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, 'psql');
    if (dir && fs.existsSync(candidate)) {
      return candidate;
    }
  }
  throw new Error('psql not found in /usr/lib/postgresql/15/bin or on PATH: install the postgresql package.');
}

export interface CommandResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Runs a program to its end and returns its exit code and output; never throws on a non-zero exit. */
export function runCommand(program: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    execFile(program, args, { cwd: repositoryRoot, env, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') {
        reject(error);
        return;
      }
      resolve({ exitCode: error ? Number(error.code) : 0, stdout, stderr });
    });
  });
}

/** Loads SQL files into a database with psql, stopping at the first error. */
export async function loadSqlFiles(url: string, files: string[]): Promise<void> {
  const args = ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', url];
  for (const file of files) {
    args.push('-f', file);
  }
  const result = await runCommand(findPsql(), args);
  if (result.exitCode !== 0) {
    throw new Error(`psql failed (exit code ${result.exitCode}) loading ${files.join(', ')}:\n${result.stderr}`);
  }
}

/**
 * Runs the command line from its TypeScript source through tsx, so the test exercises the
 * current code without a build step.
 */
export function runCli(args: string[], env: NodeJS.ProcessEnv): Promise<CommandResult> {
  return runCommand(process.execPath, ['--import', 'tsx', path.join(repositoryRoot, 'cli', 'index.ts'), ...args], env);
}

/** Returns a copy of the environment without DATABASE_URL and the PG* connection variables. */
export function environmentWithoutDatabase(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (name === 'DATABASE_URL' || name.startsWith('PG')) {
      continue;
    }
    env[name] = value;
  }
  return env;
}

/** One template file, named as the project layout names it. */
export interface TemplateView {
  schema: string;
  stage: number;
  name: string;
  file: string;
}

/**
 * Lists the templates of a project in the order a person would create them by hand: the core
 * schema's stages first, then each other schema by stage. Application views may read core views
 * of any stage, so core must be complete before any application schema.
 */
export function listTemplateViews(projectDir: string, coreSchema = 'core'): TemplateView[] {
  const templatesDir = path.join(projectDir, 'templates');
  const views: TemplateView[] = [];
  for (const folder of fs.readdirSync(templatesDir, { withFileTypes: true })) {
    if (!folder.isDirectory() || folder.name.startsWith('_')) {
      continue;
    }
    const match = /^(.+?)(?:_(\d+))?$/.exec(folder.name);
    if (!match) {
      throw new Error(`Template folder ${folder.name} is not <schema> or <schema>_<stage>.`);
    }
    for (const file of fs.readdirSync(path.join(templatesDir, folder.name))) {
      if (!file.endsWith('.sql')) {
        continue;
      }
      views.push({
        schema: match[1],
        stage: match[2] === undefined ? 0 : Number(match[2]),
        name: file.slice(0, -'.sql'.length),
        file: path.join(templatesDir, folder.name, file),
      });
    }
  }
  const schemaRank = (schema: string): string => (schema === coreSchema ? '' : schema);
  return views.sort(
    (a, b) =>
      schemaRank(a.schema).localeCompare(schemaRank(b.schema)) || a.stage - b.stage || a.name.localeCompare(b.name),
  );
}

/**
 * Creates every view with plain `CREATE VIEW <schema>.<name> AS <file text>`, in the order
 * given. The file text goes in unrendered, so the templates must not contain nunjucks tags.
 * The statement ends on a new line because a file may end in a `--` comment.
 */
export async function createViewsByHand(url: string, views: TemplateView[]): Promise<void> {
  await withClient(url, async (client) => {
    for (const schema of new Set(views.map((view) => view.schema))) {
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${escapeIdentifier(schema)}`);
    }
    for (const view of views) {
      const text = fs.readFileSync(view.file, 'utf8');
      try {
        await client.query(`CREATE VIEW ${escapeIdentifier(view.schema)}.${escapeIdentifier(view.name)} AS ${text}\n;`);
      } catch (error) {
        throw new Error(`Creating ${view.schema}.${view.name} by hand from ${view.file} failed: ${(error as Error).message}`);
      }
    }
  });
}

/** A view as PostgreSQL stores it: its columns from pg_attribute and its number of rows. */
export interface ViewShape {
  schema: string;
  name: string;
  columns: { name: string; type: string }[];
  rows: number;
  /** pg_get_viewdef, the query as PostgreSQL parsed and prints it. */
  definition: string;
}

/** Reads every view of the given schemas, keyed by "schema.name". */
export async function readViewShapes(url: string, schemas: string[]): Promise<Map<string, ViewShape>> {
  return withClient(url, async (client) => {
    const columns = await client.query<{ schema: string; name: string; column_name: string; column_type: string; definition: string }>(
      `SELECT n.nspname AS schema, c.relname AS name, a.attname AS column_name,
              format_type(a.atttypid, a.atttypmod) AS column_type, pg_get_viewdef(c.oid) AS definition
       FROM pg_class c
       JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
       WHERE c.relkind = 'v' AND n.nspname = ANY($1::text[])
       ORDER BY n.nspname, c.relname, a.attnum`,
      [schemas],
    );
    const shapes = new Map<string, ViewShape>();
    for (const row of columns.rows) {
      const key = `${row.schema}.${row.name}`;
      let shape = shapes.get(key);
      if (!shape) {
        shape = { schema: row.schema, name: row.name, columns: [], rows: -1, definition: row.definition };
        shapes.set(key, shape);
      }
      shape.columns.push({ name: row.column_name, type: row.column_type });
    }
    for (const shape of shapes.values()) {
      const relation = `${escapeIdentifier(shape.schema)}.${escapeIdentifier(shape.name)}`;
      const count = await client.query<{ count: string }>(`SELECT count(*) AS count FROM ${relation}`);
      shape.rows = Number(count.rows[0].count);
    }
    return shapes;
  });
}
