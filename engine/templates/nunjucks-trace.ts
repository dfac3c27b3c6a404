/**
 * Instruments nunjucks' compiler so that a render records where each piece of its output came
 * from. Nunjucks 3.2 has no source maps, so this patch adds one statement before every piece
 * the compiled template appends to its output: it calls the render's tracer with the template
 * name, the output length so far and the node's line and column. The same calls tell which
 * tag was being evaluated when a render throws, because nunjucks' runtime errors
 * ("filter not found", an undefined function) carry no position of their own.
 *
 * The tracer travels in the render context under TRACE_KEY. Templates rendered without it
 * (imported macro files without "with context") skip the calls.
 */
import * as nunjucks from "nunjucks";

// The compiler and node classes are not part of nunjucks' typed API, but they ship with it.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const compilerModule = require("nunjucks/src/compiler") as { Compiler: { prototype: CompilerInstance } };
// eslint-disable-next-line @typescript-eslint/no-require-imports
const nodesModule = require("nunjucks/src/nodes") as { TemplateData: new (...args: unknown[]) => TemplateNode };

export const TRACE_KEY = "__syncedViewsTrace";

/** Receiver of a traced render's marks. `outputLength` is -1 for marks outside the template's main output (macros, captures). */
export interface RenderTracer {
  mark(templateName: string, outputLength: number, line: number, column: number, kind: MarkKind, dataLength: number): void;
}

/** "data" is literal template text, "expression" a `{{ }}` tag, "statement" a `{% %}` tag. */
export type MarkKind = "data" | "expression" | "statement";

interface TemplateNode {
  lineno: number;
  colno: number;
  value?: unknown;
  children?: TemplateNode[];
}

interface CompilerInstance {
  buffer: string | null;
  templateName: string;
  _emitLine(code: string): void;
  compileOutput(node: TemplateNode, frame: unknown): void;
  [method: string]: unknown;
}

let installed = false;

/** Installs the instrumentation once per process; later calls do nothing. */
export function installRenderTracing(): void {
  if (installed) return;
  installed = true;
  const prototype = compilerModule.Compiler.prototype;

  const emitMark = (compiler: CompilerInstance, node: TemplateNode, kind: MarkKind, dataLength: number): void => {
    const length = compiler.buffer === "output" ? "output.length" : "-1";
    const name = JSON.stringify(String(compiler.templateName));
    compiler._emitLine(
      `if (context.ctx.${TRACE_KEY}) context.ctx.${TRACE_KEY}.mark(${name}, ${length}, ${node.lineno}, ${node.colno}, "${kind}", ${dataLength});`,
    );
  };

  const originalOutput = prototype.compileOutput;
  prototype.compileOutput = function compileTracedOutput(this: CompilerInstance, node: TemplateNode, frame: unknown): void {
    for (const child of node.children ?? []) {
      const single = { ...node, children: [child] } as TemplateNode;
      Object.setPrototypeOf(single, Object.getPrototypeOf(node));
      if (child instanceof nodesModule.TemplateData) {
        const value = String(child.value ?? "");
        if (value.length > 0) emitMark(this, child, "data", value.length);
      } else {
        emitMark(this, node, "expression", 0);
      }
      originalOutput.call(this, single, frame);
    }
  };

  // Statement tags get a mark too, so an error thrown in an {% if %} condition or a {% for %}
  // head is reported at that tag. Output appended by an include is attributed to its tag.
  for (const method of ["compileIf", "compileFor", "compileSet", "compileInclude", "compileImport", "compileFromImport"]) {
    const original = prototype[method] as ((this: CompilerInstance, node: TemplateNode, ...rest: unknown[]) => void) | undefined;
    if (typeof original !== "function") continue;
    prototype[method] = function compileTracedStatement(this: CompilerInstance, node: TemplateNode, ...rest: unknown[]): void {
      emitMark(this, node, "statement", 0);
      original.call(this, node, ...rest);
    };
  }
}

export { nunjucks };
