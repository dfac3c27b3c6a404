/**
 * Tests of rendering and its source map (engine/templates): where each piece of rendered SQL
 * comes from in the template, and where template errors are reported.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, test } from "node:test";
import { TemplateRenderer, type RenderOutcome, type TemplateContext } from "../../engine/templates/render";
import { findTagSpan, TemplateSourceMap } from "../../engine/templates/source-map";

const templatesDir = fs.mkdtempSync(path.join(os.tmpdir(), "synced-views-render-"));
after(() => fs.rmSync(templatesDir, { recursive: true, force: true }));

const MACRO_FILES: Record<string, string> = {
  "_macros/util.sql": "{% macro qualified(schema, name) %}{{ schema }}.{{ name }}{% endmacro %}\n{% macro explode() %}{{ no_such.value }}{% endmacro %}\n",
  "_partials/where.sql": "x > 1",
  "_partials/unclosed.sql": "x > {{ 1",
};
for (const [file, text] of Object.entries(MACRO_FILES)) {
  fs.mkdirSync(path.dirname(path.join(templatesDir, file)), { recursive: true });
  fs.writeFileSync(path.join(templatesDir, file), text);
}

const context: TemplateContext = { schema_name: "core", view_name: "v", stage: 0, target: "prod", vars: { limit: 10 } };

function render(text: string): RenderOutcome {
  const renderer = new TemplateRenderer({ templatesDir, macroFiles: ["_macros/util.sql"] });
  let outcome: RenderOutcome | undefined;
  assert.doesNotThrow(() => {
    outcome = renderer.render("core/v.sql", text, context);
  });
  return outcome!;
}

function renderSql(text: string): { sql: string; map: TemplateSourceMap } {
  const outcome = render(text);
  assert.deepEqual(outcome.problems, [], "the template renders without problems");
  assert.ok(outcome.sql !== undefined);
  return { sql: outcome.sql, map: outcome.map };
}

/** Returns the template offset of the n-th occurrence (0-based) of a piece of text. */
function nth(text: string, piece: string, n = 0): number {
  let index = -1;
  for (let i = 0; i <= n; i++) {
    index = text.indexOf(piece, index + 1);
    assert.ok(index >= 0, `${JSON.stringify(piece)} occurs ${n + 1} times in ${JSON.stringify(text)}`);
  }
  return index;
}

test("literal text maps one to one", () => {
  const template = "select a,\n  'é😀' as b\r\nfrom t";
  const { sql, map } = renderSql(template);
  assert.equal(sql, template);
  for (let offset = 0; offset <= sql.length; offset++) {
    assert.equal(map.toTemplateOffset(offset), offset, `rendered offset ${offset}`);
    if (offset < sql.length) assert.ok(map.isLiteral(offset));
  }
});

test("literal text after a tag keeps its offsets", () => {
  const template = "select {{ 'a_longer_name' }} as x,\n  y from t";
  const { sql, map } = renderSql(template);
  assert.equal(sql, "select a_longer_name as x,\n  y from t");
  for (const piece of [" as x", "y from t", "t"]) {
    const rendered = sql.lastIndexOf(piece);
    assert.equal(map.toTemplateOffset(rendered), template.lastIndexOf(piece), `start of ${JSON.stringify(piece)}`);
  }
});

test("expression output maps to its tag", () => {
  const template = "select {{ 'abc' }} from t";
  const { sql, map } = renderSql(template);
  const tag = { start: template.indexOf("{{"), end: template.indexOf("}}") + 2 };
  const output = sql.indexOf("abc");
  assert.equal(map.isLiteral(output), false);
  assert.equal(map.toTemplateOffset(output, "start"), tag.start);
  assert.equal(map.toTemplateOffset(output + 1, "start"), tag.start, "every character of the output maps to the tag");
  assert.equal(map.toTemplateOffset(output + 3, "end"), tag.end);
  assert.deepEqual(map.toTemplateRange(output, output + 3), tag);
  assert.deepEqual(map.toTemplateRange(output + 1, output + 2), tag, "part of the output covers the whole tag");
  assert.deepEqual(map.toTemplateRange(output - 7, output + 3), { start: 0, end: tag.end }, "a range from literal text into a tag");
});

test("loop iterations map to the loop body", () => {
  const template = "select\n{% for c in ['a', 'b', 'c'] %} x_{{ c }},{% endfor %} 1";
  const { sql, map } = renderSql(template);
  assert.equal(sql, "select\n x_a, x_b, x_c, 1");
  const bodyX = template.indexOf("x_");
  const bodyComma = template.indexOf(",{% endfor");
  const valueTag = { start: template.indexOf("{{ c }}"), end: template.indexOf("{{ c }}") + "{{ c }}".length };
  for (let iteration = 0; iteration < 3; iteration++) {
    const x = nth(sql, "x_", iteration);
    assert.equal(map.toTemplateOffset(x), bodyX, `x_ of iteration ${iteration + 1}`);
    assert.equal(map.toTemplateOffset(x + 1), bodyX + 1);
    assert.deepEqual(map.toTemplateRange(x + 2, x + 3), valueTag, `value of iteration ${iteration + 1}`);
    assert.equal(map.toTemplateOffset(nth(sql, ",", iteration)), bodyComma, `comma of iteration ${iteration + 1}`);
  }
  assert.equal(map.toTemplateOffset(sql.lastIndexOf("1")), template.lastIndexOf("1"), "text after the loop");
});

