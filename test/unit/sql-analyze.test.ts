/**
 * SQL analysis against the real PostgreSQL 18 parser (libpg-query): relations with CTE scoping,
 * qualified column references, output-column names, statement boundaries and syntax errors.
 * Expected output-column names were checked against a PostgreSQL 15.18 server.
 */
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import {
  isSqlParserLoaded,
  loadSqlParser,
  parseViewSql,
  resolveOutputColumns,
  type ByteSpan,
  type ColumnLookup,
  type ParsedView,
} from "../../engine/sql";

/** Returns the text a byte span covers. */
function textOf(sql: string, span: ByteSpan | undefined): string | undefined {
  if (!span) return undefined;
  return Buffer.from(sql, "utf8").subarray(span.start, span.end).toString("utf8");
}

function byteLength(text: string): number {
  return Buffer.byteLength(text, "utf8");
}

function parseQuery(sql: string): ParsedView {
  const parsed = parseViewSql(sql);
  assert.equal(parsed.syntaxError, undefined, `unexpected syntax error in ${sql}`);
  return parsed;
}

/** The columns of the tables the output-column cases refer to. */
const CATALOG: Record<string, string[]> = {
  "core.t": ["a", "b", "arr", "c"],
  "core.u": ["a", "d"],
  "core.s": ["k", "x", "y"],
  t: ["a", "b", "arr", "c"],
  u: ["a", "d"],
};

const lookupCatalog: ColumnLookup = (schema, name) => CATALOG[schema ? `${schema}.${name}` : name];

function outputNames(sql: string, lookup: ColumnLookup = lookupCatalog): string[] {
  return resolveOutputColumns(parseQuery(sql), lookup).columns.map((column) => column.name);
}

before(async () => {
  await loadSqlParser();
});

describe("parser loading", () => {
  test("loadSqlParser is idempotent", async () => {
    assert.equal(isSqlParserLoaded(), true);
    assert.equal(loadSqlParser(), loadSqlParser());
    await loadSqlParser();
    assert.equal(isSqlParserLoaded(), true);
  });
});

