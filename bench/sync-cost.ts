/**
 * Benchmark: what a sync costs next to the DDL alone. It generates a project of N views (a
 * chain of stages in one schema over a raw table), starts a throwaway PostgreSQL cluster, and
 * measures on fresh databases:
 * - the DDL alone: every CREATE VIEW in dependency order in one transaction, sent by `pg`;
 * - the same DDL with the COMMENT statements a sync also writes (view and column comments),
 *   each view's statements in one round trip;
 * - a first sync of the same project (plan, savepoints, comments, state table);
 * - a second sync with nothing changed;
 * - a sync after one view at the bottom changed compatibly.
 *
 *   node --import tsx bench/sync-cost.ts [views]      (default 1000)
 *
 * Needs PostgreSQL server binaries (scripts/pg-cluster.mjs finds them). Prints the figures and
 * writes bench/results/sync-cost.json.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Client, escapeIdentifier } from "pg";
import { checkProject, openProject, sessionForClient } from "../engine/api";
import { runSync } from "../engine/sync/sync";

const VIEW_COUNT = Number(process.argv[2] ?? 1000);
const STAGES = 10;

interface Cluster {
  url: string;
}

async function loadClusterModule(): Promise<{ startCluster(): Promise<Cluster>; stopCluster(cluster: Cluster): void }> {
  // The cluster helper is plain ESM shared with the test runner.
  return (await import(path.join(__dirname, "..", "scripts", "pg-cluster.mjs"))) as never;
}

function generateProject(dir: string): { folder: string; name: string; sql: string }[] {
  const views: { folder: string; name: string; sql: string }[] = [];
  const perStage = Math.ceil(VIEW_COUNT / STAGES);
  for (let index = 0; index < VIEW_COUNT; index++) {
    const stage = Math.floor(index / perStage);
    const name = `view_${index}`;
    const source = stage === 0 ? "raw.events as e" : `core.view_${index - perStage} as e`;
    const sql = [
      `/* View ${index}, stage ${stage}. */`,
      "select",
      "    e.id,          -- Event id.",
      "    e.account_id,  -- Account the event belongs to.",
      "    e.amount,",
      "    e.happened_at",
      `from ${source}`,
      "where e.amount is not null",
      "",
    ].join("\n");
    const folder = stage === 0 ? "core" : `core_${stage}`;
    fs.mkdirSync(path.join(dir, "templates", folder), { recursive: true });
    fs.writeFileSync(path.join(dir, "templates", folder, `${name}.sql`), sql);
    views.push({ folder, name, sql });
  }
  return views;
}

async function withDatabase<T>(adminUrl: string, name: string, work: (client: Client, url: string) => Promise<T>): Promise<T> {
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${escapeIdentifier(name)}`);
  const url = adminUrl.replace(/\/[^/]*$/, `/${name}`);
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query("CREATE SCHEMA raw; CREATE TABLE raw.events (id bigint, account_id bigint, amount numeric(12,2), happened_at timestamptz)");
    return await work(client, url);
  } finally {
    await client.end();
    await admin.query(`DROP DATABASE ${escapeIdentifier(name)} WITH (FORCE)`);
    await admin.end();
  }
}

async function timeSync(client: Client, dir: string): Promise<{ ms: number; actions: Record<string, number> }> {
  const { analyzer } = await openProject(dir);
  checkProject(analyzer);
  const start = performance.now();
  const result = await runSync({ analyzer, session: sessionForClient(client), mode: "sync", target: "prod" });
  const ms = performance.now() - start;
  if (result.error) throw new Error(result.error);
  const actions: Record<string, number> = {};
  for (const action of result.actions) actions[action.action] = (actions[action.action] ?? 0) + 1;
  return { ms: Math.round(ms), actions };
}

async function main(): Promise<void> {
  const { startCluster, stopCluster } = await loadClusterModule();
  const cluster = await startCluster();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "synced-views-sync-bench-"));
  try {
    const views = generateProject(dir);

    const ddlMs = await withDatabase(cluster.url, "bench_ddl", async (client) => {
      const start = performance.now();
      await client.query("BEGIN");
      await client.query("CREATE SCHEMA core");
      for (const view of views) await client.query(`CREATE VIEW core.${escapeIdentifier(view.name)} AS\n${view.sql}`);
      await client.query("COMMIT");
      return Math.round(performance.now() - start);
    });

    const ddlWithCommentsMs = await withDatabase(cluster.url, "bench_ddl_comments", async (client) => {
      const start = performance.now();
      await client.query("BEGIN");
      await client.query("CREATE SCHEMA core");
      for (const view of views) {
        const name = `core.${escapeIdentifier(view.name)}`;
        const comments = [`COMMENT ON VIEW ${name} IS 'View.'`];
        for (const column of ["id", "account_id", "amount", "happened_at"]) comments.push(`COMMENT ON COLUMN ${name}.${column} IS 'Column.'`);
        await client.query(`CREATE VIEW ${name} AS\n${view.sql};\n${comments.join(";\n")}`);
      }
      await client.query("COMMIT");
      return Math.round(performance.now() - start);
    });

    const syncs = await withDatabase(cluster.url, "bench_sync", async (client) => {
      const first = await timeSync(client, dir);
      const unchanged = await timeSync(client, dir);
      const bottom = views[views.length - 1];
      const file = path.join(dir, "templates", bottom.folder, `${bottom.name}.sql`);
      fs.writeFileSync(file, bottom.sql.replace("    e.happened_at", "    e.happened_at,\n    e.amount * 2 as double_amount"));
      const oneChanged = await timeSync(client, dir);
      return { first, unchanged, oneChanged };
    });

    const results = {
      views: VIEW_COUNT,
      node: process.version,
      cpu: os.cpus()[0]?.model ?? "unknown",
      cores: os.cpus().length,
      ddlOnlyMs: ddlMs,
      ddlWithCommentsMs,
      firstSync: syncs.first,
      firstSyncOverDdl: Number((syncs.first.ms / ddlMs).toFixed(2)),
      firstSyncOverDdlWithComments: Number((syncs.first.ms / ddlWithCommentsMs).toFixed(2)),
      unchangedSync: syncs.unchanged,
      oneViewChangedSync: syncs.oneChanged,
    };
    console.log(JSON.stringify(results, null, 2));
    const out = path.join(__dirname, "results");
    fs.mkdirSync(out, { recursive: true });
    fs.writeFileSync(path.join(out, "sync-cost.json"), `${JSON.stringify(results, null, 2)}\n`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
    stopCluster(cluster);
  }
}

void main();
