// A view that includes another view's template is re-checked when that template changes.

import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { openProject } from "../../engine/api";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "synced-views-include-"));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

test("included view edit re-checks includer", async () => {
  fs.mkdirSync(path.join(dir, "templates", "core"), { recursive: true });
  fs.writeFileSync(path.join(dir, "templates", "core", "shared.sql"), "select 1 as a\n");
  fs.writeFileSync(path.join(dir, "templates", "core", "wrapper.sql"), "{% include 'core/shared.sql' %}\n");
  const overrides = new Map<string, string>();
  const { project, analyzer } = await openProject(dir, "prod", { readOverride: (file) => overrides.get(file) });
  assert.deepEqual(analyzer.diagnosticsFor("core.wrapper"), []);

  const shared = project.views.get("core.shared")!;
  overrides.set(shared.absolutePath, "select 1 as a, 2 as a\n");
  const affected = analyzer.invalidate(["core.shared"]);
  assert.ok(affected.has("core.wrapper"), "the including view is re-checked");
  const codes = analyzer.diagnosticsFor("core.wrapper").map((diagnostic) => diagnostic.code);
  assert.deepEqual(codes, ["view/duplicate-column"]);
});