describe("relations", () => {
  const cases: { title: string; sql: string; expected: string[] }[] = [
    {
      title: "schema-qualified names",
      sql: "select * from core.deals d join growth.leads on true",
      expected: ["core.deals", "growth.leads"],
    },
    {
      title: "CTE shadows an unqualified relation",
      sql: "with deals as (select * from core.deals) select * from deals",
      expected: ["core.deals"],
    },
    {
      title: "qualified name equal to a CTE is a relation",
      sql: "with deals as (select 1) select * from deals, core.deals, public.deals",
      expected: ["core.deals", "public.deals"],
    },
    {
      title: "non-recursive CTE does not see itself",
      sql: "with t as (select * from t) select * from t",
      expected: ["t"],
    },
    {
      title: "later CTE sees an earlier one",
      sql: "with a as (select 1), b as (select * from a) select * from b",
      expected: [],
    },
    {
      title: "earlier CTE does not see a later one",
      sql: "with a as (select * from b), b as (select 1) select * from a",
      expected: ["b"],
    },
    {
      title: "recursive CTE sees itself and later CTEs",
      sql: "with recursive r(n) as (select 1 union all select n + 1 from r where n < 5), a as (select * from b), b as (select * from r) select * from a",
      expected: [],
    },
    {
      title: "CTE of a subquery is not visible outside it",
      sql: "select * from (with x as (select 1) select * from x) s, x",
      expected: ["x"],
    },
    {
      title: "inner WITH shadows an outer one",
      sql: "with x as (select * from core.a) select * from (with x as (select * from core.b) select * from x) s join x on true",
      expected: ["core.a", "core.b"],
    },
    {
      title: "CTE visible inside nested subqueries",
      sql: "with x as (select 1 as id) select * from core.a where id in (select id from (select id from x) y)",
      expected: ["core.a"],
    },
    {
      title: "lateral subquery",
      sql: "select * from core.a a, lateral (select * from core.b b where b.id = a.id) l",
      expected: ["core.a", "core.b"],
    },
    {
      title: "set operations",
      sql: "select id from core.a union select id from core.b intersect select id from core.c except select id from core.d",
      expected: ["core.a", "core.b", "core.c", "core.d"],
    },
    {
      title: "IN, EXISTS and scalar subqueries",
      sql: "select (select max(x) from core.s), y from core.a where y in (select y from core.b) and exists (select 1 from core.c where c.y = a.y) order by (select 1 from core.d limit 1)",
      expected: ["core.s", "core.a", "core.b", "core.c", "core.d"],
    },
    {
      title: "join trees",
      sql: "select * from core.a join (core.b left join core.c using (id)) on true cross join core.d",
      expected: ["core.a", "core.b", "core.c", "core.d"],
    },
    {
      title: "functions in FROM are not relations",
      sql: "select * from generate_series(1, 3) g, unnest(array[1]) u, core.a, rows from (f(1), g(2)) r",
      expected: ["core.a"],
    },
    {
      title: "function arguments are walked",
      sql: "select * from generate_series(1, (select max(n) from core.a)) g",
      expected: ["core.a"],
    },
    {
      title: "DML inside a CTE",
      sql: "with d as (delete from core.old o using core.keep k where o.id = k.id returning o.*) select * from d",
      expected: ["core.old", "core.keep"],
    },
    {
      title: "VALUES with a subquery",
      sql: "select * from (values (1), ((select 1 from core.v))) v(x)",
      expected: ["core.v"],
    },
    {
      title: "quoted and mixed-case names",
      sql: 'select * from Core.Deals, "Core"."Deals", "core"."deals", MIXED."Quoted Name"',
      expected: ["core.deals", "Core.Deals", "core.deals", "mixed.Quoted Name"],
    },
    {
      title: "unqualified quoted name that differs from a CTE by case",
      sql: 'with deals as (select 1) select * from "Deals", DEALS',
      expected: ["Deals"],
    },
  ];

  for (const { title, sql, expected } of cases) {
    test(title, () => {
      const parsed = parseQuery(sql);
      const names = parsed.relations.map((relation) => (relation.schema ? `${relation.schema}.${relation.name}` : relation.name));
      assert.deepEqual(names, expected);
    });
  }

  test("relations are in source order", () => {
    const sql = "with x as (select * from core.z) select (select 1 from core.y), * from core.w join x on true where exists (select 1 from core.v)";
    const parsed = parseQuery(sql);
    const starts = parsed.relations.map((relation) => relation.span.start);
    assert.deepEqual(starts, [...starts].sort((a, b) => a - b));
    assert.deepEqual(parsed.relations.map((relation) => relation.name), ["z", "y", "w", "v"]);
  });

  test("spans cover the qualified name", () => {
    const sql = 'select * from core . deals as d, "My Schema"."Tbl" t';
    const [first, second] = parseQuery(sql).relations;
    assert.equal(textOf(sql, first.span), "core . deals");
    assert.equal(textOf(sql, first.nameSpan), "deals");
    assert.equal(first.alias, "d");
    assert.equal(textOf(sql, second.span), '"My Schema"."Tbl"');
    assert.equal(textOf(sql, second.nameSpan), '"Tbl"');
    assert.equal(second.schema, "My Schema");
    assert.equal(second.alias, "t");
  });

  test("non-ASCII names and aliases use byte spans", () => {
    const sql = 'select ä.id from "Schéma"."Tâble" as ä, "日本"."表" 表';
    const [first, second] = parseQuery(sql).relations;
    assert.equal(first.schema, "Schéma");
    assert.equal(first.name, "Tâble");
    assert.equal(first.alias, "ä");
    assert.equal(first.span.start, byteLength('select ä.id from '));
    assert.equal(first.span.end, byteLength('select ä.id from "Schéma"."Tâble"'));
    assert.equal(textOf(sql, first.nameSpan), '"Tâble"');
    assert.equal(second.alias, "表");
    assert.equal(textOf(sql, second.span), '"日本"."表"');
    assert.equal(second.nameSpan.start, byteLength('select ä.id from "Schéma"."Tâble" as ä, "日本".'));
  });
});

