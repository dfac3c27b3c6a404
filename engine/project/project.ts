/**
 * A views project on disk: its config, view files, macros and catalog.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import type { EngineDiagnostic } from "../diagnostics";
import { CONFIG_FILE, parseConfig, type ProjectConfig } from "./config";
import { scanLayout, type ViewFile } from "./layout";
import { emptyCatalog, loadCatalog, type Catalog } from "../catalog/catalog";

/** Template files larger than this are reported instead of parsed: no view needs 4 MiB of SQL. */
export const MAX_TEMPLATE_BYTES = 4 * 1024 * 1024;

export interface ProjectOptions {
  /** Text of open, maybe unsaved files by absolute path; undefined reads the disk. */
  readOverride?: (absolutePath: string) => string | undefined;
  /** Skip reading catalog/ (it needs the SQL parser loaded). */
  skipCatalog?: boolean;
}

export type TextResult = { text: string } | { problem: EngineDiagnostic };

export class ViewsProject {
  readonly root: string;
  readonly config: ProjectConfig;
  readonly views: Map<string, ViewFile>;
  readonly viewsByFile: Map<string, ViewFile>;
  readonly macroFiles: string[];
  readonly catalog: Catalog;
  /** Problems of the project as a whole: config, names, duplicate views, catalog. */
  readonly projectDiagnostics: EngineDiagnostic[];
  /** Schemas that have at least one view, with the stages they use. */
  readonly managedSchemas: Set<string>;
  readonly readOverride: (absolutePath: string) => string | undefined;

  private constructor(root: string, config: ProjectConfig, views: ViewFile[], macroFiles: string[], catalog: Catalog, diagnostics: EngineDiagnostic[], readOverride: (absolutePath: string) => string | undefined) {
    this.root = root;
    this.config = config;
    this.views = new Map();
    this.viewsByFile = new Map();
    this.projectDiagnostics = diagnostics;
    for (const view of views) {
      const existing = this.views.get(view.id);
      if (existing) {
        diagnostics.push({
          file: view.file,
          start: 0,
          end: 0,
          severity: "error",
          code: "naming/duplicate-view",
          message: `View ${view.id} is defined twice, in ${existing.file} and ${view.file}. Keep one of them.`,
        });
        continue;
      }
      this.views.set(view.id, view);
      this.viewsByFile.set(view.file, view);
    }
    this.macroFiles = macroFiles;
    this.catalog = catalog;
    this.managedSchemas = new Set([...this.views.values()].map((view) => view.schema));
    this.readOverride = readOverride;
  }

  /** Loads the project whose directory is `dir`. Throws only when `dir` is not a views project. */
  static load(dir: string, options: ProjectOptions = {}): ViewsProject {
    const root = path.resolve(dir);
    const readOverride = options.readOverride ?? (() => undefined);
    let configText: string | undefined;
    const configPath = path.join(root, CONFIG_FILE);
    configText = readOverride(configPath);
    if (configText === undefined && fs.existsSync(configPath)) configText = fs.readFileSync(configPath, "utf8");
    // JSON.parse rejects a byte order mark, which some Windows editors write. A space in its
    // place keeps every offset into the file as it is on disk.
    if (configText?.charCodeAt(0) === 0xfeff) configText = " " + configText.slice(1);
    const { config, diagnostics } = parseConfig(configText);
    const templatesPath = path.resolve(root, config.templatesDir);
    if (!isDirectory(templatesPath)) {
      if (!isDirectory(root)) throw new ProjectNotFoundError(`${dir} is not a directory.`);
      throw new ProjectNotFoundError(
        `${dir} is not a views project: it has no ${config.templatesDir}/ folder. Run the command in the project directory or pass it as an argument.`,
      );
    }
    const layout = scanLayout(root, config.templatesDir);
    const candidates = [...layout.views.map((view) => view.absolutePath), ...layout.diagnostics.map((diagnostic) => path.join(root, diagnostic.file))];
    const ignored = gitIgnoredFiles(root, candidates);
    if (ignored.size > 0) {
      layout.views = layout.views.filter((view) => !ignored.has(view.absolutePath));
      layout.diagnostics = layout.diagnostics.filter((diagnostic) => !ignored.has(path.join(root, diagnostic.file)));
    }
    const catalog = options.skipCatalog ? emptyCatalog() : loadCatalog(root);
    return new ViewsProject(root, config, layout.views, layout.macroFiles, catalog, [...diagnostics, ...layout.diagnostics, ...catalog.diagnostics], readOverride);
  }

  get templatesPath(): string {
    return path.resolve(this.root, this.config.templatesDir);
  }

