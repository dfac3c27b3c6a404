// View files that git ignores are not views, so the editor and a clean clone in CI agree.

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { ViewsProject } from "../../engine/project/project";

const dirs: string[] = [];
after(() => dirs.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

function makeProject(withGit: boolean): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "synced-views-gitignore-"));
  dirs.push(dir);
  fs.mkdirSync(path.join(dir, "templates", "core"), { recursive: true });
  fs.writeFileSync(path.join(dir, "templates", "core", "kept.sql"), "select 1 as a\n");
  fs.writeFileSync(path.join(dir, "templates", "core", "scratch.sql"), "select 2 as b\n");
  fs.writeFileSync(path.join(dir, "templates", "core", "Bad Name.sql"), "select 3 as c\n");
  fs.writeFileSync(path.join(dir, ".gitignore"), "scratch.sql\nBad Name.sql\n");
  if (withGit) execFileSync("git", ["init", "-q"], { cwd: dir });
  return dir;
}

test("git-ignored view files are skipped", () => {
  const project = ViewsProject.load(makeProject(true), { skipCatalog: true });
  assert.deepEqual([...project.views.keys()], ["core.kept"]);
  assert.equal(project.projectDiagnostics.length, 0, "an ignored file with a bad name is not reported");
});

test("without git every file counts", () => {
  const project = ViewsProject.load(makeProject(false), { skipCatalog: true });
  assert.deepEqual([...project.views.keys()].sort(), ["core.kept", "core.scratch"]);
  assert.equal(project.projectDiagnostics.length, 1);
  assert.equal(project.projectDiagnostics[0].code, "naming/invalid-name");
});