describe("column references", () => {
  test("relationIndex points at plain relations only", () => {
    const sql =
      "with c as (select 1 as id) select d.id, x.v, l.q, deals.amount, c.id from core.deals d join (select 1 as v) x on true, lateral (select d.id as q) l, core.deals, c";
    const parsed = parseQuery(sql);
    const byText = new Map(parsed.columnReferences.map((reference) => [textOf(sql, reference.span), reference]));
    assert.equal(parsed.relations.length, 2);
    assert.equal(byText.get("d.id")?.relationIndex, 0);
    assert.equal(byText.get("x.v")?.relationIndex, undefined);
    assert.equal(byText.get("l.q")?.relationIndex, undefined);
    assert.equal(byText.get("deals.amount")?.relationIndex, 1);
    assert.equal(byText.get("c.id")?.relationIndex, undefined);
    assert.equal(parsed.columnReferences.filter((reference) => reference.qualifier === "d").length, 2);
    assert.ok(parsed.columnReferences.filter((reference) => reference.qualifier === "d").every((reference) => reference.relationIndex === 0));
  });

  test("correlated subquery resolves outer qualifier", () => {
    const sql = "select * from core.a where exists (select 1 from core.b where b.id = a.id)";
    const parsed = parseQuery(sql);
    const [inner, outer] = parsed.columnReferences;
    assert.equal(textOf(sql, inner.span), "b.id");
    assert.equal(parsed.relations[inner.relationIndex ?? -1]?.name, "b");
    assert.equal(textOf(sql, outer.span), "a.id");
    assert.equal(parsed.relations[outer.relationIndex ?? -1]?.name, "a");
  });

  test("inner FROM item shadows outer qualifier", () => {
    const sql = "select * from core.a x where exists (select 1 from core.b x where x.id = 1)";
    const parsed = parseQuery(sql);
    assert.equal(parsed.columnReferences.length, 1);
    assert.equal(parsed.relations[parsed.columnReferences[0].relationIndex ?? -1]?.name, "b");
  });

  test("alias hides the relation name", () => {
    const parsed = parseQuery("select deals.id from core.deals d");
    assert.equal(parsed.columnReferences.length, 1);
    assert.equal(parsed.columnReferences[0].relationIndex, undefined);
  });

  test("schema-qualified column reference", () => {
    const sql = "select core.deals.id from core.deals";
    const [reference] = parseQuery(sql).columnReferences;
    assert.equal(reference.qualifier, "deals");
    assert.equal(reference.column, "id");
    assert.equal(textOf(sql, reference.span), "core.deals.id");
    assert.equal(textOf(sql, reference.columnSpan), "id");
    assert.equal(reference.relationIndex, 0);
  });

  test("quoted and folded names", () => {
    const sql = 'select M."Member ID", m.NAME from core.members "M", core.members m';
    const parsed = parseQuery(sql);
    const [quoted, folded] = parsed.columnReferences;
    assert.equal(quoted.qualifier, "m");
    assert.equal(quoted.column, "Member ID");
    assert.equal(quoted.relationIndex, 1);
    assert.equal(textOf(sql, quoted.columnSpan), '"Member ID"');
    assert.equal(folded.column, "name");
    assert.equal(folded.relationIndex, 1);
  });

  test("join alias hides inner relations", () => {
    const parsed = parseQuery("select a.id, j.id from (core.a join core.b using (id)) j");
    assert.equal(parsed.columnReferences[0].relationIndex, undefined);
    assert.equal(parsed.columnReferences[1].relationIndex, undefined);
  });

  test("non-ASCII qualifier byte spans", () => {
    const sql = 'select ä."Spalte Ü", 表.列 from core.t ä, core.u 表';
    const [first, second] = parseQuery(sql).columnReferences;
    assert.equal(first.qualifier, "ä");
    assert.equal(first.span.start, byteLength("select "));
    assert.equal(first.span.end, byteLength('select ä."Spalte Ü"'));
    assert.equal(textOf(sql, first.columnSpan), '"Spalte Ü"');
    assert.equal(first.relationIndex, 0);
    assert.equal(second.column, "列");
    assert.equal(textOf(sql, second.span), "表.列");
    assert.equal(second.relationIndex, 1);
  });

  test("unqualified references are not collected", () => {
    assert.deepEqual(parseQuery("select id, name from core.a").columnReferences, []);
  });
});

