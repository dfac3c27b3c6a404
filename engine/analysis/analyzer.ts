/**
 * Analyzes the views of a project: render, parse, resolve references and output columns,
 * and run the rules. Results are cached per view and invalidated per file, so an edit
 * re-analyzes only the changed view and the views that read it.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import type { EngineDiagnostic } from "../diagnostics";
import type { ViewFile } from "../project/layout";
import type { ViewsProject } from "../project/project";
import { TemplateRenderer, type RenderOutcome, type Target, type TemplateContext } from "../templates/render";
import { ByteOffsetMap, LineIndex } from "../text/positions";
import { parseViewSql, resolveOutputColumns, type ByteSpan, type OutputColumns, type ParsedView } from "../sql";
import { relationKey, type CatalogRelation } from "../catalog/catalog";
import { DependencyGraph } from "../graph/graph";
import { runViewRules, runProjectRules } from "../rules";

/** Target of a reference in a view: a managed view, a catalogued relation or another relation. */
export type ReferenceTarget =
  | { kind: "managed"; view: ViewFile }
  | { kind: "catalog"; relation: CatalogRelation }
  | { kind: "raw" };

/** A relation a view reads, with its position in the rendered SQL and in the template. */
export interface ResolvedReference {
  schema?: string;
  name: string;
  target: ReferenceTarget;
  /** UTF-16 range in the rendered SQL. */
  renderedStart: number;
  renderedEnd: number;
  /** UTF-16 range in the template. */
  start: number;
  end: number;
  /** Whether the reference is literal template text, so a quick fix may rewrite it. */
  literal: boolean;
}

export interface ResolvedColumnReference {
  qualifier: string;
  column: string;
  relation?: ResolvedReference;
  start: number;
  end: number;
  columnStart: number;
  columnEnd: number;
}

export interface ViewAnalysis {
  view: ViewFile;
  text?: string;
  lines: LineIndex;
  render?: RenderOutcome;
  /** The rendered SQL, when rendering succeeded. */
  sql?: string;
  parsed?: ParsedView;
  references: ResolvedReference[];
  columnReferences: ResolvedColumnReference[];
  /** Problems of this file alone: reading, rendering, syntax. */
  fileDiagnostics: EngineDiagnostic[];
  /** Content hash of the rendered SQL and config, what the state table records. */
  contentHash?: string;
  /** Converts a UTF-8 byte span of the rendered SQL to a template range. */
  toTemplateRange(span: ByteSpan): { start: number; end: number };
  /** Converts a UTF-16 range of the rendered SQL to a template range. */
  renderedToTemplate(start: number, end: number): { start: number; end: number };
}

/** Parse results by rendered-SQL hash, shared by every analyzer in the process. */
const parseCache = new Map<string, ParsedView>();
const PARSE_CACHE_LIMIT = 20000;

