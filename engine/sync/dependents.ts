/**
 * Finds the database objects that depend on a view, from pg_depend, so a sync never drops
 * what it does not manage.
 */
import type { SqlSession } from "../database/session";

/** An object that depends on a view. `schema`/`name` are set when it is a view or materialized view. */
export interface DependentObject {
  description: string;
  schema?: string;
  name?: string;
  oid?: number;
}

/**
 * Returns the objects that depend directly on a relation: views and materialized views (through
 * their rewrite rules), and anything else recorded in pg_depend on the relation or its row type,
 * such as functions or columns of that type. The relation's own internal dependencies are not listed.
 */
export async function directDependents(session: SqlSession, oid: number): Promise<DependentObject[]> {
  const result = await session.query<{ description: string; view_oid: number | null; view_schema: string | null; view_name: string | null }>(
    `SELECT DISTINCT
       COALESCE(CASE WHEN vc.oid IS NOT NULL THEN
         CASE vc.relkind WHEN 'm' THEN 'materialized view ' ELSE 'view ' END || quote_ident(vn.nspname) || '.' || quote_ident(vc.relname) END,
         pg_describe_object(d.classid, d.objid, d.objsubid)) AS description,
       vc.oid::int8 AS view_oid, vn.nspname AS view_schema, vc.relname AS view_name
     FROM pg_depend d
     LEFT JOIN pg_rewrite r ON d.classid = 'pg_rewrite'::regclass AND r.oid = d.objid
     LEFT JOIN pg_class vc ON vc.oid = r.ev_class
     LEFT JOIN pg_namespace vn ON vn.oid = vc.relnamespace
     WHERE d.deptype = 'n'
       AND ((d.refclassid = 'pg_class'::regclass AND d.refobjid = $1)
         OR (d.refclassid = 'pg_type'::regclass AND d.refobjid = (SELECT reltype FROM pg_class WHERE oid = $1)))
       AND (r.ev_class IS NULL OR r.ev_class <> $1)`,
    [oid],
  );
  return result.rows.map((row) => ({
    description: row.description,
    schema: row.view_schema ?? undefined,
    name: row.view_name ?? undefined,
    oid: row.view_oid === null ? undefined : Number(row.view_oid),
  }));
}

/** Returns every object that depends on the relation, directly or through other views, nearest first. */
export async function allDependents(session: SqlSession, oid: number): Promise<DependentObject[]> {
  const found: DependentObject[] = [];
  const seen = new Set<string>();
  const queue = [oid];
  while (queue.length > 0) {
    const current = queue.shift()!;
    for (const dependent of await directDependents(session, current)) {
      if (seen.has(dependent.description)) continue;
      seen.add(dependent.description);
      found.push(dependent);
      if (dependent.oid !== undefined) queue.push(dependent.oid);
    }
  }
  return found;
}

export interface ExistingRelation {
  oid: number;
  schema: string;
  name: string;
  /** pg_class.relkind: "v" view, "m" materialized view, "r" table, ... */
  kind: string;
}

/** Returns the relations that exist in the given schemas. */
export async function existingRelations(session: SqlSession, schemas: string[]): Promise<Map<string, ExistingRelation>> {
  const result = await session.query<{ oid: number; schema: string; name: string; kind: string }>(
    `SELECT c.oid::int8 AS oid, n.nspname AS schema, c.relname AS name, c.relkind::text AS kind
     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = ANY($1::text[]) AND c.relkind IN ('r', 'v', 'm', 'p', 'f')`,
    [schemas],
  );
  const relations = new Map<string, ExistingRelation>();
  for (const row of result.rows) relations.set(`${row.schema}.${row.name}`, { ...row, oid: Number(row.oid) });
  return relations;
}

/** Returns md5(pg_get_viewdef) of each view by "schema.name", in one query. */
export async function viewDefinitionHashes(session: SqlSession, views: ExistingRelation[]): Promise<Map<string, string>> {
  const hashes = new Map<string, string>();
  if (views.length === 0) return hashes;
  const result = await session.query<{ oid: string | number; hash: string }>(
    "SELECT wanted.oid AS oid, md5(pg_get_viewdef(wanted.oid::oid)) AS hash FROM unnest($1::int8[]) AS wanted(oid)",
    [views.map((view) => String(view.oid))],
  );
  const byOid = new Map(views.map((view) => [view.oid, `${view.schema}.${view.name}`]));
  for (const row of result.rows) {
    const key = byOid.get(Number(row.oid));
    if (key) hashes.set(key, row.hash);
  }
  return hashes;
}