describe("output column names", () => {
  // Each expression's expected name is what PostgreSQL 15.18 reported for it.
  const cases: [string, string][] = [
    ["a", "a"],
    ["t.a", "a"],
    ["length(b)", "length"],
    ["pg_catalog.length(b)", "length"],
    ["'1'::int", "int4"],
    ["1::text", "text"],
    ["'1'::varchar", "varchar"],
    ["'1'::varchar(3)", "varchar"],
    ["'2020-01-01'::timestamp", "timestamp"],
    ["'now'::timestamptz", "timestamptz"],
    ["'1'::double precision", "float8"],
    ["'1'::char(2)", "bpchar"],
    ["'1'::numeric(10,2)", "numeric"],
    ["interval '1' day", "interval"],
    ["'{1}'::int[]", "int4"],
    ['\'1\'::"char"', "char"],
    ["a::text", "a"],
    ["now()::date", "now"],
    ["cast(a as text)", "a"],
    ["a::text::int", "a"],
    ["case when true then 1 end", "case"],
    ["case when true then 1 else a end", "a"],
    ["case when true then '1' else 'x'::text end", "case"],
    ["(case when true then 1 end)::text", "text"],
    ["arr[1]", "arr"],
    ["(t).a", "a"],
    ["array[1]", "array"],
    ["row(1, 2)", "row"],
    ["(1, 2)", "row"],
    ["coalesce(a, 1)", "coalesce"],
    ["greatest(1, 2)", "greatest"],
    ["least(1, 2)", "least"],
    ["nullif(a, 1)", "nullif"],
    ["exists(select 1)", "exists"],
    ["array(select 1)", "array"],
    ["(select 1)", "?column?"],
    ["(select b from t limit 1)", "b"],
    ["(select 1 as q)", "q"],
    ["(select b from t limit 1)::int", "b"],
    ["(select 1)::int", "?column?"],
    ["(values (1))", "column1"],
    ["current_date", "current_date"],
    ["current_timestamp(2)", "current_timestamp"],
    ["localtimestamp", "localtimestamp"],
    ["current_user", "current_user"],
    ["user", "user"],
    ["session_user", "session_user"],
    ["current_schema", "current_schema"],
    ["trim(b)", "btrim"],
    ["substring(b from 1)", "substring"],
    ["extract(year from now())", "extract"],
    ["now() at time zone 'utc'", "timezone"],
    ['b collate "C"', "b"],
    ["count(*) filter (where true)", "count"],
    ["rank() over ()", "rank"],
    ["xmlelement(name foo)", "xmlelement"],
    ["a + 1", "?column?"],
    ["-a", "?column?"],
    ["a is null", "?column?"],
    ["a is distinct from 1", "?column?"],
    ["a in (1, 2)", "?column?"],
    ["'str'", "?column?"],
    ["true", "?column?"],
  ];

  for (const [expression, expected] of cases) {
    test(`${expression} is named ${expected}`, () => {
      const sql = `select ${expression} from t`;
      const output = resolveOutputColumns(parseQuery(sql), lookupCatalog);
      assert.equal(output.complete, true);
      assert.equal(output.columns.length, 1);
      const [column] = output.columns;
      assert.equal(column.name, expected);
      assert.equal(column.derived, true);
      assert.equal(column.fromStar, false);
      assert.equal(column.aliasSpan, undefined);
      assert.equal(textOf(sql, column.span), expression);
    });
  }
});

