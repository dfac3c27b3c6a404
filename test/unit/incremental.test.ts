/**
 * Tests of incremental analysis: after one file's text changes, `analyzer.invalidate([id])`
 * re-analyzes that view, and the views downstream of it see its new output columns.
 * Edits arrive through the readOverride option, as an editor's unsaved text does.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, test } from "node:test";
import { openProject } from "../../engine/api";
import type { ProjectAnalyzer } from "../../engine/analysis/analyzer";
import { writeProject, type TemporaryProject } from "./fixture-project";

const temporaryProjects: TemporaryProject[] = [];
after(() => {
  for (const project of temporaryProjects) project.remove();
});

const MEMBERS = "select 1 as member_id, 2 as plan_id\n";
const MEMBERS_RENAMED = "select 1 as member_id, 2 as plan_uid\n";

async function openEditableProject(): Promise<{ analyzer: ProjectAnalyzer; edit(file: string, text: string | undefined): void }> {
  const project = writeProject({
    "templates/core/members.sql": MEMBERS,
    "templates/core/other.sql": "select 1 as other_id\n",
    "templates/core_1/member_plans.sql": "select m.member_id, m.plan_id\nfrom core.members m\n",
    "templates/core_1/all_members.sql": "select * from core.members\n",
    "templates/core_2/plan_summary.sql": "select p.plan_id from core.member_plans p\n",
    "templates/core_2/star_reader.sql": "select a.member_id, a.plan_id from core.all_members a\n",
  });
  temporaryProjects.push(project);
  const overrides = new Map<string, string>();
  const { analyzer } = await openProject(project.dir, "prod", { readOverride: (absolutePath) => overrides.get(absolutePath) });
  return {
    analyzer,
    edit(file, text) {
      const absolutePath = path.join(project.dir, file);
      if (text === undefined) overrides.delete(absolutePath);
      else overrides.set(absolutePath, text);
    },
  };
}

function codesOf(analyzer: ProjectAnalyzer, id: string): string[] {
  return analyzer.diagnosticsFor(id).map((diagnostic) => diagnostic.code);
}

test("clean project has no diagnostics", async () => {
  const { analyzer } = await openEditableProject();
  assert.deepEqual(analyzer.checkAll(), []);
});

test("invalidate returns the view and its dependents", async () => {
  const { analyzer } = await openEditableProject();
  analyzer.checkAll();
  const affected = analyzer.invalidate(["core.members"]);
  assert.deepEqual([...affected].sort(), ["core.all_members", "core.member_plans", "core.members", "core.plan_summary", "core.star_reader"]);
});

test("renamed upstream column reaches dependents", async () => {
  const { analyzer, edit } = await openEditableProject();
  assert.deepEqual(analyzer.checkAll(), []);
  const unrelatedBefore = analyzer.getAnalysis("core.other");
  const dependentBefore = analyzer.getAnalysis("core.member_plans");
  const changedBefore = analyzer.getAnalysis("core.members");

  edit("templates/core/members.sql", MEMBERS_RENAMED);
  analyzer.invalidate(["core.members"]);

  assert.notEqual(analyzer.getAnalysis("core.members"), changedBefore, "the edited view is analyzed again");
  assert.equal(analyzer.getAnalysis("core.members")?.text, MEMBERS_RENAMED);
  assert.equal(analyzer.getAnalysis("core.other"), unrelatedBefore, "an unrelated view keeps its analysis");
  assert.equal(analyzer.getAnalysis("core.member_plans"), dependentBefore, "a dependent whose text did not change is not rendered again");
  assert.deepEqual(
    analyzer.outputColumnsOf("core.all_members")?.columns.map((column) => column.name),
    ["member_id", "plan_uid"],
    "a * over the edited view expands to its new columns",
  );

  const [direct] = analyzer.diagnosticsFor("core.member_plans");
  assert.equal(direct?.code, "reference/unknown-column");
  assert.match(direct.message, /Column plan_id does not exist in view core\.members/);
  assert.match(direct.message, /Did you mean m\.plan_uid\?/);
  const text = analyzer.getAnalysis("core.member_plans")!.text!;
  assert.equal(text.slice(direct.start, direct.end), "plan_id");

  assert.deepEqual(codesOf(analyzer, "core.star_reader"), ["reference/unknown-column"], "the finding reaches a view two links downstream");
  assert.deepEqual(codesOf(analyzer, "core.plan_summary"), [], "member_plans still outputs plan_id");

  edit("templates/core/members.sql", undefined);
  analyzer.invalidate(["core.members"]);
  assert.deepEqual(analyzer.checkAll(), [], "reverting the edit clears the findings");
});

test("edited references update the graph", async () => {
  const { analyzer, edit } = await openEditableProject();
  analyzer.checkAll();
  assert.ok(analyzer.graph.downstreamOf(["core.members"]).has("core.member_plans"));

  edit("templates/core_1/member_plans.sql", "select o.other_id as member_id, 2 as plan_id from core.other o\n");
  analyzer.invalidate(["core.member_plans"]);
  assert.deepEqual(analyzer.diagnosticsFor("core.member_plans"), []);
  assert.equal(analyzer.graph.downstreamOf(["core.members"]).has("core.member_plans"), false, "the old edge is gone");
  assert.ok(analyzer.graph.downstreamOf(["core.other"]).has("core.plan_summary"), "the new edge leads on to plan_summary");

  edit("templates/core/members.sql", MEMBERS_RENAMED);
  analyzer.invalidate(["core.members"]);
  assert.deepEqual(codesOf(analyzer, "core.member_plans"), [], "member_plans no longer reads members");
});

test("edit that breaks the syntax hides downstream columns", async () => {
  const { analyzer, edit } = await openEditableProject();
  analyzer.checkAll();
  edit("templates/core/members.sql", "select 1 as member_id,\n");
  analyzer.invalidate(["core.members"]);
  assert.deepEqual(codesOf(analyzer, "core.members"), ["sql/syntax"]);
  assert.deepEqual(codesOf(analyzer, "core.member_plans"), [], "columns of a view with a syntax error are unknown, so not checked");
  assert.equal(analyzer.outputColumnsOf("core.all_members")?.complete, false);
});

test("columns through 5,000 chained views", async () => {
  const length = 5000;
  const files: Record<string, string> = { "templates/chain/v0.sql": "select 1 as id, 2 as amount\n" };
  for (let index = 1; index < length; index++) files[`templates/chain_${index}/v${index}.sql`] = `select * from chain.v${index - 1}\n`;
  files[`templates/chain_${length}/last.sql`] = `select v.id, v.amout from chain.v${length - 1} v\n`;
  const project = writeProject(files);
  temporaryProjects.push(project);
  assert.equal(fs.readdirSync(path.join(project.dir, "templates")).length, length + 1);

  const { analyzer } = await openProject(project.dir);
  // Asking for the last view first makes the analyzer resolve the whole chain from that one call.
  const columns = analyzer.outputColumnsOf(`chain.v${length - 1}`);
  assert.equal(columns?.complete, true);
  assert.deepEqual(
    columns.columns.map((column) => column.name),
    ["id", "amount"],
  );
  const diagnostics = analyzer.checkAll();
  assert.deepEqual(
    diagnostics.map((diagnostic) => `${diagnostic.file} ${diagnostic.code}`),
    [`templates/chain_${length}/last.sql reference/unknown-column`],
  );
});
