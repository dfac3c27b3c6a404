/**
 * Renders view templates with nunjucks and keeps a source map from the rendered SQL back to
 * the template. Rendering never throws on user input: template errors come back as a
 * problem with its position in the template.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { installRenderTracing, nunjucks, TRACE_KEY, type MarkKind, type RenderTracer } from "./nunjucks-trace";
import { findTagSpan, TemplateSourceMap, type SourceSegment } from "./source-map";
import { LineIndex } from "../text/positions";
import { ViewConfigCollector, type ViewConfig } from "./view-config";

export type Target = "prod" | "personal" | "dry-run";

/** The variables every template sees, as the product documents them. */
export interface TemplateContext {
  schema_name: string;
  view_name: string;
  stage: number;
  target: Target;
  vars: Record<string, unknown>;
}

/** A problem found while rendering, at UTF-16 offsets of the template. */
export interface TemplateProblem {
  start: number;
  end: number;
  message: string;
  code: "template/error" | "config/unknown-key" | "config/invalid-value";
  severity: "error" | "warning";
}

export interface RenderOutcome {
  /** The rendered SQL, or undefined when rendering failed. */
  sql: string | undefined;
  map: TemplateSourceMap;
  problems: TemplateProblem[];
  config: ViewConfig;
}

/** Folder of the macro files that every template can call by name, relative to the templates folder. */
export const MACROS_FOLDER = "_macros";

interface TraceMark {
  templateName: string;
  outputLength: number;
  line: number;
  column: number;
  kind: MarkKind;
  dataLength: number;
}

class SourceReader extends nunjucks.Loader {
  private readonly templatesDir: string;
  private readonly readOverride: (absolutePath: string) => string | undefined;

  constructor(templatesDir: string, readOverride: (absolutePath: string) => string | undefined) {
    super();
    this.templatesDir = templatesDir;
    this.readOverride = readOverride;
  }

  getSource(name: string): nunjucks.LoaderSource | null {
    const absolutePath = path.resolve(this.templatesDir, name);
    // Includes and imports stay inside the templates folder.
    const relative = path.relative(this.templatesDir, absolutePath);
    if (relative.startsWith("..") || path.isAbsolute(relative)) return null;
    const override = this.readOverride(absolutePath);
    if (override !== undefined) return { src: override, path: relative.split(path.sep).join("/"), noCache: false };
    try {
      return { src: fs.readFileSync(absolutePath, "utf8"), path: relative.split(path.sep).join("/"), noCache: false };
    } catch {
      return null;
    }
  }
}

export interface RendererOptions {
  templatesDir: string;
  /** Returns the text of an open, maybe unsaved file; undefined reads the disk. */
  readOverride?: (absolutePath: string) => string | undefined;
  /** Macro files, relative to the templates folder with "/" separators, whose macros every template can call by name. */
  macroFiles?: string[];
}

export class TemplateRenderer {
  private readonly environment: nunjucks.Environment;
  private readonly loader: SourceReader;
  private macroFiles: string[];

  constructor(options: RendererOptions) {
    installRenderTracing();
    this.loader = new SourceReader(options.templatesDir, options.readOverride ?? (() => undefined));
    // SQL is not HTML: autoescape would turn quotes into entities. An undefined value in
    // {{ }} is an error, as it is in dbt, rather than silently empty SQL.
    this.environment = new nunjucks.Environment(this.loader as unknown as nunjucks.ILoaderAny, { autoescape: false, throwOnUndefined: true });
    this.macroFiles = options.macroFiles ?? [];
  }

  /** Forgets compiled includes and macro files, after one of them changed. */
  invalidate(macroFiles?: string[]): void {
    const cache = (this.loader as unknown as { cache?: Record<string, unknown> }).cache;
    if (cache) for (const key of Object.keys(cache)) delete cache[key];
    if (macroFiles) this.macroFiles = macroFiles;
  }

  /** Renders one template. `name` is its path relative to the templates folder, `text` its content. */
  render(name: string, text: string, context: TemplateContext): RenderOutcome {
    const marks: TraceMark[] = [];
    const tracer: RenderTracer = {
      mark(templateName, outputLength, line, column, kind, dataLength) {
        marks.push({ templateName, outputLength, line, column, kind, dataLength });
      },
    };
    const lines = new LineIndex(text);
    const configCollector = new ViewConfigCollector(() => currentTagSpan(marks, name, text, lines));
    const problems: TemplateProblem[] = [];

    const renderContext: Record<string, unknown> = {};
    try {
      Object.assign(renderContext, this.loadMacros(context));
    } catch (error) {
      problems.push({ ...this.describeMacroFailure(error), code: "template/error", severity: "error" });
    }
    Object.assign(renderContext, context, {
      config: configCollector.configFunction,
      [TRACE_KEY]: tracer,
    });

    let output: string;
    try {
      const template = new nunjucks.Template(text, this.environment, name, true);
      output = template.render(renderContext);
    } catch (error) {
      const problem = describeRenderError(error, name, text, lines, marks);
      problems.push({ ...problem, code: "template/error", severity: "error" });
      return { sql: undefined, map: TemplateSourceMap.identity(0), problems, config: configCollector.config };
    }
    problems.push(...configCollector.problems);
    const map = buildSourceMap(marks, name, text, lines, output.length);
    return { sql: output, map, problems, config: configCollector.config };
  }

  private loadMacros(context: TemplateContext): Record<string, unknown> {
    const exported: Record<string, unknown> = {};
    for (const file of this.macroFiles) {
      const template = this.environment.getTemplate(file);
      const getExported = (template as unknown as {
        getExported(context: object, frame: unknown, callback: (error: unknown, result: Record<string, unknown>) => void): void;
      }).getExported.bind(template);
      let failure: unknown;
      getExported({ ...context }, null, (error, result) => {
        if (error) failure = error;
        else Object.assign(exported, result);
      });
      if (failure) throw failure;
    }
    return exported;
  }