  /** Reads a view's template: an open editor's text first, then the disk. Unreadable, binary, empty and huge files are problems. */
  readViewText(view: ViewFile): TextResult {
    const problem = (code: EngineDiagnostic["code"], message: string): TextResult => ({
      problem: { file: view.file, start: 0, end: 0, severity: "error", code, message },
    });
    const override = this.readOverride(view.absolutePath);
    if (override !== undefined) return checkText(override) ?? { text: override };

    let bytes: Buffer;
    try {
      const size = fs.statSync(view.absolutePath).size;
      if (size > MAX_TEMPLATE_BYTES) {
        return problem("file/too-large", `${view.file} is ${formatBytes(size)}; view templates are limited to ${formatBytes(MAX_TEMPLATE_BYTES)}. Is this file really a view?`);
      }
      bytes = fs.readFileSync(view.absolutePath);
    } catch (error) {
      return problem("file/unreadable", `Cannot read ${view.file}: ${describeReadError(error as NodeJS.ErrnoException)}`);
    }
    if (bytes.includes(0)) {
      return problem("file/binary", `${view.file} is a binary file, not a SQL template. Remove it from ${this.config.templatesDir}/.`);
    }
    const decoder = new TextDecoder("utf-8", { fatal: true });
    let text: string;
    try {
      text = decoder.decode(bytes);
    } catch {
      return problem("file/binary", `${view.file} is not valid UTF-8 text. Save it as UTF-8.`);
    }
    // The decoder drops a leading byte order mark, so columns count from the character after it,
    // as editors count them. A second mark would reach PostgreSQL as part of the first token;
    // a space in its place keeps every offset.
    if (text.charCodeAt(0) === 0xfeff) text = " " + text.slice(1);
    return checkText(text) ?? { text };

    function checkText(content: string): TextResult | undefined {
      if (content.trim().length === 0) return problem("file/empty", `${view.file} is empty. Write one SELECT statement, or delete the file to drop the view.`);
      return undefined;
    }
  }

  /** Finds the view of a file given by absolute path or by path relative to the project. */
  viewForFile(file: string): ViewFile | undefined {
    const relative = path.isAbsolute(file) ? path.relative(this.root, file) : file;
    return this.viewsByFile.get(relative.split(path.sep).join("/"));
  }
}

/** Describes why a view file could not be read, and what to do about it. */
function describeReadError(error: NodeJS.ErrnoException): string {
  switch (error.code) {
    case "EACCES":
    case "EPERM":
      return "permission denied. Check the file's permissions.";
    case "EISDIR":
      return "it is a directory, not a file. Rename it so that its name does not end in .sql.";
    case "ENOENT":
      return "the file does not exist (a symbolic link whose target is missing?). Restore the file or delete the link.";
    default:
      return `${error.message}.`;
  }
}

export class ProjectNotFoundError extends Error {}

/**
 * Returns the files among `files` that git ignores in the repository around `root`, so a
 * scratch file that git never commits is no view, in the editor as in CI's clean clone.
 * Outside a repository, or without git, nothing is ignored.
 */
export function gitIgnoredFiles(root: string, files: string[]): Set<string> {
  if (files.length === 0) return new Set();
  try {
    const output = execFileSync("git", ["check-ignore", "-z", "--stdin"], {
      cwd: root,
      input: files.join("\0"),
      encoding: "utf8",
      stdio: ["pipe", "pipe", "ignore"],
    });
    return new Set(output.split("\0").filter(Boolean).map((file) => path.resolve(root, file)));
  } catch (error) {
    // git check-ignore exits with 1 when no file is ignored, and 128 outside a repository.
    const stdout = (error as { stdout?: string }).stdout ?? "";
    return new Set(stdout.split("\0").filter(Boolean).map((file) => path.resolve(root, file)));
  }
}

/**
 * Returns the nearest directory, `dir` or one of its parents, that has `synced-views.json` or a
 * `templates/` folder, as git finds its repository from a subfolder. Returns `dir` itself when
 * none has, so the caller's error names the directory the user gave.
 */
export function findProjectRoot(dir: string): string {
  let current = path.resolve(dir);
  for (;;) {
    if (fs.existsSync(path.join(current, CONFIG_FILE)) || isDirectory(path.join(current, "templates"))) return current;
    const parent = path.dirname(current);
    if (parent === current) return dir;
    current = parent;
  }
}

function isDirectory(dir: string): boolean {
  try {
    return fs.statSync(dir).isDirectory();
  } catch {
    return false;
  }
}

function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${bytes} bytes`;
}
