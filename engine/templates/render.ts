/**
 * Renders view templates with nunjucks and keeps a source map from the rendered SQL back to
 * the template. Rendering never throws on user input: template errors come back as a
 * problem with its position in the template.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { installRenderTracing, nunjucks, TRACE_KEY, type MarkKind, type RenderTracer } from "./nunjucks-trace";
import { closingDelimiter, findTagSpan, TemplateSourceMap, type SourceSegment } from "./source-map";
import { LineIndex } from "../text/positions";
import { ViewConfigCollector, type ViewConfig } from "./view-config";
import { suggestName } from "../text/suggest";

export type Target = "prod" | "personal" | "dry-run";

/** The variables every template can read, as docs/project.md lists them. */
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
    compileTemplatesEagerly(this.environment);
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

    // A broken macro file is reported once, on that file (checkMacroFiles), not on every view.
    const renderContext: Record<string, unknown> = { ...this.loadMacros(context) };
    Object.assign(renderContext, context, {
      config: configCollector.configFunction,
      [TRACE_KEY]: tracer,
    });

    const failed = (problem: { start: number; end: number; message: string }): RenderOutcome => {
      problems.push({ ...problem, code: "template/error", severity: "error" });
      return { sql: undefined, map: TemplateSourceMap.identity(0), problems, config: configCollector.config };
    };
    // Compiling and rendering fail with different kinds of positions, so they are separate steps.
    let template: nunjucks.Template;
    try {
      template = new nunjucks.Template(text, this.environment, name, true);
    } catch (error) {
      return failed(describeCompileError(error, text, lines));
    }
    let output: string;
    try {
      output = template.render(renderContext);
    } catch (error) {
      const problem = describeRenderError(error, name, text, lines, marks);
      return failed({ ...problem, message: explainRenderError(problem.message, text.slice(problem.start, problem.end), renderContext) });
    }
    problems.push(...configCollector.problems);
    const map = buildSourceMap(marks, name, text, lines, output.length);
    return { sql: output, map, problems, config: configCollector.config };
  }

  /** Returns the macros of every macro file that loads; broken files are skipped here and reported by checkMacroFiles. */
  private loadMacros(context: TemplateContext): Record<string, unknown> {
    const exported: Record<string, unknown> = {};
    for (const file of this.macroFiles) {
      try {
        const template = this.environment.getTemplate(file);
        const getExported = (template as unknown as {
          getExported(context: object, frame: unknown, callback: (error: unknown, result: Record<string, unknown>) => void): void;
        }).getExported.bind(template);
        getExported({ ...context }, null, (error, result) => {
          if (!error) Object.assign(exported, result);
        });
      } catch {
        // Reported by checkMacroFiles at the macro file's own position.
      }
    }
    return exported;
  }

  /** Compiles each macro file and returns its problems, at UTF-16 offsets of that file's text. */
  checkMacroFiles(readText: (file: string) => string | undefined): { file: string; start: number; end: number; message: string }[] {
    const problems: { file: string; start: number; end: number; message: string }[] = [];
    for (const file of this.macroFiles) {
      const text = readText(file);
      if (text === undefined) continue;
      try {
        new nunjucks.Template(text, this.environment, file, true);
      } catch (error) {
        problems.push({ file, ...describeCompileError(error, text, new LineIndex(text)) });
      }
    }
    return problems;
  }
}

/**
 * Rewrites nunjucks' terse runtime messages into ones that name the expression and suggest the
 * closest defined name: "attempted to output null or undefined value" and "Unable to call `x`".
 */
function explainRenderError(message: string, tagText: string, context: Record<string, unknown>): string {
  if (message === "the value is undefined or null") {
    const vars = (context.vars ?? {}) as Record<string, unknown>;
    const missingVar = [...tagText.matchAll(/\bvars\.(\w+)/g)].map((match) => match[1]).find((key) => !(key in vars));
    if (missingVar) {
      const suggestion = suggestName(missingVar, Object.keys(vars));
      const hint = suggestion ? ` Did you mean vars.${suggestion}?` : "";
      return `${tagText} is undefined: vars in synced-views.json has no key "${missingVar}".${hint}`;
    }
    return `${tagText} outputs an undefined or null value. Check the names in it and in the macros it calls, or define the value in vars in synced-views.json.`;
  }
  const call = /^Unable to call `([^`]+)`, which is undefined or falsey/.exec(message);
  if (call) {
    const name = call[1];
    const callable = Object.keys(context).filter((key) => typeof context[key] === "function" && !key.startsWith("__"));
    const suggestion = /^\w+$/.test(name) ? suggestName(name, callable) : undefined;
    const hint = suggestion ? ` Did you mean ${suggestion}?` : ` Macros in templates/_macros and config() can be called.`;
    return `${name} is not a macro or function.${hint}`;
  }
  return message;
}

type GetTemplate = (name: unknown, eagerCompile?: unknown, parentName?: unknown, ignoreMissing?: unknown, callback?: unknown) => unknown;

/**
 * Makes the environment compile every template it loads at once. Nunjucks 3.2 compiles an
 * included template lazily and reports its compile errors through an asynchronous callback,
 * which a synchronous render cannot catch: the error surfaced later as an uncaught exception.
 * Compiled eagerly, the error throws inside the render that includes the template.
 */
function compileTemplatesEagerly(environment: nunjucks.Environment): void {
  const target = environment as unknown as { getTemplate: GetTemplate };
  const original = target.getTemplate.bind(environment) as GetTemplate;
  target.getTemplate = (name, eagerCompile, parentName, ignoreMissing, callback) => {
    // The same argument shifting as nunjucks' own getTemplate(name, [eagerCompile], [parentName], [ignoreMissing], [cb]).
    if (typeof eagerCompile === "function") return original(name, true, null, false, eagerCompile);
    if (typeof parentName === "function") return original(name, true, null, false, parentName);
    return original(name, true, parentName, ignoreMissing, callback);
  };
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
 * where the text token began, but a preceding `-%}`, `-}}` or `-#}` strips leading whitespace
 * from it, so then the text itself starts after that whitespace.
 */
