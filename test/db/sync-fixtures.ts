// Helpers shared by the database and CLI tests: small views projects in temp folders, a sync
// through the engine on its own connection, and snapshots of what a sync can change.

import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { currentGitCommit, diagnosticsToJson, openProject, sessionForClient } from '../../engine/api';
import type { DiagnosticJson } from '../../engine/diagnostics';
import { runSync, type SyncOptions, type SyncResult } from '../../engine/sync/sync';

export const repoRoot = path.resolve(__dirname, '..', '..');

/** Writes `files` (paths relative to the project folder) into a new temp folder and returns it. */
export function writeProject(files: Record<string, string>, prefix = 'synced-views-db-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  updateProject(dir, files);
  return dir;
}

/** Writes or overwrites files of a project. A `null` content deletes the file. */
export function updateProject(dir: string, files: Record<string, string | null>): void {
  for (const [relative, text] of Object.entries(files)) {
    const file = path.join(dir, relative);
    if (text === null) {
      fs.rmSync(file);
      continue;
    }
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
  }
}

/** Commits everything in the folder, making it a git repository first if needed, and returns the commit hash. */
export function commitAll(dir: string, message = 'Add views'): string {
  const git = (...args: string[]): string =>
    execFileSync('git', ['-c', 'user.name=Synced Views Tests', '-c', 'user.email=tests@example.invalid', ...args], {
      cwd: dir,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    }).trim();
  if (!fs.existsSync(path.join(dir, '.git'))) git('init', '--quiet');
  git('add', '--all');
  git('commit', '--quiet', '--no-gpg-sign', '-m', message);
  return git('rev-parse', 'HEAD');
}

export type EngineSyncOptions = Partial<Omit<SyncOptions, 'analyzer' | 'session'>> & {
  /** Personal schema prefix, set on the project's config as `--prefix` does. */
  prefix?: string;
};

export type EngineSyncResult = SyncResult & {
  /** The result's diagnostics as the CLI prints them, with 1-based lines and columns. */
  diagnosticsJson: DiagnosticJson[];
};

/** Opens the project afresh (nothing cached from an earlier sync) and runs one sync on its own connection. */
export async function syncProject(url: string, dir: string, options: EngineSyncOptions = {}): Promise<EngineSyncResult> {
  const { prefix, ...rest } = options;
  const target = rest.target ?? 'prod';
  const { project, analyzer } = await openProject(dir, target);
  if (prefix) project.config.personalPrefix = prefix;
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const result = await runSync({
      analyzer,
      session: sessionForClient(client),
      mode: 'sync',
      target,
      gitCommit: currentGitCommit(dir),
      ...rest,
    });
    return { ...result, diagnosticsJson: diagnosticsToJson(analyzer, result.diagnostics) };
  } finally {
    await client.end();
  }
}

/** Maps each action's view to its action kind, e.g. {"core.a": "create"}. */
export function actionsByView(result: SyncResult): Record<string, string> {
  return Object.fromEntries(result.actions.map((action) => [action.view, action.action]));
}

export interface RelationSnapshot {
  schema: string;
  name: string;
  oid: string;
  xmin: string;
  kind: string;
  definition: string | null;
  comment: string | null;
  columns: { name: string; type: string; comment: string | null }[];
}

/**
 * Reads every relation of the schemas: oid, pg_class xmin (changes with any DDL on it), kind,
 * definition (pg_get_viewdef), comments, and columns with their types and comments.
 */
export async function snapshotRelations(client: Client, schemas: string[]): Promise<RelationSnapshot[]> {
  const result = await client.query<RelationSnapshot>(
    `SELECT n.nspname AS schema, c.relname AS name, c.oid::text AS oid, c.xmin::text AS xmin, c.relkind::text AS kind,
            CASE WHEN c.relkind IN ('v', 'm') THEN pg_get_viewdef(c.oid) END AS definition,
            obj_description(c.oid, 'pg_class') AS comment,
            COALESCE((SELECT json_agg(json_build_object('name', a.attname, 'type', format_type(a.atttypid, a.atttypmod),
                                                        'comment', col_description(c.oid, a.attnum)) ORDER BY a.attnum)
                      FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped), '[]') AS columns
     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = ANY($1::text[]) AND c.relkind IN ('r', 'v', 'm', 'p', 'f')
     ORDER BY n.nspname, c.relname`,
    [schemas],
  );
  return result.rows;
}

/** Everything a sync may change: schemas, the relations in `schemas`, and the state table's rows. */
export async function snapshotDatabase(client: Client, schemas: string[]): Promise<unknown> {
  const namespaces = await client.query(`SELECT nspname, xmin::text AS xmin FROM pg_namespace WHERE nspname !~ '^pg_' ORDER BY nspname`);
  const stateExists = await client.query(`SELECT to_regclass('synced_views.synced_objects') IS NOT NULL AS exists`);
  const state = stateExists.rows[0].exists
    ? (await client.query(`SELECT *, xmin::text AS row_xmin FROM synced_views.synced_objects ORDER BY schema_name, object_name`)).rows
    : null;
  return { namespaces: namespaces.rows, relations: await snapshotRelations(client, schemas), state };
}

export interface StateTableRow {
  schema_name: string;
  object_name: string;
  target: string;
  content_hash: string;
  git_commit: string | null;
  synced_at: Date;
  source_file: string;
}

export async function readStateRows(client: Client): Promise<StateTableRow[]> {
  const result = await client.query<StateTableRow>(`SELECT * FROM synced_views.synced_objects ORDER BY schema_name, object_name`);
  return result.rows;
}

/** Opens a client on `url`, for tests that keep one open across steps. */
export async function openClient(url: string): Promise<Client> {
  const client = new Client({ connectionString: url });
  await client.connect();
  return client;
}

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the bundled command line (`node bin/synced-views.js ARGS`) with exactly `env` as its
 * environment (plus PATH and HOME), so PG* variables of the test run do not leak into it.
 */
export function runCli(args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 60_000): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(repoRoot, 'bin', 'synced-views.js'), ...args], {
      cwd: repoRoot,
      env: { PATH: process.env.PATH, HOME: os.tmpdir(), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Bundles the command line into dist/ so the CLI tests run the current sources. */
export function buildCli(): void {
  execFileSync(process.execPath, [path.join(repoRoot, 'scripts', 'build.mjs')], { cwd: repoRoot, stdio: ['ignore', 'ignore', 'inherit'] });
}

/** Fails with the sync's error and diagnostics when it did not succeed. */
export function assertSyncSucceeded(result: SyncResult): void {
  const details = JSON.stringify({ error: result.error, diagnostics: result.diagnostics, actions: result.actions }, null, 2);
  if (result.error !== undefined || result.diagnostics.length > 0) {
    throw new Error(`the sync failed:\n${details}`);
  }
}

/** Returns every view outside the system schemas as "schema.name", sorted. */
export async function listViews(client: Client): Promise<string[]> {
  const result = await client.query<{ name: string }>(
    `SELECT n.nspname || '.' || c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relkind = 'v' AND n.nspname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1`,
  );
  return result.rows.map((row) => row.name);
}
