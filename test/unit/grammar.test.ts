/**
 * Tokenizes samples with the extension's TextMate grammar through vscode-textmate and the
 * Oniguruma WebAssembly build that VS Code itself uses, and checks the scopes of chosen tokens.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { before, describe, test } from "node:test";
import * as oniguruma from "vscode-oniguruma";
import * as textmate from "vscode-textmate";

const ROOT = path.resolve(__dirname, "../..");
const GRAMMAR_PATH = path.join(ROOT, "syntaxes", "synced-views-sql.tmLanguage.json");
const SCOPE = "source.synced-views-sql";

let grammar: textmate.IGrammar;

before(async () => {
  const wasm = fs.readFileSync(require.resolve("vscode-oniguruma/release/onig.wasm"));
  await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength) as ArrayBuffer);
  const registry = new textmate.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (patterns: string[]) => new oniguruma.OnigScanner(patterns),
      createOnigString: (text: string) => new oniguruma.OnigString(text),
    }),
    loadGrammar: async (scopeName) => (scopeName === SCOPE ? textmate.parseRawGrammar(fs.readFileSync(GRAMMAR_PATH, "utf8"), GRAMMAR_PATH) : null),
  });
  const loaded = await registry.loadGrammar(SCOPE);
  assert.ok(loaded, "the grammar did not load");
  grammar = loaded;
});

/** Tokenizes `text` line by line and returns each token's text with its scopes. */
function tokenize(text: string): { text: string; scopes: string[] }[] {
  const tokens: { text: string; scopes: string[] }[] = [];
  let state = textmate.INITIAL;
  for (const line of text.split("\n")) {
    const result = grammar.tokenizeLine(line, state);
    for (const token of result.tokens) tokens.push({ text: line.slice(token.startIndex, token.endIndex), scopes: token.scopes });
    state = result.ruleStack;
  }
  return tokens;
}

/** Returns the scopes of the first token whose text is `text`, failing when there is none. */
function scopesOf(tokens: { text: string; scopes: string[] }[], text: string): string[] {
  const token = tokens.find((candidate) => candidate.text === text);
  assert.ok(token, `no token "${text}" in ${JSON.stringify(tokens.map((candidate) => candidate.text))}`);
  return token.scopes;
}

describe("synced-views-sql grammar", () => {
  test("SQL keywords, numbers and operators", () => {
    const tokens = tokenize("SELECT m.id::bigint, 1.5e3 FROM core.members AS m WHERE x <> 2");
    assert.ok(scopesOf(tokens, "SELECT").includes("keyword.other.sql"));
    assert.ok(scopesOf(tokens, "FROM").includes("keyword.other.sql"));
    assert.ok(scopesOf(tokens, "1.5e3").includes("constant.numeric.sql"));
    assert.ok(scopesOf(tokens, "::").includes("keyword.operator.sql"));
    assert.ok(scopesOf(tokens, "<>").includes("keyword.operator.sql"));
  });

  test("strings with doubled quotes", () => {
    const tokens = tokenize("select 'it''s', 'done' from t");
    assert.ok(scopesOf(tokens, "''").includes("constant.character.escape.sql"));
    assert.ok(scopesOf(tokens, "s").includes("string.quoted.single.sql"));
    assert.ok(!scopesOf(tokens, "from").some((scope) => scope.startsWith("string")), "the string did not end at its closing quote");
  });

  test("dollar quotes and quoted identifiers", () => {
    const tokens = tokenize('select $tag$ a \' b $tag$, "Mixed ""Case""" from t');
    assert.ok(scopesOf(tokens, " a ' b ").includes("string.quoted.dollar.sql"));
    assert.ok(scopesOf(tokens, "Mixed ").includes("variable.other.quoted.sql"));
    assert.ok(!scopesOf(tokens, "from").some((scope) => scope.startsWith("string") || scope.startsWith("variable")));
  });

  test("line and block comments", () => {
    const tokens = tokenize("select 1 -- trailing note\n/* block\nstill comment */ select 2");
    assert.ok(scopesOf(tokens, " trailing note").includes("comment.line.double-dash.sql"));
    assert.ok(scopesOf(tokens, "still comment ").includes("comment.block.sql"));
    const second = tokens.filter((token) => token.text === "select");
    assert.equal(second.length, 2);
    assert.ok(second[1].scopes.includes("keyword.other.sql"), "the block comment did not end");
  });

  test("nunjucks tags, expressions and comments", () => {
    const tokens = tokenize("{% if target == 'prod' %}select {{ ref_col | upper }}{% endif %}{# note #}");
    assert.ok(scopesOf(tokens, "if").includes("keyword.control.nunjucks"));
    assert.ok(scopesOf(tokens, "endif").includes("keyword.control.nunjucks"));
    assert.ok(scopesOf(tokens, "{%").includes("punctuation.definition.tag.begin.nunjucks"));
    assert.ok(scopesOf(tokens, "prod").includes("string.quoted.single.nunjucks"));
    assert.ok(scopesOf(tokens, "upper").includes("support.function.filter.nunjucks"));
    assert.ok(scopesOf(tokens, " note ").includes("comment.block.nunjucks"));
    assert.ok(scopesOf(tokens, "select").includes("keyword.other.sql"));
  });

  test("macro, import and set tags", () => {
    const tokens = tokenize('{% import "_macros/money.sql" as money %}{% set rate = 0.2 %}{% macro cents(x) %}{% endmacro %}');
    for (const keyword of ["import", "set", "macro", "endmacro"]) assert.ok(scopesOf(tokens, keyword).includes("keyword.control.nunjucks"), keyword);
    assert.ok(scopesOf(tokens, "cents").includes("entity.name.function.nunjucks"));
  });

  test("nunjucks inside SQL strings and comments", () => {
    const tokens = tokenize("select '{{ schema_name }}_x', $$ {% if a %} $$ -- {{ view_name }}");
    const inString = tokens.filter((token) => token.text === "schema_name")[0];
    assert.ok(inString.scopes.includes("string.quoted.single.sql"));
    assert.ok(inString.scopes.includes("meta.embedded.expression.nunjucks"));
    assert.ok(inString.scopes.includes("variable.other.nunjucks"));
    const inDollar = tokens.find((token) => token.text === "if");
    assert.ok(inDollar?.scopes.includes("string.quoted.dollar.sql"));
    assert.ok(inDollar?.scopes.includes("keyword.control.nunjucks"));
    assert.ok(scopesOf(tokens, "view_name").includes("comment.line.double-dash.sql"));
    assert.ok(scopesOf(tokens, "view_name").includes("meta.embedded.expression.nunjucks"));
  });

  test("whitespace control markers", () => {
    const tokens = tokenize("{%- for c in cols -%}{{- c -}}{%- endfor %}");
    assert.ok(scopesOf(tokens, "{%-").includes("punctuation.definition.tag.begin.nunjucks"));
    assert.ok(scopesOf(tokens, "-%}").includes("punctuation.definition.tag.end.nunjucks"));
    assert.ok(scopesOf(tokens, "for").includes("keyword.control.nunjucks"));
    assert.ok(scopesOf(tokens, "endfor").includes("keyword.control.nunjucks"));
  });
});