  private describeMacroFailure(error: unknown): { start: number; end: number; message: string } {
    const message = cleanMessage(error instanceof Error ? error.message : String(error));
    return { start: 0, end: 0, message: `A macro file in ${MACROS_FOLDER}/ failed to load: ${message}` };
  }
}

/** Returns the span of the tag of the innermost mark of the root template, for problems found while it runs. */
function currentTagSpan(marks: TraceMark[], rootName: string, text: string, lines: LineIndex): { start: number; end: number } {
  for (let i = marks.length - 1; i >= 0; i--) {
    const mark = marks[i];
    if (mark.templateName !== rootName || mark.kind === "data") continue;
    return findTagSpan(text, lines.offsetAt({ line: mark.line, character: mark.column }));
  }
  return { start: 0, end: 0 };
}

function buildSourceMap(marks: TraceMark[], rootName: string, text: string, lines: LineIndex, outputLength: number): TemplateSourceMap {
  const segments: SourceSegment[] = [];
  for (const mark of marks) {
    if (mark.templateName !== rootName || mark.outputLength < 0) continue;
    const nodeOffset = lines.offsetAt({ line: mark.line, character: mark.column });
    if (mark.kind === "data") {
      const sourceStart = locateData(text, nodeOffset, mark.dataLength);
      segments.push({ outputStart: mark.outputLength, kind: "data", sourceStart, sourceEnd: sourceStart + mark.dataLength });
    } else {
      const span = findTagSpan(text, nodeOffset);
      segments.push({ outputStart: mark.outputLength, kind: mark.kind, sourceStart: span.start, sourceEnd: span.end });
    }
  }
  segments.sort((a, b) => a.outputStart - b.outputStart);
  return new TemplateSourceMap(segments, outputLength, text.length);
}

/**
 * Finds where a piece of literal text starts in the template. Nunjucks reports the position
 * where the text token began, but a preceding `-%}` or `-}}` strips leading whitespace from
 * it, so then the text itself starts after that whitespace.
 */
function locateData(text: string, nodeOffset: number, length: number): number {
  const before = text.slice(Math.max(0, nodeOffset - 3), nodeOffset);
  if (before !== "-%}" && before !== "-}}") return nodeOffset;
  let offset = nodeOffset;
  while (offset < text.length && /\s/.test(text[offset])) offset++;
  return Math.min(offset, text.length - length);
}

const POSITION_IN_MESSAGE = /^\(([^)]*)\)(?: \[Line (\d+), Column (\d+)\])?\s*/;

function cleanMessage(message: string): string {
  return message
    .replace(POSITION_IN_MESSAGE, "")
    .replace(/^(Template render error:?\s*)/, "")
    .replace(/^Error:\s*/, "")
    .trim();
}

function describeRenderError(
  error: unknown,
  rootName: string,
  text: string,
  lines: LineIndex,
  marks: TraceMark[],
): { start: number; end: number; message: string } {
  const raw = error instanceof Error ? error.message : String(error);
  const located = POSITION_IN_MESSAGE.exec(raw);
  let message = cleanMessage(raw);
  message = message.replace(/^attempted to output null or undefined value/, "the value is undefined or null");

  if (located && located[2] && located[1] === rootName) {
    // Nunjucks prints 1-based lines and columns, columns in UTF-16 code units.
    const offset = lines.offsetAt({ line: Number(located[2]) - 1, character: Number(located[3]) - 1 });
    const tag = findTagSpan(text, offset);
    return { start: offset, end: Math.max(offset + 1, Math.min(tag.end, lines.lineContentEnd(lines.positionAt(offset).line))), message };
  }
  if (/unexpected end of file/.test(message)) {
    const unclosed = findUnclosedBlock(text);
    if (unclosed) return unclosed;
    return { start: text.length, end: text.length, message: "The template ends inside a tag: close it with }}, %} or #}." };
  }
  const span = currentTagSpan(marks, rootName, text, lines);
  const last = marks[marks.length - 1];
  if (last && last.templateName !== rootName) {
    message += ` (in ${last.templateName}, line ${last.line + 1})`;
  } else if (located && located[1] && located[1] !== rootName && located[2]) {
    message += ` (in ${located[1]}, line ${located[2]})`;
  }
  return { ...span, message };
}

const BLOCK_TAGS = new Set(["if", "for", "macro", "call", "filter", "raw", "verbatim", "block", "asyncEach", "asyncAll"]);

/** Finds the first block tag (`{% if %}`, `{% for %}`, ...) that is never closed, for nunjucks' bare "unexpected end of file". */
function findUnclosedBlock(text: string): { start: number; end: number; message: string } | undefined {
  const stack: { name: string; start: number; end: number }[] = [];
  const tagPattern = /\{%-?\s*(end)?(\w+)([^%]|%(?!\}))*%\}/g;
  for (let match = tagPattern.exec(text); match; match = tagPattern.exec(text)) {
    const closing = Boolean(match[1]);
    const name = match[2];
    const isSetBlock = name === "set" && !/=/.test(match[0]);
    if (!closing && (BLOCK_TAGS.has(name) || isSetBlock)) {
      stack.push({ name, start: match.index, end: match.index + match[0].length });
    } else if (closing) {
      const index = stack.map((entry) => entry.name).lastIndexOf(name);
      if (index >= 0) stack.splice(index);
    }
  }
  const open = stack[stack.length - 1];
  if (!open) return undefined;
  return { start: open.start, end: open.end, message: `{% ${open.name} %} is never closed: add {% end${open.name} %}.` };
}
