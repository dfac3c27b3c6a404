/**
 * The built language server driven by an independent LSP client, Neovim's built-in one: it must
 * publish diagnostics and return a hover the way the protocol tests expect from our own client.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import { copyFixture, fileUri, rangeOf, SERVER_BUNDLE } from "../protocol/support/lsp-client";

const SCRIPT = path.join(__dirname, "neovim-lsp.lua");

interface NeovimRecord {
  buffer_uri: string;
  diagnostics: Record<string, { code: string; source: string; range: { start: { line: number; character: number }; end: { line: number; character: number } } }[]>;
  hover: { contents: { kind: string; value: string } } | null;
}

test("neovim client gets diagnostics and hover", () => {
  const version = spawnSync("nvim", ["--version"], { encoding: "utf8" });
  assert.equal(version.error, undefined, "Neovim is not installed: run `apt-get install -y neovim` (0.7.2 on Debian 12) to run this test.");
  assert.equal(version.status, 0, `nvim --version failed: ${version.stderr}`);
  assert.ok(fs.existsSync(SERVER_BUNDLE), `${SERVER_BUNDLE} is missing: run npm run build first.`);

  const root = copyFixture("basic");
  const output = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "sv-neovim-")), "record.json");
  try {
    const opened = path.join(root, "templates", "core_1", "member_ages.sql");
    const openedText = fs.readFileSync(opened, "utf8");
    const hoverAt = rangeOf(openedText, "core.members").start;
    const run = spawnSync("nvim", ["--headless", "--clean", "-n", "-u", "NONE", "-c", `luafile ${SCRIPT}`, "--", opened], {
      cwd: root,
      encoding: "utf8",
      timeout: 60_000,
      env: { ...process.env, SV_SERVER: SERVER_BUNDLE, SV_ROOT: root, SV_OUTPUT: output, SV_HOVER_LINE: String(hoverAt.line), SV_HOVER_CHARACTER: String(hoverAt.character + 5) },
    });
    assert.equal(run.status, 0, `nvim exited with ${run.status} (signal ${run.signal}); stderr:\n${run.stderr}`);

    const record = JSON.parse(fs.readFileSync(output, "utf8")) as NeovimRecord;
    assert.equal(record.buffer_uri, fileUri(opened));
    assert.deepEqual(record.diagnostics[fileUri(opened)], [], "the opened view has no problems");

    const names = path.join(root, "templates", "core_1", "member_names.sql");
    const unknown = record.diagnostics[fileUri(names)];
    assert.ok(unknown, `no diagnostics for ${names}; got ${Object.keys(record.diagnostics).join(", ")}`);
    assert.equal(unknown.length, 1);
    assert.equal(unknown[0].code, "reference/unknown-view");
    assert.equal(unknown[0].source, "synced-views");
    assert.deepEqual(unknown[0].range, rangeOf(fs.readFileSync(names, "utf8"), "core.membrs"));

    assert.ok(record.hover, "hover on core.members returned content");
    assert.equal(record.hover.contents.kind, "markdown");
    assert.match(record.hover.contents.value, /Insured people, one row per member\./);
    assert.match(record.hover.contents.value, /\| `member_id` \| the member's key \|/);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
    fs.rmSync(path.dirname(output), { recursive: true, force: true });
  }
});
