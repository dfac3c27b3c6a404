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
  /** Roles the sync granted SELECT to, so a later sync revokes only grants it made itself. */
  grants: string[];
  /** md5 of pg_get_viewdef right after the sync, to notice a view changed outside a sync. */
  definitionHash: string | null;
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
  // Columns added after the first release; ADD COLUMN IF NOT EXISTS upgrades older state tables in place.
  await session.query(
    `ALTER TABLE ${tableName(stateSchema)}
       ADD COLUMN IF NOT EXISTS grants text[] NOT NULL DEFAULT '{}',
       ADD COLUMN IF NOT EXISTS definition_hash text`,
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
    grants: string[] | null;
    definition_hash: string | null;
  }>(`SELECT schema_name, object_name, target, content_hash, git_commit, synced_at, source_file, grants, definition_hash FROM ${tableName(stateSchema)}`);
  return result.rows.map((row) => ({
    schema: row.schema_name,
    name: row.object_name,
    target: row.target,
    contentHash: row.content_hash,
    gitCommit: row.git_commit,
    syncedAt: new Date(row.synced_at),
    sourceFile: row.source_file,
    grants: row.grants ?? [],
    definitionHash: row.definition_hash,
  }));
}

/**
 * Records created or replaced views in one statement, whatever their number; each view's
 * definition hash is read from the database in the same statement.
 */
export async function recordState(session: SqlSession, stateSchema: string, rows: Omit<StateRow, "syncedAt" | "definitionHash">[]): Promise<void> {
  if (rows.length === 0) return;
  await session.query(
    `INSERT INTO ${tableName(stateSchema)} (schema_name, object_name, target, content_hash, git_commit, synced_at, source_file, grants, definition_hash)
     SELECT r.schema_name, r.object_name, r.target, r.content_hash, r.git_commit, now(), r.source_file,
            ARRAY(SELECT json_array_elements_text(r.grants::json)),
            md5(pg_get_viewdef(to_regclass(quote_ident(r.schema_name) || '.' || quote_ident(r.object_name))))
     FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[])
          AS r(schema_name, object_name, target, content_hash, git_commit, source_file, grants)
     ON CONFLICT (schema_name, object_name) DO UPDATE
       SET target = EXCLUDED.target, content_hash = EXCLUDED.content_hash, git_commit = EXCLUDED.git_commit,
           synced_at = EXCLUDED.synced_at, source_file = EXCLUDED.source_file, grants = EXCLUDED.grants,
           definition_hash = EXCLUDED.definition_hash`,
    [
      rows.map((row) => row.schema),
      rows.map((row) => row.name),
      rows.map((row) => row.target),
      rows.map((row) => row.contentHash),
      rows.map((row) => row.gitCommit),
      rows.map((row) => row.sourceFile),
      // A text[][] parameter cannot be ragged, so each view's roles travel as a JSON array.
      rows.map((row) => JSON.stringify(row.grants)),
    ],
  );
}

export async function forgetState(session: SqlSession, stateSchema: string, schema: string, name: string): Promise<void> {
  await session.query(`DELETE FROM ${tableName(stateSchema)} WHERE schema_name = $1 AND object_name = $2`, [schema, name]);
}
