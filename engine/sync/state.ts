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
  // Each statement runs only when its object is missing: CREATE ... IF NOT EXISTS still needs
  // CREATE on the database or schema, and ALTER TABLE needs ownership even when nothing changes,
  // so a role that may only write the table could otherwise never sync.
  const present = await session.query<{ has_schema: boolean; has_table: boolean; columns: string[] | null }>(
    `SELECT to_regnamespace($1) IS NOT NULL AS has_schema,
            to_regclass($2) IS NOT NULL AS has_table,
            (SELECT array_agg(attname::text) FROM pg_attribute WHERE attrelid = to_regclass($2) AND attnum > 0 AND NOT attisdropped) AS columns`,
    [escapeIdentifier(stateSchema), tableName(stateSchema)],
  );
  const { has_schema: hasSchema, has_table: hasTable, columns } = present.rows[0];

  if (!hasSchema) await session.query(`CREATE SCHEMA ${escapeIdentifier(stateSchema)}`);
  if (!hasTable) {
    await session.query(
      `CREATE TABLE ${tableName(stateSchema)} (
        schema_name text NOT NULL,
        object_name text NOT NULL,
        target text NOT NULL,
        content_hash text NOT NULL,
        git_commit text,
        synced_at timestamptz NOT NULL DEFAULT now(),
        source_file text NOT NULL,
        grants text[] NOT NULL DEFAULT '{}',
        definition_hash text,
        PRIMARY KEY (schema_name, object_name)
      )`,
    );
    return;
  }

  // Columns added after the first release upgrade older state tables in place.
  const missing: string[] = [];
  if (!columns?.includes("grants")) missing.push("ADD COLUMN grants text[] NOT NULL DEFAULT '{}'");
  if (!columns?.includes("definition_hash")) missing.push("ADD COLUMN definition_hash text");
  if (missing.length > 0) await session.query(`ALTER TABLE ${tableName(stateSchema)} ${missing.join(", ")}`);
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