test("-%} strips whitespace and the map follows", () => {
  const template = "{% if true -%}\n   select a\n{%- endif %}   from t";
  const { sql, map } = renderSql(template);
  assert.equal(sql, "select a   from t");
  assert.equal(map.toTemplateOffset(0), template.indexOf("select"));
  assert.equal(map.toTemplateOffset(sql.indexOf("a ")), template.indexOf("a\n"));
  assert.equal(map.toTemplateOffset(sql.indexOf("from")), template.indexOf("from"));
});

test("-}} and -#} strip whitespace and the map follows", () => {
  const expression = "select {{- ' a' -}}\n\n   from t";
  const rendered = renderSql(expression);
  assert.equal(rendered.sql, "select afrom t");
  assert.equal(rendered.map.toTemplateOffset(rendered.sql.indexOf("from")), expression.indexOf("from"));

  const comment = "select a {#- note -#}\n\n   from t";
  const commented = renderSql(comment);
  assert.equal(commented.sql, "select afrom t");
  assert.equal(commented.map.toTemplateOffset(commented.sql.indexOf("from")), comment.indexOf("from"));
  assert.equal(commented.map.toTemplateOffset(commented.sql.indexOf("t", 10)), comment.lastIndexOf("t"));
});

test("multi-line tags and CRLF keep later offsets", () => {
  const template = "{% set x\r\n   = 1 %}{# a\r\ncomment #}\r\n{% if\r\n x == 1\r\n%}select a{% endif %}\r\nfrom t";
  const { sql, map } = renderSql(template);
  assert.equal(sql, "\r\nselect a\r\nfrom t");
  assert.equal(map.toTemplateOffset(sql.indexOf("select")), template.indexOf("select"));
  assert.equal(map.toTemplateOffset(sql.indexOf("from")), template.indexOf("from"));
});

test("macro output maps to the call tag", () => {
  const template = "select a from {{ qualified('core', 'members') }} m";
  const { sql, map } = renderSql(template);
  assert.equal(sql, "select a from core.members m");
  const call = { start: template.indexOf("{{"), end: template.indexOf("}}") + 2 };
  const start = sql.indexOf("core");
  assert.deepEqual(map.toTemplateRange(start, start + "core.members".length), call);
  assert.deepEqual(map.toTemplateRange(start + 5, start + 6), call, "a position inside the macro's output");
  assert.equal(map.toTemplateOffset(sql.lastIndexOf("m")), template.lastIndexOf("m"));
});

test("include output maps to the include tag", () => {
  const template = "select a from t where {% include '_partials/where.sql' %} and b";
  const { sql, map } = renderSql(template);
  assert.equal(sql, "select a from t where x > 1 and b");
  const tag = { start: template.indexOf("{%"), end: template.indexOf("%}") + 2 };
  assert.deepEqual(map.toTemplateRange(sql.indexOf("x"), sql.indexOf("x") + 1), tag);
  assert.equal(map.toTemplateOffset(sql.indexOf(" and")), template.indexOf(" and"));
});

test("config() is collected and renders nothing", () => {
  const outcome = render("{{ config(materialized=true, tags=['a']) }}select 1");
  assert.equal(outcome.sql, "select 1");
  assert.deepEqual(outcome.config, { materialized: true, tags: ["a"] });
});

test("context variables render", () => {
  const { sql } = renderSql("select '{{ schema_name }}.{{ view_name }}' as id, {{ stage }} as s, '{{ target }}' as t limit {{ vars.limit }}");
  assert.equal(sql, "select 'core.v' as id, 0 as s, 'prod' as t limit 10");
});

/** Renders a template that must fail and returns its one problem. */
function renderProblem(template: string): { start: number; end: number; message: string; code: string } {
  const outcome = render(template);
  assert.equal(outcome.sql, undefined, "rendering fails");
  assert.equal(outcome.problems.length, 1, `one problem, got ${JSON.stringify(outcome.problems)}`);
  return outcome.problems[0];
}

function spanOf(template: string, piece: string): { start: number; end: number } {
  const start = template.indexOf(piece);
  assert.ok(start >= 0);
  return { start, end: start + piece.length };
}

test("unknown filter at its tag", () => {
  const template = "select 1\nwhere x = {{ 'a' | shout }}";
  const problem = renderProblem(template);
  assert.equal(problem.code, "template/error");
  assert.deepEqual({ start: problem.start, end: problem.end }, spanOf(template, "{{ 'a' | shout }}"));
  assert.match(problem.message, /filter not found: shout/);
});