describe("output columns", () => {
  test("aliases with and without AS", () => {
    const sql = 'select a as x, b "Has Space", 3 Lower, c AS "Mixed", 4 as from from t';
    const output = resolveOutputColumns(parseQuery(sql), lookupCatalog);
    assert.deepEqual(
      output.columns.map((column) => column.name),
      ["x", "Has Space", "lower", "Mixed", "from"],
    );
    assert.deepEqual(
      output.columns.map((column) => textOf(sql, column.aliasSpan)),
      ["x", '"Has Space"', "Lower", '"Mixed"', "from"],
    );
    assert.deepEqual(
      output.columns.map((column) => textOf(sql, column.span)),
      ["a as x", 'b "Has Space"', "3 Lower", 'c AS "Mixed"', "4 as from"],
    );
    assert.ok(output.columns.every((column) => !column.derived && !column.fromStar));
  });

  test("target spans exclude comments and commas", () => {
    const sql = "select\n  a, -- first\n  sum(b) over (partition by c order by a) as total /* doc */,\n  percentile_cont(0.5) within group (order by a)\nfrom t";
    const output = resolveOutputColumns(parseQuery(sql), lookupCatalog);
    assert.deepEqual(
      output.columns.map((column) => textOf(sql, column.span)),
      ["a", "sum(b) over (partition by c order by a) as total", "percentile_cont(0.5) within group (order by a)"],
    );
  });

  test("non-ASCII alias spans are bytes", () => {
    const sql = 'select "Bé b" as "Größe", 1 as 名前 from t';
    const [first, second] = resolveOutputColumns(parseQuery(sql), lookupCatalog).columns;
    assert.equal(first.name, "Größe");
    assert.equal(first.aliasSpan?.start, byteLength('select "Bé b" as '));
    assert.equal(first.aliasSpan?.end, byteLength('select "Bé b" as "Größe"'));
    assert.equal(second.name, "名前");
    assert.equal(textOf(sql, second.aliasSpan), "名前");
  });

  test("star through a CTE", () => {
    const sql = "with c(x) as (select a, b from t), d as (select c.*, 1 as one from c) select *, d.* from d";
    const output = resolveOutputColumns(parseQuery(sql), lookupCatalog);
    assert.equal(output.complete, true);
    assert.deepEqual(output.columns.map((column) => column.name), ["x", "b", "one", "x", "b", "one"]);
    assert.ok(output.columns.every((column) => column.fromStar && column.derived));
    assert.deepEqual(
      output.columns.map((column) => textOf(sql, column.span)),
      ["*", "*", "*", "d.*", "d.*", "d.*"],
    );
  });

  test("star via lookupColumns", () => {
    const calls: string[] = [];
    const lookup: ColumnLookup = (schema, name) => {
      calls.push(`${schema}.${name}`);
      return lookupCatalog(schema, name);
    };
    const output = resolveOutputColumns(parseQuery("select *, 1 as one from core.t"), lookup);
    assert.equal(output.complete, true);
    assert.deepEqual(output.columns.map((column) => column.name), ["a", "b", "arr", "c", "one"]);
    assert.deepEqual(calls, ["core.t"]);
  });

  test("star over an unknown relation is incomplete", () => {
    const output = resolveOutputColumns(parseQuery("select x.*, 1 as one from core.unknown x"), lookupCatalog);
    assert.equal(output.complete, false);
    assert.deepEqual(output.columns.map((column) => column.name), ["one"]);
  });

  test("star through subquery and alias column list", () => {
    assert.deepEqual(outputNames("select * from (select 1 as p, 2 as q) as x(r)"), ["r", "q"]);
    assert.deepEqual(outputNames("select * from t as tt(q)"), ["q", "b", "arr", "c"]);
    assert.deepEqual(outputNames("select * from (values (1, 2)) v"), ["column1", "column2"]);
  });

  test("join USING and NATURAL merge columns", () => {
    assert.deepEqual(outputNames("select * from t join u using (a)"), ["a", "b", "arr", "c", "d"]);
    assert.deepEqual(outputNames("select * from u join t using (a)"), ["a", "d", "b", "arr", "c"]);
    assert.deepEqual(outputNames("select * from t natural join u"), ["a", "b", "arr", "c", "d"]);
    assert.deepEqual(outputNames("select * from t join u on t.a = u.a"), ["a", "b", "arr", "c", "a", "d"]);
    assert.deepEqual(outputNames("select t.*, u.* from t join u using (a)"), ["a", "b", "arr", "c", "a", "d"]);
    assert.deepEqual(outputNames("select * from (t join u using (a)) j(x, y)"), ["x", "y", "arr", "c", "d"]);
  });

  test("recursive CTE takes names from its first branch", () => {
    assert.deepEqual(outputNames("with recursive r(n) as (select 1 union all select n + 1 from r where n < 3) select * from r"), ["n"]);
    assert.deepEqual(outputNames("with recursive r as (select 1 as n union all select n + 1 from r) select r.* from r"), ["n"]);
  });

  test("set operation names come from the leftmost SELECT", () => {
    const sql = "select 1 as x, a from t union select 2 as y, b from t except select 3, c from t";
    const output = resolveOutputColumns(parseQuery(sql), lookupCatalog);
    assert.deepEqual(output.columns.map((column) => column.name), ["x", "a"]);
    assert.equal(textOf(sql, output.columns[0].span), "1 as x");
  });

  test("VALUES names its columns", () => {
    const sql = "values (a + 1, 'x'), (2, 'y')";
    const output = resolveOutputColumns(parseQuery(sql), lookupCatalog);
    assert.deepEqual(output.columns.map((column) => column.name), ["column1", "column2"]);
    assert.deepEqual(output.columns.map((column) => textOf(sql, column.span)), ["a + 1", "'x'"]);
  });

  test("function in FROM needs a column definition list", () => {
    assert.equal(resolveOutputColumns(parseQuery("select * from generate_series(1, 2) g"), lookupCatalog).complete, false);
    const output = resolveOutputColumns(parseQuery("select * from jsonb_to_record('{}') as x(a int, b text)"), lookupCatalog);
    assert.equal(output.complete, true);
    assert.deepEqual(output.columns.map((column) => column.name), ["a", "b"]);
  });

  test("scalar subquery over an unknown star is incomplete", () => {
    const output = resolveOutputColumns(parseQuery("select (select * from core.unknown limit 1)"), lookupCatalog);
    assert.equal(output.complete, false);
    assert.deepEqual(output.columns.map((column) => column.name), ["?column?"]);
  });

  test("non-query statements have no output columns", () => {
    const output = resolveOutputColumns(parseViewSql("create view v as select 1 as x"), lookupCatalog);
    assert.deepEqual(output, { complete: false, columns: [] });
  });
});

