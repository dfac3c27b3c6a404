/**
 * Runs every statement of the shared query corpus (PostgreSQL regression-test queries and real
 * analytics SQL, about 13,000 statements) through parseViewSql and resolveOutputColumns.
 * The corpus lives outside the repository, in the folder named by SYNCED_VIEWS_SHARED.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { before, test } from "node:test";
import { loadSqlParser, parseViewSql, resolveOutputColumns } from "../../engine/sql";

interface CorpusStatement {
  id: string;
  valid: boolean;
  kind: string;
  sql: string;
  origin?: string;
  /** The server's error for an invalid statement; `position` is 1-based and counts characters. */
  pg_error?: { message?: string; position?: number };
}

/** The corpus's verdicts come from a PostgreSQL 15.18 server, so the syntax check targets that version. */
const CORPUS_SERVER_VERSION = 150018;

const CORPUS_FILES = ["corpus/postgres-regress-queries.jsonl", "corpus/realworld-queries.jsonl"];

function readCorpus(): CorpusStatement[] {
  const shared = process.env.SYNCED_VIEWS_SHARED;
  assert.ok(
    shared,
    "The query corpus is absent: set SYNCED_VIEWS_SHARED to the folder that contains corpus/postgres-regress-queries.jsonl and corpus/realworld-queries.jsonl.",
  );
  const statements: CorpusStatement[] = [];
  for (const file of CORPUS_FILES) {
    const full = path.join(shared, file);
    assert.ok(fs.existsSync(full), `The query corpus file ${full} is missing: SYNCED_VIEWS_SHARED must name the folder that contains ${file}.`);
    for (const line of fs.readFileSync(full, "utf8").split("\n")) {
      if (line.trim() !== "") statements.push(JSON.parse(line) as CorpusStatement);
    }
  }
  return statements;
}

function describe(statement: CorpusStatement): string {
  return `${statement.id} (${statement.origin ?? "unknown origin"}): ${statement.sql.slice(0, 200)}`;
}

before(async () => {
  await loadSqlParser();
});

test("corpus syntax verdicts match PostgreSQL", () => {
  const statements = readCorpus();
  assert.ok(statements.length > 10_000, `expected about 13,000 corpus statements, read ${statements.length}`);

  const rejectedValid: string[] = [];
  const acceptedInvalid: string[] = [];
  const unanalysed: string[] = [];
  const thrown: string[] = [];
  const misplaced: string[] = [];
  let columnCount = 0;
  const started = process.hrtime.bigint();

  for (const statement of statements) {
    try {
      const parsed = parseViewSql(statement.sql, { postgresVersion: CORPUS_SERVER_VERSION });
      const output = resolveOutputColumns(parsed, () => undefined);
      columnCount += output.columns.length;
      if (statement.valid && parsed.syntaxError) rejectedValid.push(`${describe(statement)} -> ${parsed.syntaxError.message}`);
      if (!statement.valid && !parsed.syntaxError) acceptedInvalid.push(describe(statement));
      const expectedPosition = statement.pg_error?.position;
      // For end-of-input errors the corpus records one less than a PostgreSQL 15.18 server
      // reports for the same text (the server gives 12 for "SELECT 1 +\n", the corpus 11), and
      // parseViewSql follows the server, so only the other errors are compared.
      if (parsed.syntaxError && expectedPosition !== undefined && !statement.pg_error?.message?.includes("end of input")) {
        const prefix = Buffer.from(statement.sql, "utf8").subarray(0, parsed.syntaxError.offset).toString("utf8");
        const position = [...prefix].length + 1;
        if (position !== expectedPosition) misplaced.push(`${describe(statement)} -> position ${position}, PostgreSQL ${expectedPosition}`);
      }
      if (parsed.analysisError) unanalysed.push(`${describe(statement)} -> ${parsed.analysisError}`);
    } catch (error) {
      thrown.push(`${describe(statement)} -> ${error instanceof Error ? error.stack : String(error)}`);
    }
  }

  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const perSecond = Math.round(statements.length / seconds);
  console.log(`corpus: ${statements.length} statements (${columnCount} output columns) in ${seconds.toFixed(2)} s, ${perSecond} statements per second`);

  assert.deepEqual(thrown, [], "parseViewSql or resolveOutputColumns threw");
  assert.deepEqual(rejectedValid, [], "valid statements got a syntax error");
  assert.deepEqual(acceptedInvalid, [], "invalid statements got no syntax error");
  assert.deepEqual(misplaced, [], "syntax errors reported at another position than PostgreSQL's");
  assert.deepEqual(unanalysed, [], "valid statements could not be analysed");
  assert.ok(seconds < 30, `the corpus took ${seconds.toFixed(1)} s; it must take seconds`);
});