test("undefined variable at its tag", () => {
  const template = "select 1\nwhere {{ 'a' }} = {{ missing }}";
  const problem = renderProblem(template);
  assert.deepEqual({ start: problem.start, end: problem.end }, spanOf(template, "{{ missing }}"));
  assert.match(problem.message, /outputs an undefined or null value/);
});

test("undefined function at its tag", () => {
  const template = "select 1\nwhere {{ 'ok' }} = {{ nothing_here(1) }}";
  const problem = renderProblem(template);
  assert.deepEqual({ start: problem.start, end: problem.end }, spanOf(template, "{{ nothing_here(1) }}"));
  assert.match(problem.message, /nothing_here is not a macro or function/);
});

test("unclosed for at its tag", () => {
  const template = "select 1\n{% for c in [1, 2] %}\n, {{ c }}";
  const problem = renderProblem(template);
  assert.deepEqual({ start: problem.start, end: problem.end }, spanOf(template, "{% for c in [1, 2] %}"));
  assert.equal(problem.message, "{% for %} is never closed: add {% endfor %}.");
});

test("unclosed tag at end of file", () => {
  const template = "select 1\nwhere {{ x\n";
  const problem = renderProblem(template);
  assert.deepEqual({ start: problem.start, end: problem.end }, spanOf(template, "{{ x"));
  assert.match(problem.message, /never closed\. End it with \}\}\./);
});

test("syntax error inside a tag", () => {
  const template = "select 1\nwhere {{ 1 + }} = 1";
  const problem = renderProblem(template);
  assert.deepEqual({ start: problem.start, end: problem.end }, spanOf(template, "}}"));
  assert.equal(problem.message, "unexpected token: }}");
});

test("syntax error on a later line of a multi-line tag", () => {
  const template = "select 1\n{% if\n   x ==\n   %}a{% endif %}";
  const problem = renderProblem(template);
  const offset = template.indexOf("%}a");
  assert.equal(problem.start, offset);
  assert.match(problem.message, /unexpected token: %\}/);
});

test("throwing macro at the call tag", () => {
  const template = "select 1\nwhere 1 = {{ explode() }}";
  const problem = renderProblem(template);
  assert.deepEqual({ start: problem.start, end: problem.end }, spanOf(template, "{{ explode() }}"));
  assert.match(problem.message, /outputs an undefined or null value/);
});

test("included template that fails to compile", async () => {
  const template = "select 1\nwhere {% include '_partials/unclosed.sql' %}";
  const problem = renderProblem(template);
  assert.deepEqual({ start: problem.start, end: problem.end }, spanOf(template, "{% include '_partials/unclosed.sql' %}"));
  assert.equal(problem.message, "expected variable end (in _partials/unclosed.sql)");
  // Nunjucks reports this error through a callback; it must not surface later as an uncaught exception.
  await new Promise((resolve) => setImmediate(resolve));
  await new Promise((resolve) => setTimeout(resolve, 10));
});

test("missing include at its tag", () => {
  const template = "select 1 from {% include 'nope.sql' %}";
  const problem = renderProblem(template);
  assert.deepEqual({ start: problem.start, end: problem.end }, spanOf(template, "{% include 'nope.sql' %}"));
  assert.equal(problem.message, "template not found: nope.sql");
});

test("unknown config key at the config tag", () => {
  const template = "select 1\n{{ config(\n  colour='red'\n) }}";
  const outcome = render(template);
  assert.equal(outcome.sql, "select 1\n");
  assert.deepEqual(
    outcome.problems.map((problem) => ({ code: problem.code, start: problem.start, end: problem.end })),
    [{ code: "config/unknown-key", start: template.indexOf("{{"), end: template.length }],
  );
});

test("findTagSpan skips quoted closers", () => {
  const source = "a {{ '}}' ~ \"%}\" }} b {% if x %} c {# }} #}";
  assert.deepEqual(findTagSpan(source, source.indexOf("'")), { start: 2, end: source.indexOf(" b") });
  assert.deepEqual(findTagSpan(source, source.indexOf("if")), spanOf(source, "{% if x %}"));
  assert.deepEqual(findTagSpan(source, source.indexOf("{#") + 3), { start: source.indexOf("{#"), end: source.length });
  assert.deepEqual(findTagSpan(source, 0), { start: 0, end: 1 }, "outside a tag, one character");
  assert.deepEqual(findTagSpan(source, source.indexOf(" c ")), { start: source.indexOf(" c "), end: source.indexOf(" c ") + 1 });
});

test("identity map and clamping", () => {
  const map = TemplateSourceMap.identity(5);
  assert.equal(map.toTemplateOffset(3), 3);
  assert.equal(map.toTemplateOffset(-2), 0);
  assert.equal(map.toTemplateOffset(50), 5);
  assert.deepEqual(map.toTemplateRange(4, 2), { start: 4, end: 4 }, "an inverted range becomes empty");
});