describe("statements", () => {
  const cases: { title: string; sql: string; count: number; statement?: string; extra?: string }[] = [
    { title: "plain statement", sql: "select 1", count: 1, statement: "select 1" },
    { title: "trailing semicolon", sql: "select 1;", count: 1, statement: "select 1" },
    { title: "trailing comment without newline", sql: "select 1 -- note", count: 1, statement: "select 1" },
    { title: "semicolon then comment and newline", sql: "select 1; -- note\n", count: 1, statement: "select 1" },
    { title: "block comment before semicolon", sql: "select 1 /* c */ ;\n/* end */", count: 1, statement: "select 1" },
    { title: "leading comments", sql: "/* doc */\n-- more\nselect 1\n", count: 1, statement: "select 1" },
    { title: "two statements", sql: "select 1; select 2", count: 2, statement: "select 1", extra: "select 2" },
    { title: "two statements with comments", sql: "select 1; -- a\nselect 2; -- b", count: 2, statement: "select 1", extra: "select 2" },
    { title: "empty file", sql: "", count: 0 },
    { title: "whitespace only", sql: " \n\t\r\n", count: 0 },
    { title: "comment only", sql: "-- nothing\n/* here */", count: 0 },
    { title: "semicolon only", sql: ";", count: 0 },
  ];

  for (const { title, sql, count, statement, extra } of cases) {
    test(title, () => {
      const parsed = parseViewSql(sql);
      assert.equal(parsed.syntaxError, undefined);
      assert.equal(parsed.statementCount, count);
      assert.equal(textOf(sql, parsed.statement), statement);
      assert.equal(textOf(sql, parsed.extraStatement), extra);
    });
  }

  test("statement span after non-ASCII comment", () => {
    const sql = "-- Übersicht für 日本\nselect 'ä' as x;";
    const parsed = parseViewSql(sql);
    assert.equal(parsed.statement?.start, byteLength("-- Übersicht für 日本\n"));
    assert.equal(textOf(sql, parsed.statement), "select 'ä' as x");
  });

  const kinds: [string, boolean][] = [
    ["select 1", true],
    ["values (1)", true],
    ["with x as (select 1) select * from x", true],
    ["select 1 union select 2", true],
    ["(select 1)", true],
    ["table core.t", true],
    ["select 1 into t", false],
    ["insert into t values (1)", false],
    ["create view v as select 1", false],
    ["explain select 1", false],
  ];
  for (const [sql, isSelect] of kinds) {
    test(`isSelect is ${isSelect} for ${sql}`, () => {
      assert.equal(parseViewSql(sql).isSelect, isSelect);
    });
  }
});

