/**
 * Self-test of the editor harness: a throwaway extension, packaged into a .vsix, runs in the
 * real VS Code (code-server) with mocha suites in its extension host and one UI step in
 * Chromium. Each phase prints its duration.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, test } from "node:test";
import { openWorkbench, runExtensionTests, startCodeServer, type EditorRun } from "./harness";

const REPO_ROOT = path.resolve(__dirname, "..", "..");
const RUN_MOCHA = path.join(__dirname, "run-mocha.js");
const SCREENSHOT = path.join(REPO_ROOT, "test-results", "editor", "harness-self-test.png");
const EXTENSION_ID = "synced-views-test.harness-self-test";
const GREETING = "Hello from the harness self-test";

const EXTENSION_MANIFEST = {
  name: "harness-self-test",
  displayName: "Harness Self Test",
  description: "Throwaway extension built by test/editor/harness.test.ts.",
  publisher: "synced-views-test",
  version: "0.0.1",
  license: "MIT",
  engines: { vscode: "^1.100.0" },
  main: "./extension.js",
  activationEvents: [],
  contributes: {
    commands: [{ command: "harnessSelfTest.hello", title: "Harness Self Test: Hello" }],
  },
};

const EXTENSION_SOURCE = `const vscode = require("vscode");

exports.activate = function activate(context) {
  context.subscriptions.push(
    vscode.commands.registerCommand("harnessSelfTest.hello", () => {
      vscode.window.showInformationMessage(${JSON.stringify(GREETING)});
      return "hello";
    }),
  );
};

exports.deactivate = function deactivate() {};
`;

// Runs in the extension host, so it is plain JavaScript and requires vscode and assert itself.
const PASSING_SUITE = `const assert = require("node:assert/strict");
const vscode = require("vscode");

describe("harness self-test extension", () => {
  it("runs in VS Code 1.100", () => {
    assert.match(vscode.version, /^1\\.100\\./);
  });

  it("is installed from the vsix", () => {
    const extension = vscode.extensions.getExtension(${JSON.stringify(EXTENSION_ID)});
    assert.ok(extension, "extension ${EXTENSION_ID} is not installed");
    assert.equal(extension.packageJSON.version, "0.0.1");
  });

  it("activates and runs its command", async () => {
    const result = await vscode.commands.executeCommand("harnessSelfTest.hello");
    assert.equal(result, "hello");
    assert.equal(vscode.extensions.getExtension(${JSON.stringify(EXTENSION_ID)}).isActive, true);
  });

  it("sees the workspace folder", () => {
    const folders = vscode.workspace.workspaceFolders || [];
    assert.equal(folders.length, 1);
    assert.equal(folders[0].uri.fsPath, process.env.HARNESS_SELF_TEST_WORKSPACE);
  });
});
`;

const FAILING_SUITE = `const assert = require("node:assert/strict");

describe("deliberately failing suite", () => {
  it("passes", () => {
    assert.equal(1 + 1, 2);
  });

  it("fails on purpose", () => {
    assert.equal(1 + 1, 3, "this failure is expected by the harness self-test");
  });
});
`;

function writeTestsIndex(dir: string, suite: string): string {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "suite.test.js"), suite);
  const index = path.join(dir, "index.js");
  fs.writeFileSync(
    index,
    `const path = require("node:path");
const { runMocha } = require(${JSON.stringify(RUN_MOCHA)});
exports.run = () => runMocha([path.join(__dirname, "suite.test.js")]);
`,
  );
  return index;
}

function packageExtension(dir: string): string {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "package.json"), `${JSON.stringify(EXTENSION_MANIFEST, null, 2)}\n`);
  fs.writeFileSync(path.join(dir, "extension.js"), EXTENSION_SOURCE);
  fs.writeFileSync(path.join(dir, "README.md"), "# Harness Self Test\n\nA throwaway extension for the editor harness self-test.\n");
  fs.writeFileSync(path.join(dir, "LICENSE"), "MIT\n");

  const vsix = path.join(dir, "harness-self-test.vsix");
  const vsceBin = path.join(path.dirname(require.resolve("@vscode/vsce/package.json")), "vsce");
  const result = spawnSync(process.execPath, [vsceBin, "package", "--no-dependencies", "--allow-missing-repository", "--out", vsix], {
    cwd: dir,
    encoding: "utf8",
    timeout: 60_000,
  });
  assert.equal(result.status, 0, `vsce package failed (exit code ${result.status}):\n${result.stdout}\n${result.stderr}`);
  assert.ok(fs.existsSync(vsix), `vsce did not write ${vsix}`);
  return vsix;
}

function timed<T>(phase: string, started: number, value: T): T {
  console.log(`editor harness self-test: ${phase} took ${Date.now() - started} ms`);
  return value;
}

let root: string;
let workspace: string;
let run: EditorRun | undefined;

before(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "sv-harness-self-test-"));
  workspace = path.join(root, "workspace");
  fs.mkdirSync(path.join(workspace, "templates", "core"), { recursive: true });
  fs.writeFileSync(path.join(workspace, "templates", "core", "members.sql"), "SELECT 1 AS member_id\n");

  let started = Date.now();
  const vsix = timed("packaging the vsix", started, packageExtension(path.join(root, "extension")));

  started = Date.now();
  run = timed(
    "starting code-server with the vsix installed",
    started,
    await startCodeServer({ vsix, workspace, settings: { "editor.fontSize": 15 }, env: { HARNESS_SELF_TEST_WORKSPACE: workspace } }),
  );
});

after(async () => {
  const started = Date.now();
  await run?.stop();
  timed("stopping code-server", started, undefined);
  fs.rmSync(root, { recursive: true, force: true });
});

test("mocha suite passes in extension host", async () => {
  assert.ok(run);
  const started = Date.now();
  const result = await runExtensionTests(run, { testsPath: writeTestsIndex(path.join(root, "passing"), PASSING_SUITE) });
  timed("running the passing suite", started, result);
  // Prefixed, so that mocha's `N passed, N failed` line inside it is not read as this run's summary.
  console.log(result.output.replace(/^/gm, "extension host | "));
  assert.equal(result.exitCode, 0, `the passing suite exited with ${result.exitCode}; its output:\n${result.output}`);
  assert.match(result.output, /^4 passed, 0 failed$/m, result.output);
  assert.match(result.output, /activates and runs its command/, result.output);
});

test("failing mocha suite exits non-zero", async () => {
  assert.ok(run);
  const started = Date.now();
  const result = await runExtensionTests(run, { testsPath: writeTestsIndex(path.join(root, "failing"), FAILING_SUITE) });
  timed("running the failing suite", started, result);
  assert.notEqual(result.exitCode, 0, `the failing suite exited with 0; its output:\n${result.output}`);
  assert.match(result.output, /^1 passed, 1 failed$/m, result.output);
  assert.match(result.output, /this failure is expected by the harness self-test/, result.output);
});

test("command palette runs extension command", async () => {
  assert.ok(run);
  let started = Date.now();
  const page = timed("opening the workbench", started, await openWorkbench(run));

  started = Date.now();
  await page.keyboard.press("F1");
  const input = page.locator(".quick-input-widget input");
  await input.waitFor({ state: "visible", timeout: 10_000 });
  await input.fill(">Harness Self Test: Hello");
  const entry = page.locator(".quick-input-list .monaco-list-row", { hasText: "Harness Self Test: Hello" }).first();
  await entry.waitFor({ state: "visible", timeout: 10_000 });
  await page.keyboard.press("Enter");

  // The workbench adds notification-fade-in-done when the toast's slide-in transition ends.
  const toast = page.locator(".notifications-toasts .notification-toast.notification-fade-in-done", { hasText: GREETING });
  await toast.waitFor({ state: "visible", timeout: 20_000 });
  fs.mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
  await page.screenshot({ path: SCREENSHOT });
  timed("running the command from the palette", started, undefined);

  assert.ok(fs.statSync(SCREENSHOT).size > 10_000, `the screenshot ${SCREENSHOT} is suspiciously small`);
  assert.equal(await page.locator(".explorer-folders-view .monaco-list-row", { hasText: "templates" }).count(), 1);
});

test("missing code-server names install script", async () => {
  const previous = process.env.SYNCED_VIEWS_CODE_SERVER_DIR;
  process.env.SYNCED_VIEWS_CODE_SERVER_DIR = path.join(root, "no-code-server-here");
  try {
    await assert.rejects(startCodeServer({ workspace }), (error: Error) => {
      assert.match(error.message, /code-server 4\.100\.3 is not installed/);
      assert.match(error.message, /scripts\/install-editor-tools\.sh/);
      return true;
    });
  } finally {
    if (previous === undefined) {
      delete process.env.SYNCED_VIEWS_CODE_SERVER_DIR;
    } else {
      process.env.SYNCED_VIEWS_CODE_SERVER_DIR = previous;
    }
  }
});
