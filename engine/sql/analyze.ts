/**
 * Analysis of one view's rendered SQL: statement boundaries, syntax errors, referenced relations
 * and columns, and the recipe for its output columns.
 */
import { utf8Length } from "../text/positions";
import { parseStatements, scanTokens, type RawStatement } from "./parser";
import { collectReferences } from "./references";
import { TokenIndex } from "./tokens";
import type { ByteSpan, ParsedView, SqlSyntaxError } from "./types";

export interface ParsedViewWithDiagnostics extends ParsedView {
  /**
   * Reason the statement could not be analysed although PostgreSQL's grammar accepts it, such as
   * nesting too deep for the JavaScript stack. Relations and columns are then empty.
   */
  analysisError?: string;
}

export interface ParseViewOptions {
  /**
   * The target server's version as server_version_num reports it (150004 for 15.4). The parser is
   * PostgreSQL 18's; for an older server, syntax that server rejects is reported where this
   * module can detect it. Callers that cache results must include this value in the cache key.
   */
  postgresVersion?: number;
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * Parses and analyses the SQL of one view. Expensive (a full parse and scan), so callers cache
 * the result by content. Never throws on any input once loadSqlParser() has resolved; calling it
 * before then throws.
 */
export function parseViewSql(sql: string, options: ParseViewOptions = {}): ParsedViewWithDiagnostics {
  // The parser's string conversion turns a lone UTF-16 surrogate into bytes that swallow the next
  // character, which would shift every later offset. U+FFFD keeps the UTF-16 length unchanged.
  const text = sql.replace(LONE_SURROGATE, "\ufffd");
  const result: ParsedViewWithDiagnostics = { statementCount: 0, isSelect: false, relations: [], columnReferences: [] };

  const nul = text.indexOf("\0");
  if (nul >= 0) {
    // The parser reads its input as a C string and would silently ignore everything after a NUL.
    result.statementCount = 1;
    result.syntaxError = {
      message: "invalid character NUL (0x00): PostgreSQL does not accept NUL bytes in SQL text; remove it",
      offset: utf8Length(text, 0, nul),
    };
    return result;
  }
  // Only PostgreSQL's own whitespace counts: String.prototype.trim would also drop a no-break
  // space or a byte order mark, which the server rejects.
  if (/^[ \t\n\r\f\v]*$/.test(text)) return result;

  const parsed = parseStatements(text);
  if (!parsed.ok) {
    result.statementCount = 1;
    if (parsed.kind === "syntax") result.syntaxError = { message: parsed.message, offset: parsed.offset };
    else result.analysisError = parsed.message;
    return result;
  }
  const statements = parsed.statements;
  result.statementCount = statements.length;
  if (statements.length === 0) return result;

  try {
    analyzeStatements(text, statements, options, result);
  } catch (error) {
    // Reached on statements nested deeper than the JavaScript stack allows. The editor and the
    // CLI must survive any input, so the failure is reported on the result instead.
    result.relations = [];
    result.columnReferences = [];
    delete result.outputShape;
    result.analysisError = error instanceof Error ? error.message : String(error);
  }
  return result;
}

/** Fills in the statement spans, references and output shape of successfully parsed SQL. */
function analyzeStatements(text: string, statements: RawStatement[], options: ParseViewOptions, result: ParsedViewWithDiagnostics): void {
  const tokens = new TokenIndex(scanTokens(text) ?? []);
  const versionError = options.postgresVersion === undefined ? undefined : findNewerSyntax(tokens, options.postgresVersion);
  if (versionError) {
    result.syntaxError = versionError;
    return;
  }

  const byteLength = utf8Length(text);
  result.statement = findStatementSpan(statements[0], tokens, byteLength);
  if (statements.length > 1) result.extraStatement = findStatementSpan(statements[1], tokens, byteLength);

  const first = statements[0].stmt;
  result.isSelect = Boolean(first?.SelectStmt) && !first.SelectStmt.intoClause;
  const references = collectReferences(first, tokens);
  result.relations = references.relations;
  result.columnReferences = references.columnReferences;
  if (result.isSelect) result.outputShape = references.shape;
}

/**
 * Finds syntax that PostgreSQL 18 accepts but the target version rejects. PostgreSQL 16 added
 * '_' digit separators and 0x, 0o and 0b integer literals; older servers reject both with the
 * error reproduced here.
 * NOTE: other grammar added after PostgreSQL 15 (SQL/JSON constructors, SYSTEM_USER, MERGE
 * RETURNING...) is accepted for every version. Only a dry run against the real server reports it.
 */
function findNewerSyntax(tokens: TokenIndex, postgresVersion: number): SqlSyntaxError | undefined {
  if (postgresVersion >= 160000) return undefined;
  for (const token of tokens.tokens) {
    if (token.tokenName !== "ICONST" && token.tokenName !== "FCONST") continue;
    if (token.text.includes("_") || /^0[xob]/i.test(token.text)) {
      return { message: `trailing junk after numeric literal at or near "${token.text}"`, offset: token.start };
    }
  }
  return undefined;
}

/**
 * Returns a statement's span from its first token to its last, leaving out leading and trailing
 * comments and the ';'. libpg-query omits stmt_location when it is 0 and stmt_len when the
 * statement runs to the end of the input.
 */
function findStatementSpan(statement: RawStatement, tokens: TokenIndex, byteLength: number): ByteSpan {
  const start = statement.stmt_location ?? 0;
  const end = statement.stmt_len ? start + statement.stmt_len : byteLength;
  const first = tokens.indexAt(start);
  if (first < 0 || tokens.tokens[first].start >= end) return { start, end };
  let last = first;
  while (last + 1 < tokens.tokens.length && tokens.tokens[last + 1].start < end) last++;
  while (last > first && tokens.tokens[last].text === ";") last--;
  return tokens.span(first, last);
}