describe("syntax errors", () => {
  test("offset is in bytes after non-ASCII text", () => {
    const sql = "select 'é😀', 名前 frm x";
    const parsed = parseViewSql(sql);
    assert.equal(parsed.syntaxError?.message, 'syntax error at or near "x"');
    assert.equal(parsed.syntaxError?.offset, byteLength("select 'é😀', 名前 frm "));
    assert.equal(parsed.isSelect, false);
    assert.deepEqual(parsed.relations, []);
  });

  test("error at end of input", () => {
    const sql = "select 'ü' from";
    const parsed = parseViewSql(sql);
    assert.equal(parsed.syntaxError?.message, "syntax error at end of input");
    assert.equal(parsed.syntaxError?.offset, byteLength(sql));
    assert.equal(parsed.statementCount, 1);
  });

  test("error at the first character", () => {
    assert.equal(parseViewSql("selec 1").syntaxError?.offset, 0);
  });

  test("unterminated string after non-ASCII", () => {
    const sql = "-- Größe\nselect 'ß', 'open";
    assert.equal(parseViewSql(sql).syntaxError?.offset, byteLength("-- Größe\nselect 'ß', "));
  });

  test("error on a later line", () => {
    const sql = "select a,\n  b,\n  ö.c\nfrom t ö\nwhere order by 1";
    assert.equal(parseViewSql(sql).syntaxError?.offset, byteLength("select a,\n  b,\n  ö.c\nfrom t ö\nwhere "));
  });

  test("NUL byte is rejected at its offset", () => {
    const sql = "select 'ü'\u0000 from t";
    const parsed = parseViewSql(sql);
    assert.match(parsed.syntaxError?.message ?? "", /NUL/);
    assert.equal(parsed.syntaxError?.offset, byteLength("select 'ü'"));
  });

  test("no-break space is not whitespace", () => {
    const parsed = parseViewSql("\u00a0");
    assert.equal(parsed.statementCount, 1);
    assert.equal(parsed.syntaxError?.offset, 0);
  });

  test("digit separators need PostgreSQL 16", () => {
    assert.equal(parseViewSql("select 1_000").syntaxError, undefined);
    assert.equal(parseViewSql("select 1_000", { postgresVersion: 160000 }).syntaxError, undefined);
    const old = parseViewSql("select 'é', 1_000", { postgresVersion: 150004 });
    assert.equal(old.syntaxError?.offset, byteLength("select 'é', "));
    assert.equal(parseViewSql("select 0x1F", { postgresVersion: 150004 }).syntaxError?.offset, 7);
    assert.equal(parseViewSql("select 1.5e3", { postgresVersion: 150004 }).syntaxError, undefined);
  });
});

