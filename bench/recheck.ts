/**
 * Benchmark: a generated project of 5,000 views (core plus ten application schemas, five
 * stages each, every view reading one to three views of earlier stages). It measures the
 * full check, and then what an editor does on every keystroke: invalidate one view, and
 * re-check it and every view downstream of it.
 *
 *   node --import tsx bench/recheck.ts [views]      (default 5000)
 *
 * Prints the figures and writes them to bench/results/recheck.json.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { checkProject, openProject } from "../engine/api";

const VIEW_COUNT = Number(process.argv[2] ?? 5000);
const SCHEMAS = ["core", ...Array.from({ length: 10 }, (_, index) => `app${index}`)];
const STAGES = 5;

/** Returns a deterministic pseudo-random sequence, so every run generates the same project. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

interface GeneratedView {
  schema: string;
  stage: number;
  name: string;
}

function generateProject(dir: string): GeneratedView[] {
  const next = random(42);
  const views: GeneratedView[] = [];
  for (let index = 0; index < VIEW_COUNT; index++) {
    const schema = SCHEMAS[index % SCHEMAS.length];
    const stage = Math.floor((index / VIEW_COUNT) * STAGES);
    views.push({ schema, stage, name: `view_${index}` });
  }
  fs.mkdirSync(path.join(dir, "catalog"), { recursive: true });
  fs.writeFileSync(path.join(dir, "catalog", "raw.sql"), "CREATE TABLE raw.events (id bigint, account_id bigint, amount numeric(12,2), happened_at timestamptz, kind text);\n");

  for (const view of views) {
    // Upstream: views of the same schema at an earlier stage, or of core at an earlier stage.
    const candidates = views.filter((other) => other.stage < view.stage && (other.schema === view.schema || other.schema === "core"));
    const upstream: GeneratedView[] = [];
    const wanted = candidates.length === 0 ? 0 : 1 + Math.floor(next() * 3);
    for (let i = 0; i < wanted; i++) upstream.push(candidates[Math.floor(next() * candidates.length)]);
    const sources = upstream.length > 0 ? upstream : null;
    const lines = [`/* Generated view ${view.name} of ${view.schema}, stage ${view.stage}. */`, "with base as ("];
    if (!sources) {
      lines.push("    select e.id, e.account_id, e.amount, e.happened_at, e.kind", "    from raw.events as e", "    where e.kind <> 'test'");
    } else {
      const first = sources[0];
      lines.push(`    select u0.id, u0.account_id, u0.amount, u0.happened_at, u0.kind`, `    from ${first.schema}.${first.name} as u0`);
      sources.slice(1).forEach((source, i) => lines.push(`    left join ${source.schema}.${source.name} as u${i + 1} on u${i + 1}.id = u0.id`));
    }
    lines.push(
      ")",
      "select",
      "    b.id,            -- Event id.",
      "    b.account_id,",
      "    b.amount,",
      "    b.happened_at,",
      "    b.kind,",
      "    sum(b.amount) over (partition by b.account_id order by b.happened_at) as running_amount",
      "from base as b",
    );
    const folder = view.stage === 0 ? view.schema : `${view.schema}_${view.stage}`;
    fs.mkdirSync(path.join(dir, "templates", folder), { recursive: true });
    fs.writeFileSync(path.join(dir, "templates", folder, `${view.name}.sql`), `${lines.join("\n")}\n`);
  }
  return views;
}

function percentile(values: number[], fraction: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))];
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "synced-views-bench-"));
  try {
    const generateStart = performance.now();
    const views = generateProject(dir);
    const generateMs = performance.now() - generateStart;

    const overrides = new Map<string, string>();
    const loadStart = performance.now();
    const { project, analyzer } = await openProject(dir, "prod", { readOverride: (file) => overrides.get(file) });
    const loadMs = performance.now() - loadStart;

    const heapBefore = process.memoryUsage().heapUsed;
    const checkStart = performance.now();
    const check = checkProject(analyzer);
    const fullCheckMs = performance.now() - checkStart;
    const heapAfter = process.memoryUsage().heapUsed;
    const errors = check.diagnostics.filter((diagnostic) => diagnostic.severity === "error");
    if (errors.length > 0) throw new Error(`The generated project has ${errors.length} errors, first: ${errors[0].message}`);

    // One edit per sampled view: change its text (a new comment line), invalidate it, and
    // re-check it and everything downstream, as the language server does after each change.
    const next = random(7);
    const samples: { ms: number; rechecked: number }[] = [];
    for (let i = 0; i < 200; i++) {
      const view = views[Math.floor(next() * views.length)];
      const file = project.views.get(`${view.schema}.${view.name}`)!;
      const text = fs.readFileSync(file.absolutePath, "utf8");
      overrides.set(file.absolutePath, `${text}-- edit ${i}\n`);
      const start = performance.now();
      const affected = analyzer.invalidate([file.id]);
      for (const id of affected) analyzer.diagnosticsFor(id);
      samples.push({ ms: performance.now() - start, rechecked: affected.size });
    }
    // An edit in a stage-0 core view, the worst case: it has the most views downstream.
    const root = project.views.get("core.view_0")!;
    overrides.set(root.absolutePath, `${fs.readFileSync(root.absolutePath, "utf8")}-- edit root\n`);
    const rootStart = performance.now();
    const rootAffected = analyzer.invalidate([root.id]);
    for (const id of rootAffected) analyzer.diagnosticsFor(id);
    const rootMs = performance.now() - rootStart;

    const times = samples.map((sample) => sample.ms);
    const results = {
      views: VIEW_COUNT,
      node: process.version,
      cpu: os.cpus()[0]?.model ?? "unknown",
      cores: os.cpus().length,
      generateMs: Math.round(generateMs),
      loadMs: Math.round(loadMs),
      fullCheckMs: Math.round(fullCheckMs),
      fullCheckHeapMb: Math.round((heapAfter - heapBefore) / 1024 / 1024),
      editRecheck: {
        samples: samples.length,
        medianMs: Number(percentile(times, 0.5).toFixed(2)),
        p95Ms: Number(percentile(times, 0.95).toFixed(2)),
        maxMs: Number(Math.max(...times).toFixed(2)),
        medianViewsRechecked: percentile(samples.map((sample) => sample.rechecked), 0.5),
      },
      worstCaseEdit: { view: root.id, viewsRechecked: rootAffected.size, ms: Number(rootMs.toFixed(2)) },
    };
    console.log(JSON.stringify(results, null, 2));
    const out = path.join(__dirname, "results");
    fs.mkdirSync(out, { recursive: true });
    fs.writeFileSync(path.join(out, "recheck.json"), `${JSON.stringify(results, null, 2)}\n`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

void main();
