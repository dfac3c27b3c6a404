/**
 * One views project served by the language server: the loaded project, its analyzer and the
 * diagnostics last computed for each of its files.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { openProject } from "../../engine/api";
import type { ProjectAnalyzer, ViewAnalysis } from "../../engine/analysis/analyzer";
import { CATALOG_DIR } from "../../engine/catalog/catalog";
import type { EngineDiagnostic } from "../../engine/diagnostics";
import { CONFIG_FILE } from "../../engine/project/config";
import type { ViewFile } from "../../engine/project/layout";
import { ViewsProject } from "../../engine/project/project";
import { runProjectRules } from "../../engine/rules";
import { loadSqlParser } from "../../engine/sql/parser";
import { MACROS_FOLDER } from "../../engine/templates/render";
import { LineIndex } from "../../engine/text/positions";

/** The role of a file in the project directory. */
export type ProjectFileKind = "view" | "macro" | "config" | "catalog" | "template" | "other";

/** Returns true when `dir` looks like a views project: it has templates/ or synced-views.json. */
export function isProjectFolder(dir: string): boolean {
  return isDirectory(path.join(dir, "templates")) || fs.existsSync(path.join(dir, CONFIG_FILE));
}

function isDirectory(dir: string): boolean {
  try {
    return fs.statSync(dir).isDirectory();
  } catch {
    return false;
  }
}

export class ProjectHost {
  readonly root: string;
  readonly trusted: boolean;
  project?: ViewsProject;
  /** The analyzer renders templates, so an untrusted workspace has none. */
  analyzer?: ProjectAnalyzer;
  /** The reason the folder could not be loaded as a project, after a failed load. */
  loadError?: string;

  private readonly readOverride: (absolutePath: string) => string | undefined;
  /** Problems found while loading: config, file names, duplicate views, catalog files. */
  private loadDiagnostics = new Map<string, EngineDiagnostic[]>();
  /** Each view's own diagnostics, by the view's file. */
  private viewDiagnostics = new Map<string, EngineDiagnostic[]>();
  /** Findings of the rules over the whole graph (cycles), by file. */
  private graphDiagnostics = new Map<string, EngineDiagnostic[]>();
  /** Files that had diagnostics published, so that a reload can clear the ones that are gone. */
  private publishedFiles = new Set<string>();

  constructor(root: string, trusted: boolean, readOverride: (absolutePath: string) => string | undefined) {
    this.root = path.resolve(root);
    this.trusted = trusted;
    this.readOverride = readOverride;
  }

  /**
   * Loads the project from disk (open documents override their files) and checks every view.
   * Returns the project-relative files whose diagnostics changed, including files that lost all
   * of them. A folder that is no project is recorded in `loadError`, not thrown.
   */
  async load(): Promise<Set<string>> {
    const previous = new Set(this.publishedFiles);
    this.project = undefined;
    this.analyzer = undefined;
    this.loadError = undefined;
    this.loadDiagnostics = new Map();
    this.viewDiagnostics = new Map();
    this.graphDiagnostics = new Map();
    try {
      if (this.trusted) {
        const opened = await openProject(this.root, "prod", { readOverride: this.readOverride });
        this.project = opened.project;
        this.analyzer = opened.analyzer;
      } else {
        // The catalog is parsed with the SQL parser, which runs no user code.
        await loadSqlParser();
        this.project = ViewsProject.load(this.root, { readOverride: this.readOverride });
      }
    } catch (error) {
      this.loadError = error instanceof Error ? error.message : String(error);
      this.publishedFiles = new Set();
      return previous;
    }

    this.loadDiagnostics = groupByFile(this.project.projectDiagnostics);
    // The same steps as ProjectAnalyzer.checkAll, kept apart so that an edit can replace the
    // diagnostics of the views it affects and the graph rules' findings separately.
    for (const view of this.project.views.values()) this.viewDiagnostics.set(view.file, this.checkView(view));
    this.graphDiagnostics = groupByFile(this.analyzer ? runProjectRules(this.analyzer) : []);

    const files = this.currentFiles();
    for (const file of previous) files.add(file);
    this.publishedFiles = this.currentFiles();
    return files;
  }

  /**
   * Re-checks views whose text changed, and every view downstream of them, and the graph rules.
   * Returns the files whose diagnostics must be published again.
   */
  updateViews(ids: Iterable<string>): Set<string> {
    const files = new Set<string>();
    const project = this.project;
    if (!project) return files;
    const changed = [...ids].filter((id) => project.views.has(id));
    let affected = new Set(changed);
    if (this.analyzer) {
      affected = this.analyzer.invalidate(changed);
      // An edit that closes a cycle makes views upstream of the edited one also downstream of it,
      // so downstream is taken again after the changed views are analysed.
      for (const id of changed) this.analyzer.analyze(id);
      for (const id of this.analyzer.graph.downstreamOf(changed)) affected.add(id);
    }
    for (const id of affected) {
      const view = project.views.get(id);
      if (!view) continue;
      this.viewDiagnostics.set(view.file, this.checkView(view));
      files.add(view.file);
    }
    const oldGraph = this.graphDiagnostics;
    this.graphDiagnostics = groupByFile(this.analyzer ? runProjectRules(this.analyzer) : []);
    for (const file of oldGraph.keys()) files.add(file);
    for (const file of this.graphDiagnostics.keys()) files.add(file);
    for (const file of files) this.publishedFiles.add(file);
    return files;
  }