function hashText(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

function parseCached(sql: string): ParsedView {
  const key = hashText(sql);
  const cached = parseCache.get(key);
  if (cached) return cached;
  const parsed = parseViewSql(sql);
  if (parseCache.size >= PARSE_CACHE_LIMIT) {
    // Drop the oldest tenth; Map iteration follows insertion order.
    let toDrop = Math.ceil(PARSE_CACHE_LIMIT / 10);
    for (const oldKey of parseCache.keys()) {
      parseCache.delete(oldKey);
      if (--toDrop === 0) break;
    }
  }
  parseCache.set(key, parsed);
  return parsed;
}

export class ProjectAnalyzer {
  readonly project: ViewsProject;
  readonly target: Target;
  readonly renderer: TemplateRenderer;
  readonly graph = new DependencyGraph();
  private readonly analyses = new Map<string, ViewAnalysis>();
  private readonly columns = new Map<string, OutputColumns | null>();
  private readonly resolving = new Set<string>();
  /** Template name to the views whose text includes or imports it, kept up to date by analyze(). */
  private readonly includedBy = new Map<string, Set<string>>();
  private resolvingUpstream = false;

  constructor(project: ViewsProject, target: Target = "prod") {
    this.project = project;
    this.target = target;
    this.renderer = new TemplateRenderer({
      templatesDir: project.templatesPath,
      readOverride: project.readOverride,
      macroFiles: project.macroFiles,
    });
  }

  /** Analyzes every view and returns all diagnostics of the project, sorted by file and position. */
  checkAll(): EngineDiagnostic[] {
    for (const view of this.project.views.values()) this.analyze(view.id);
    const diagnostics: EngineDiagnostic[] = [...this.project.projectDiagnostics];
    for (const view of this.project.views.values()) diagnostics.push(...this.diagnosticsFor(view.id));
    diagnostics.push(...runProjectRules(this));
    diagnostics.push(...this.macroDiagnostics());
    return diagnostics;
  }

  /** Returns the problems of the macro files in templates/_macros, each on its own file. */
  macroDiagnostics(): EngineDiagnostic[] {
    const project = this.project;
    const readText = (file: string): string | undefined => {
      const absolutePath = path.join(project.templatesPath, file);
      const override = project.readOverride(absolutePath);
      if (override !== undefined) return override;
      try {
        return fs.readFileSync(absolutePath, "utf8");
      } catch {
        return undefined;
      }
    };
    return this.renderer.checkMacroFiles(readText).map((problem) => ({
      file: path.relative(project.root, path.join(project.templatesPath, problem.file)).split(path.sep).join("/"),
      start: problem.start,
      end: problem.end,
      severity: "error" as const,
      code: "template/error" as const,
      message: problem.message,
    }));
  }

  /** Returns the diagnostics of one view: its file problems and every rule's findings. */
  diagnosticsFor(id: string): EngineDiagnostic[] {
    const analysis = this.analyze(id);
    if (!analysis) return [];
    return withoutDuplicates([...analysis.fileDiagnostics, ...runViewRules(this, analysis)]);
  }

  /** Forgets the cached analysis of views whose text changed, and everything downstream of them. */
  invalidate(ids: Iterable<string>): Set<string> {
    const changed = new Set(ids);
    // A view that includes or imports a changed view's template renders differently too.
    const changedTemplates = new Set([...changed].map((id) => this.project.views.get(id)?.templateName).filter(Boolean));
    if (changedTemplates.size > 0) {
      let included = false;
      for (const name of changedTemplates) {
        for (const id of this.includedBy.get(name!) ?? []) {
          changed.add(id);
          included = true;
        }
      }
      // Nunjucks caches compiled templates, which would keep the old text of an included view.
      if (included) this.renderer.invalidate();
    }
    const affected = new Set([...changed, ...this.graph.downstreamOf(changed)]);
    for (const id of affected) {
      this.columns.delete(id);
      if (changed.has(id)) this.analyses.delete(id);
    }
    return affected;
  }

  getAnalysis(id: string): ViewAnalysis | undefined {
    return this.analyze(id);
  }

  templateContext(view: ViewFile): TemplateContext {
    return { schema_name: view.schema, view_name: view.name, stage: view.stage, target: this.target, vars: this.project.config.vars };
  }

  /** Renders and parses one view, once until invalidated. */
  analyze(id: string): ViewAnalysis | undefined {
    const cached = this.analyses.get(id);
    if (cached) return cached;
    const view = this.project.views.get(id);
    if (!view) return undefined;
    const analysis = this.buildAnalysis(view);
    this.analyses.set(id, analysis);
    // Only texts with a tag can include anything, so most views skip the scan.
    if (analysis.text?.includes("{%")) {
      for (const name of templatesUsedBy(analysis.text)) {
        let users = this.includedBy.get(name);
        if (!users) this.includedBy.set(name, (users = new Set()));
        users.add(id);
      }
    }
    this.graph.setDependencies(
      id,
      analysis.references.flatMap((reference) => (reference.target.kind === "managed" ? [reference.target.view.id] : [])),
    );
    return analysis;
  }

  /** Returns the output columns of a managed view, or undefined when they cannot be known (errors, a cycle). */
  outputColumnsOf(id: string): OutputColumns | undefined {
    if (this.columns.has(id)) return this.columns.get(id) ?? undefined;
    if (this.resolving.has(id)) return undefined;
    if (!this.resolvingUpstream && this.resolving.size === 0) {
      this.resolvingUpstream = true;
      try {
        this.resolveUpstreamColumns(id);
      } finally {
        this.resolvingUpstream = false;
      }
    }
    const analysis = this.analyze(id);
    if (!analysis?.parsed || analysis.parsed.syntaxError || !analysis.parsed.isSelect) {
      this.columns.set(id, null);
      return undefined;
    }
    this.resolving.add(id);
    try {
      const result = resolveOutputColumns(analysis.parsed, (schema, name) => this.lookupColumns(schema, name));
      this.columns.set(id, result);
      return result;
    } finally {
      this.resolving.delete(id);
    }
  }

  /**
   * Resolves the output columns of every managed view upstream of a view, dependencies first.
   * Resolving a view's `*` needs the columns of the views it reads, so without this a chain
   * of views recursed once per link, and a chain of about a thousand views overflowed the stack
   * and silently left its columns unknown.
   */
  private resolveUpstreamColumns(id: string): void {
    const upstream = new Set<string>();
    const pending = [id];
    while (pending.length > 0) {
      const current = pending.pop()!;
      this.analyze(current);
      for (const dependency of this.graph.dependencies.get(current) ?? []) {
        if (upstream.has(dependency) || this.columns.has(dependency) || dependency === id) continue;
        upstream.add(dependency);
        pending.push(dependency);
      }
    }
    for (const dependency of this.graph.topologicalOrder(upstream)) this.outputColumnsOf(dependency);
  }

  /** Column names of a managed view or catalogued relation, for star expansion and column checks. */
  lookupColumns(schema: string | undefined, name: string): string[] | undefined {
    if (!schema) return undefined;
    const target = this.resolveRelation(schema, name);
    if (target.kind === "managed") {
      const columns = this.outputColumnsOf(target.view.id);
      return columns?.complete ? columns.columns.map((column) => column.name) : undefined;
    }
    if (target.kind === "catalog") return target.relation.columns.map((column) => column.name);
    return undefined;
  }

  resolveRelation(schema: string | undefined, name: string): ReferenceTarget {
    if (!schema) return { kind: "raw" };
    const managed = this.project.views.get(`${schema}.${name}`);
    if (managed) return { kind: "managed", view: managed };
    const relation = this.project.catalog.relations.get(relationKey(schema, name));
    if (relation) return { kind: "catalog", relation };
    return { kind: "raw" };
  }

  private buildAnalysis(view: ViewFile): ViewAnalysis {
    const read = this.project.readViewText(view);
    const empty = new LineIndex("");
    const base: ViewAnalysis = {
      view,
      lines: empty,
      references: [],
      columnReferences: [],
      fileDiagnostics: [],
      toTemplateRange: () => ({ start: 0, end: 0 }),
      renderedToTemplate: () => ({ start: 0, end: 0 }),
    };
    if ("problem" in read) {
      base.fileDiagnostics.push(read.problem);
      return base;
    }
    const text = read.text;
    const lines = new LineIndex(text);
    const render = this.renderer.render(view.templateName, text, this.templateContext(view));
    const analysis: ViewAnalysis = { ...base, text, lines, render };
    for (const problem of render.problems) {
      analysis.fileDiagnostics.push({ file: view.file, start: problem.start, end: problem.end, severity: problem.severity, code: problem.code, message: problem.message });
    }
    if (render.sql === undefined) return analysis;

    const sql = render.sql;
    const bytes = new ByteOffsetMap(sql);
    analysis.sql = sql;
    analysis.renderedToTemplate = (start, end) => render.map.toTemplateRange(start, end);
    analysis.toTemplateRange = (span) => render.map.toTemplateRange(bytes.toUtf16(span.start), bytes.toUtf16(span.end));
    analysis.contentHash = hashText(JSON.stringify({ sql, config: render.config }));

    if (sql.trim().length === 0) {
      analysis.fileDiagnostics.push({
        file: view.file,
        start: 0,
        end: Math.min(text.length, lines.lineContentEnd(0)),
        severity: "error",
        code: "file/empty",
        message: `${view.file} renders to no SQL. A view file holds one SELECT statement.`,
      });
      return analysis;
    }

    const parsed = parseCached(sql);
    analysis.parsed = parsed;
    this.reportStatementProblems(analysis, parsed);

    for (const relation of parsed.relations) {
      const renderedStart = bytes.toUtf16(relation.span.start);
      const renderedEnd = bytes.toUtf16(relation.span.end);
      const range = render.map.toTemplateRange(renderedStart, renderedEnd);
      analysis.references.push({
        schema: relation.schema,
        name: relation.name,
        target: this.resolveRelation(relation.schema, relation.name),
        renderedStart,
        renderedEnd,
        start: range.start,
        end: range.end,
        literal: render.map.isLiteral(renderedStart) && render.map.isLiteral(Math.max(renderedStart, renderedEnd - 1)),
      });
    }
    for (const reference of parsed.columnReferences) {
      const range = analysis.toTemplateRange(reference.span);
      const columnRange = analysis.toTemplateRange(reference.columnSpan);
      analysis.columnReferences.push({
        qualifier: reference.qualifier,
        column: reference.column,
        relation: reference.relationIndex !== undefined ? analysis.references[reference.relationIndex] : undefined,
        start: range.start,
        end: range.end,
        columnStart: columnRange.start,
        columnEnd: columnRange.end,
      });
    }
    return analysis;
  }

  private reportStatementProblems(analysis: ViewAnalysis, parsed: ParsedView): void {
    const file = analysis.view.file;
    if (parsed.syntaxError) {
      const range = tokenRange(analysis, parsed.syntaxError.offset);
      analysis.fileDiagnostics.push({ file, ...range, severity: "error", code: "sql/syntax", message: parsed.syntaxError.message });
      return;
    }
    if (parsed.statementCount === 0) {
      analysis.fileDiagnostics.push({ file, start: 0, end: 0, severity: "error", code: "file/empty", message: `${file} contains only comments. Write one SELECT statement.` });
      return;
    }
    if (parsed.extraStatement) {
      const range = analysis.toTemplateRange(parsed.extraStatement);
      analysis.fileDiagnostics.push({
        file,
        ...range,
        severity: "error",
        code: "sql/multiple-statements",
        message: "A view file holds exactly one statement; this is a second one. Move it to its own file or remove it.",
      });
    }
    if (!parsed.isSelect && parsed.statement) {
      const range = tokenRange(analysis, parsed.statement.start);
      analysis.fileDiagnostics.push({
        file,
        ...range,
        severity: "error",
        code: "sql/not-a-query",
        message: "A view file holds one query (SELECT, VALUES or WITH ... SELECT); this statement is not one. Write only the query: the sync adds CREATE VIEW.",
      });
    }
  }
}

/**
 * Drops repeated diagnostics. A loop renders its body once per iteration, so one reference in the
 * body yields one finding per iteration, all at the same template position.
 */
function withoutDuplicates(diagnostics: EngineDiagnostic[]): EngineDiagnostic[] {
  const seen = new Set<string>();
  return diagnostics.filter((diagnostic) => {
    const key = JSON.stringify([diagnostic.file, diagnostic.start, diagnostic.end, diagnostic.code, diagnostic.message]);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * Returns the template range to underline for a token that starts at a byte offset of the
 * rendered SQL: the word there when it is literal template text, or the whole tag whose output
 * contains it.
 */
function tokenRange(analysis: ViewAnalysis, byteOffset: number): { start: number; end: number } {
  const sql = analysis.sql ?? "";
  const offset = new ByteOffsetMap(sql).toUtf16(byteOffset);
  if (sql.slice(offset).trim() === "") {
    // An error at the end of the input ("syntax error at end of input") underlines the last word,
    // not the empty line after a final newline.
    const end = sql.trimEnd().length;
    let start = end;
    while (start > 0 && /[\p{L}\p{N}_$]/u.test(sql[start - 1])) start--;
    return analysis.renderedToTemplate(start < end ? start : Math.max(0, end - 1), end);
  }
  const map = analysis.render?.map;
  if (map && offset < sql.length && !map.isLiteral(offset)) return map.toTemplateRange(offset, offset + 1);
  const start = analysis.renderedToTemplate(offset, offset).start;
  return { start, end: extendToWord(analysis.text ?? "", start) };
}

/** Extends a position to the end of the word that starts there, so an error underlines a token, not one character. */
function extendToWord(text: string, start: number): number {
  let end = start;
  while (end < text.length && /[\p{L}\p{N}_$]/u.test(text[end])) end++;
  return end > start ? end : Math.min(start + 1, text.length);
}

/**
 * Returns the templates a template names in include, import and from-import tags with a literal
 * name. NOTE: a name computed at render time is not seen, so a view that includes another
 * through a variable is re-checked only when it changes itself.
 */
function templatesUsedBy(text: string): string[] {
  const names: string[] = [];
  for (const match of text.matchAll(/\{%-?\s*(?:include|import|from)\s+["']([^"']+)["']/g)) names.push(match[1]);
  return names;
}
