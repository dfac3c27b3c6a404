/**
 * The state table: one row per object a sync created, with the hash of what it created, so
 * the next sync changes only what changed and drops only what it created itself.
 */
import { escapeIdentifier } from "pg";
import type { SqlSession } from "../database/session";

export const STATE_TABLE = "synced_objects";

export interface StateRow {
  schema: string;
  name: string;
  target: string;
  contentHash: string;
  gitCommit: string | null;
  syncedAt: Date;
  sourceFile: string;
}

function tableName(stateSchema: string): string {
  return `${escapeIdentifier(stateSchema)}.${escapeIdentifier(STATE_TABLE)}`;
}

/** Creates the state schema and table when missing. Runs inside the sync's transaction. */
export async function ensureStateTable(session: SqlSession, stateSchema: string): Promise<void> {
  await session.query(`CREATE SCHEMA IF NOT EXISTS ${escapeIdentifier(stateSchema)}`);
  await session.query(
    `CREATE TABLE IF NOT EXISTS ${tableName(stateSchema)} (
      schema_name text NOT NULL,
      object_name text NOT NULL,
      target text NOT NULL,
      content_hash text NOT NULL,
      git_commit text,
      synced_at timestamptz NOT NULL DEFAULT now(),
      source_file text NOT NULL,
      PRIMARY KEY (schema_name, object_name)
    )`,
  );
}

/** Returns whether the state table exists, without creating it (for read-only commands). */
export async function stateTableExists(session: SqlSession, stateSchema: string): Promise<boolean> {
  const result = await session.query<{ exists: boolean }>("SELECT to_regclass($1) IS NOT NULL AS exists", [`${escapeIdentifier(stateSchema)}.${escapeIdentifier(STATE_TABLE)}`]);
  return Boolean(result.rows[0]?.exists);
}

export async function readState(session: SqlSession, stateSchema: string): Promise<StateRow[]> {
  const result = await session.query<{
    schema_name: string;
    object_name: string;
    target: string;
    content_hash: string;
    git_commit: string | null;
    synced_at: Date;
    source_file: string;
  }>(`SELECT schema_name, object_name, target, content_hash, git_commit, synced_at, source_file FROM ${tableName(stateSchema)}`);
  return result.rows.map((row) => ({
    schema: row.schema_name,
    name: row.object_name,
    target: row.target,
    contentHash: row.content_hash,
    gitCommit: row.git_commit,
    syncedAt: new Date(row.synced_at),
    sourceFile: row.source_file,
  }));
}

export async function recordState(session: SqlSession, stateSchema: string, row: Omit<StateRow, "syncedAt">): Promise<void> {
  await session.query(
    `INSERT INTO ${tableName(stateSchema)} (schema_name, object_name, target, content_hash, git_commit, synced_at, source_file)
     VALUES ($1, $2, $3, $4, $5, now(), $6)
     ON CONFLICT (schema_name, object_name) DO UPDATE
       SET target = EXCLUDED.target, content_hash = EXCLUDED.content_hash, git_commit = EXCLUDED.git_commit,
           synced_at = EXCLUDED.synced_at, source_file = EXCLUDED.source_file`,
    [row.schema, row.name, row.target, row.contentHash, row.gitCommit, row.sourceFile],
  );
}

export async function forgetState(session: SqlSession, stateSchema: string, schema: string, name: string): Promise<void> {
  await session.query(`DELETE FROM ${tableName(stateSchema)} WHERE schema_name = $1 AND object_name = $2`, [schema, name]);
}