describe("robustness", () => {
  const inputs: [string, string][] = [
    ["binary garbage", Buffer.from(Array.from({ length: 20_000 }, (_, i) => 1 + ((i * 7919) % 255))).toString("latin1")],
    ["random code units", Array.from({ length: 20_000 }, (_, i) => String.fromCharCode(1 + ((i * 31337) % 65535))).join("")],
    ["control characters in a literal", "select $$\u0001\u0002$$ as x, t.a from t"],
    ["lone surrogates", "select '\ud800' as a, \"\udc00\" from t"],
    ["only NUL bytes", "\u0000\u0000"],
    ["unterminated comment", "select 1 /* open"],
    ["deep parentheses", `select ${"(".repeat(50_000)}1${")".repeat(50_000)}`],
    ["deep operator chain", `select ${"a + ".repeat(20_000)}1`],
    ["deep subqueries", `select ${"(select ".repeat(2_000)}1${")".repeat(2_000)}`],
    ["long CTE chain", `with ${Array.from({ length: 1_500 }, (_, i) => `c${i} as (select * from ${i ? `c${i - 1}` : "t"})`).join(", ")} select * from c1499`],
    ["long UNION chain", Array.from({ length: 3_000 }, (_, i) => `select ${i} from s.t${i}`).join(" union all ")],
    ["1 MB select list", `select ${Array.from({ length: 100_000 }, (_, i) => `t.c${i}`).join(", ")} from t`],
  ];

  for (const [title, sql] of inputs) {
    test(`${title} does not throw`, () => {
      const started = Date.now();
      const parsed = parseViewSql(sql);
      const output = resolveOutputColumns(parsed, lookupCatalog);
      assert.ok(Array.isArray(parsed.relations));
      assert.ok(Array.isArray(output.columns));
      assert.ok(Date.now() - started < 10_000, `${title} took ${Date.now() - started} ms`);
    });
  }

  test("lone surrogate keeps later byte offsets", () => {
    const sql = "select '\ud800' as a, x.y from t x";
    const [reference] = parseQuery(sql).columnReferences;
    assert.equal(reference.span.start, byteLength("select '\ufffd' as a, "));
    assert.equal(reference.relationIndex, 0);
  });

  test("control characters keep spans", () => {
    const sql = "select $$\u0001$$ as x, t.a from t";
    const parsed = parseQuery(sql);
    assert.equal(textOf(sql, parsed.columnReferences[0].span), "t.a");
    assert.equal(textOf(sql, parsed.relations[0].span), "t");
  });

  test("long UNION chain is analysed", () => {
    const sql = Array.from({ length: 3_000 }, (_, i) => `select ${i} as n from s.t${i}`).join(" union all ");
    const parsed = parseQuery(sql);
    assert.equal(parsed.relations.length, 3_000);
    assert.deepEqual(resolveOutputColumns(parsed, lookupCatalog).columns.map((column) => column.name), ["n"]);
  });

  test("1 MB select list resolves every column", () => {
    const sql = `select ${Array.from({ length: 100_000 }, (_, i) => `t.c${i}`).join(", ")} from t`;
    const parsed = parseQuery(sql);
    const output = resolveOutputColumns(parsed, lookupCatalog);
    assert.equal(output.columns.length, 100_000);
    assert.equal(output.columns[99_999].name, "c99999");
    assert.equal(parsed.columnReferences[99_999].relationIndex, 0);
  });
});
