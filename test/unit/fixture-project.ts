/**
 * Helpers for tests that check small views projects: write a project to a temporary folder,
 * check it the way `synced-views check --json` does, and compare the diagnostics with an
 * expected list.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { checkProject, diagnosticsToJson, openProject } from "../../engine/api";
import type { DiagnosticJson } from "../../engine/diagnostics";
import type { ProjectOptions } from "../../engine/project/project";

/** One file of a generated project: text (written as UTF-8), raw bytes, a symbolic link or a folder. */
export type FileContent = string | Buffer | { symlinkTo: string } | { directory: true };

/** A diagnostic as expected.json lists it: the exact position and code, and checks on the message. */
export interface ExpectedDiagnostic {
  file: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  severity: DiagnosticJson["severity"];
  code: DiagnosticJson["code"];
  /** Text the message must contain; with a list, every entry. */
  messageIncludes?: string | string[];
  /** A regular expression the message must match. */
  messageMatches?: string;
  /** Text the message must not contain. */
  messageExcludes?: string;
}

export interface TemporaryProject {
  dir: string;
  remove(): void;
}

/** Writes the files into a new temporary folder, creating parent folders as needed. */
export function writeProject(files: Record<string, FileContent>): TemporaryProject {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "synced-views-fixture-"));
  fs.mkdirSync(path.join(dir, "templates"), { recursive: true });
  for (const [file, content] of Object.entries(files)) {
    const target = path.join(dir, file);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    if (typeof content === "string" || Buffer.isBuffer(content)) fs.writeFileSync(target, content);
    else if ("symlinkTo" in content) fs.symlinkSync(content.symlinkTo, target);
    else fs.mkdirSync(target, { recursive: true });
  }
  return {
    dir,
    remove() {
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Opens and checks a project, returning the diagnostics in their JSON form, sorted by file and position. */
export async function checkDirectory(dir: string, options: ProjectOptions = {}): Promise<DiagnosticJson[]> {
  const { analyzer } = await openProject(dir, "prod", options);
  return diagnosticsToJson(analyzer, checkProject(analyzer).diagnostics);
}

function describe(diagnostic: Pick<DiagnosticJson, "file" | "line" | "column" | "endLine" | "endColumn" | "severity" | "code">): string {
  return `${diagnostic.file}:${diagnostic.line}:${diagnostic.column}-${diagnostic.endLine}:${diagnostic.endColumn} ${diagnostic.severity} ${diagnostic.code}`;
}

/**
 * Asserts that the actual diagnostics are exactly the expected ones: same count, same files,
 * positions, severities and codes in the same order, and messages that pass each check.
 */
export function assertDiagnostics(actual: DiagnosticJson[], expected: ExpectedDiagnostic[]): void {
  // Positions first, as one list of lines, so a failure shows every difference at once.
  assert.deepEqual(actual.map(describe), expected.map(describe));

  expected.forEach((want, index) => {
    const message = actual[index].message;
    const where = describe(want);
    const required = want.messageIncludes === undefined ? [] : Array.isArray(want.messageIncludes) ? want.messageIncludes : [want.messageIncludes];
    for (const text of required) {
      assert.ok(message.includes(text), `${where}: message ${JSON.stringify(message)} does not contain ${JSON.stringify(text)}`);
    }
    if (want.messageMatches !== undefined) {
      assert.match(message, new RegExp(want.messageMatches), `${where}: message does not match /${want.messageMatches}/`);
    }
    if (want.messageExcludes !== undefined) {
      assert.ok(!message.includes(want.messageExcludes), `${where}: message ${JSON.stringify(message)} contains ${JSON.stringify(want.messageExcludes)}`);
    }
  });
}