  /** Returns every diagnostic of one project-relative file. */
  diagnosticsOf(file: string): EngineDiagnostic[] {
    return [...(this.loadDiagnostics.get(file) ?? []), ...(this.viewDiagnostics.get(file) ?? []), ...(this.graphDiagnostics.get(file) ?? [])];
  }

  /** Counts errors and warnings over the whole project. */
  countProblems(): { errors: number; warnings: number } {
    let errors = 0;
    let warnings = 0;
    for (const map of [this.loadDiagnostics, this.viewDiagnostics, this.graphDiagnostics]) {
      for (const list of map.values()) {
        for (const diagnostic of list) {
          if (diagnostic.severity === "error") errors++;
          else if (diagnostic.severity === "warning") warnings++;
        }
      }
    }
    return { errors, warnings };
  }

  /** Returns the line index of the text that a file's diagnostic offsets refer to. */
  linesOf(file: string): LineIndex {
    const view = this.project?.viewsByFile.get(file);
    if (view) {
      const analysis = this.analysisOf(view);
      if (analysis?.text !== undefined) return analysis.lines;
      const text = this.readText(view);
      if (text !== undefined) return new LineIndex(text);
      return new LineIndex("");
    }
    const catalogFile = this.project?.catalog.files.find((entry) => entry.file === file);
    if (catalogFile) return new LineIndex(catalogFile.text);
    const absolutePath = this.absolutePath(file);
    const override = this.readOverride(absolutePath);
    if (override !== undefined) return new LineIndex(override);
    try {
      return new LineIndex(fs.readFileSync(absolutePath, "utf8"));
    } catch {
      return new LineIndex("");
    }
  }

  /** Returns the analysis of a view, or undefined in an untrusted workspace. */
  analysisOf(view: ViewFile): ViewAnalysis | undefined {
    return this.analyzer?.getAnalysis(view.id);
  }

  /** Returns the template text of a view (open editor first), or undefined when it is unreadable, binary or empty. */
  readText(view: ViewFile): string | undefined {
    const read = this.project?.readViewText(view);
    return read && "text" in read ? read.text : undefined;
  }

  /** Returns the project-relative path of an absolute path, with "/" separators, or undefined outside the project. */
  relativePath(absolutePath: string): string | undefined {
    const relative = path.relative(this.root, absolutePath);
    if (relative.startsWith("..") || path.isAbsolute(relative)) return undefined;
    return relative.split(path.sep).join("/");
  }

  absolutePath(file: string): string {
    return path.join(this.root, ...file.split("/"));
  }

  /** Classifies a file of this project directory by its path. */
  classify(absolutePath: string): { kind: ProjectFileKind; view?: ViewFile } {
    const view = this.project?.viewForFile(absolutePath);
    if (view) return { kind: "view", view };
    const relative = this.relativePath(absolutePath);
    if (relative === undefined) return { kind: "other" };
    if (relative === CONFIG_FILE) return { kind: "config" };
    if (relative.startsWith(`${CATALOG_DIR}/`)) return { kind: "catalog" };
    const templatesDir = this.project?.config.templatesDir ?? "templates";
    const templatesRelative = path.relative(path.resolve(this.root, templatesDir), absolutePath).split(path.sep).join("/");
    if (templatesRelative.startsWith(`${MACROS_FOLDER}/`)) return { kind: "macro" };
    if (!templatesRelative.startsWith("..") && !path.isAbsolute(templatesRelative)) return { kind: "template" };
    return { kind: "other" };
  }

  private checkView(view: ViewFile): EngineDiagnostic[] {
    if (this.analyzer) return this.analyzer.diagnosticsFor(view.id);
    const read = this.project!.readViewText(view);
    return "problem" in read ? [read.problem] : [];
  }

  private currentFiles(): Set<string> {
    const files = new Set<string>([...this.loadDiagnostics.keys(), ...this.viewDiagnostics.keys(), ...this.graphDiagnostics.keys()]);
    for (const view of this.project?.views.values() ?? []) files.add(view.file);
    return files;
  }
}

function groupByFile(diagnostics: EngineDiagnostic[]): Map<string, EngineDiagnostic[]> {
  const groups = new Map<string, EngineDiagnostic[]>();
  for (const diagnostic of diagnostics) {
    const list = groups.get(diagnostic.file);
    if (list) list.push(diagnostic);
    else groups.set(diagnostic.file, [diagnostic]);
  }
  return groups;
}