function locateData(text: string, nodeOffset: number, length: number): number {
  const before = text.slice(Math.max(0, nodeOffset - 3), nodeOffset);
  if (before !== "-%}" && before !== "-}}" && before !== "-#}") return nodeOffset;
  let offset = nodeOffset;
  while (offset < text.length && /\s/.test(text[offset])) offset++;
  return Math.min(offset, text.length - length);
}

/** The "(template name) [Line L, Column C]" prefix nunjucks puts before a message, once per template the error passed through. */
const POSITION_IN_MESSAGE = /^\(([^)]*)\)(?: \[Line (\d+)(?:, Column (\d+))?\])?\s*/;

/** Removes the template names, positions and "Template render error" prefixes nunjucks adds, however deeply they are nested. */
function cleanMessage(message: string): string {
  let current = message.trim();
  for (;;) {
    const next = current
      .replace(POSITION_IN_MESSAGE, "")
      .replace(/^Template render error:?\s*/, "")
      .replace(/^Error:\s*/, "")
      .trim();
    if (next === current) return current;
    current = next;
  }
}

/** Returns every "(name) [Line L, Column C]" location in a nunjucks message, outermost first. */
function locationsInMessage(message: string): { name: string; line?: number; column?: number }[] {
  const locations: { name: string; line?: number; column?: number }[] = [];
  const pattern = /\(([^)\n]*)\)(?: \[Line (\d+)(?:, Column (\d+))?\])?/g;
  for (let match = pattern.exec(message); match; match = pattern.exec(message)) {
    locations.push({ name: match[1], line: match[2] ? Number(match[2]) : undefined, column: match[3] ? Number(match[3]) : undefined });
  }
  return locations;
}

/**
 * Locates an error of nunjucks' lexer or parser. Their positions are 1-based lines and columns
 * counted in UTF-16 code units. Errors at the end of the input carry no position, so the tag or
 * block left open is searched for instead.
 */
function describeCompileError(error: unknown, text: string, lines: LineIndex): { start: number; end: number; message: string } {
  const raw = error instanceof Error ? error.message : String(error);
  const message = cleanMessage(raw);
  const located = locationsInMessage(raw)[0];
  if (located?.line !== undefined) {
    const offset = lines.offsetAt({ line: located.line - 1, character: (located.column ?? 1) - 1 });
    const tag = findTagSpan(text, offset);
    return { start: offset, end: Math.max(offset + 1, Math.min(tag.end, lines.lineContentEnd(lines.positionAt(offset).line))), message };
  }
  const openTag = findUnclosedTag(text);
  if (openTag) {
    const closer = closingDelimiter(text, openTag.start);
    const end = Math.max(openTag.start + 2, lines.lineContentEnd(lines.positionAt(openTag.start).line));
    return { start: openTag.start, end, message: `${message}: this tag is never closed. End it with ${closer}.` };
  }
  const unclosed = findUnclosedBlock(text);
  if (unclosed) return unclosed;
  return { start: 0, end: Math.min(1, text.length), message };
}

/**
 * Locates an error thrown while the compiled template runs. Nunjucks' runtime positions are
 * unreliable here: most are 0-based, some 1-based, and an error inside a macro of another file
 * carries that file's position under the root template's name. The render trace is exact, so
 * the error goes to the last tag of the root template that started evaluating.
 */
function describeRenderError(
  error: unknown,
  rootName: string,
  text: string,
  lines: LineIndex,
  marks: TraceMark[],
): { start: number; end: number; message: string } {
  const raw = error instanceof Error ? error.message : String(error);
  let message = cleanMessage(raw);
  message = message.replace(/^attempted to output null or undefined value/, "the value is undefined or null");

  const span = currentTagSpan(marks, rootName, text, lines);
  const last = marks[marks.length - 1];
  const inner = locationsInMessage(raw).filter((location) => location.name !== rootName).pop();
  if (last && last.templateName !== rootName) {
    message += ` (in ${last.templateName}, line ${last.line + 1})`;
  } else if (inner) {
    // An included template that failed to compile: its parser's line is 1-based, and absent at the end of the file.
    message += inner.line !== undefined ? ` (in ${inner.name}, line ${inner.line})` : ` (in ${inner.name})`;
  }
  return { ...span, message };
}

/** Returns the span of the last `{{`, `{%` or `{#` whose closing delimiter never comes. */
function findUnclosedTag(text: string): { start: number; end: number } | undefined {
  let offset = 0;
  for (;;) {
    const match = /\{[{%#]/.exec(text.slice(offset));
    if (!match) return undefined;
    const start = offset + match.index;
    const span = findTagSpan(text, start);
    const closer = closingDelimiter(text, start);
    if (span.start !== start) return undefined;
    if (span.end === text.length && !text.endsWith(closer)) return span;
    if (span.end <= start) return undefined;
    offset = span.end;
  }
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
