/**
 * The PostgreSQL parser (libpg-query, the server's own grammar compiled to WebAssembly), loaded
 * once per process and then called synchronously.
 */
import type * as LibPgQuery from "libpg-query";
import { codePointIndexToUtf16, utf8Length } from "../text/positions";

/** One scanner token; `start` and `end` are UTF-8 byte offsets. */
export interface ScanToken {
  start: number;
  end: number;
  text: string;
  tokenName: string;
  keywordKind: number;
}

/** A raw statement of libpg-query's parse tree, a JSON object with one key naming the node type. */
export type PgNode = { [key: string]: any };

export interface RawStatement {
  stmt: PgNode;
  /** Byte offset of the statement's start; libpg-query omits it when it is 0. */
  stmt_location?: number;
  /** Byte length of the statement without its ';'; libpg-query omits it for "the rest of the input". */
  stmt_len?: number;
}

export type RawParseResult =
  | { ok: true; statements: RawStatement[] }
  | { ok: false; kind: "syntax"; message: string; offset: number }
  /** The grammar accepted the text but its parse tree could not be read back. */
  | { ok: false; kind: "analysis"; message: string };

let library: typeof LibPgQuery | undefined;
let loading: Promise<void> | undefined;

/**
 * Loads the parser's WebAssembly module. Safe to call many times: every call returns the same
 * promise, and a failed load is retried on the next call.
 */
export function loadSqlParser(): Promise<void> {
  if (!loading) {
    loading = (async () => {
      // Required lazily because requiring libpg-query starts compiling its WebAssembly module,
      // which commands that never parse SQL should not pay for.
      const module: typeof LibPgQuery = require("libpg-query");
      await module.loadModule();
      library = module;
    })();
    loading.catch(() => {
      loading = undefined;
    });
  }
  return loading;
}

export function isSqlParserLoaded(): boolean {
  return library !== undefined;
}

function requireLibrary(): typeof LibPgQuery {
  if (!library) throw new Error("The SQL parser is not loaded: await loadSqlParser() before parsing SQL.");
  return library;
}

/**
 * Parses SQL into raw statements, or returns PostgreSQL's syntax error with its 0-based byte offset.
 * The text must not contain NUL characters, because the parser reads it as a C string.
 */
export function parseStatements(sql: string): RawParseResult {
  const lib = requireLibrary();
  try {
    const result = lib.parseSync(sql) as unknown as { stmts?: RawStatement[] };
    return { ok: true, statements: result.stmts ?? [] };
  } catch (error) {
    if (lib.hasSqlDetails(error)) {
      // libpg-query reports the position as a 0-based count of code points (PostgreSQL's
      // cursor position minus one), which equals the text's length for an error at end of input.
      const codePoints = Math.max(0, error.sqlDetails?.cursorPosition ?? 0);
      const offset = utf8Length(sql, 0, codePointIndexToUtf16(sql, codePoints));
      return { ok: false, kind: "syntax", message: error.message, offset };
    }
    if (error instanceof RangeError) {
      // JSON.parse of the parse tree overflows the JavaScript stack on expressions nested
      // thousands of levels deep (measured: 5,000 nested '+' parse, 10,000 do not).
      return { ok: false, kind: "analysis", message: `statement is nested too deeply to analyse (${error.message})` };
    }
    return { ok: false, kind: "analysis", message: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * Returns the scanner's tokens, comments included, or undefined when the scanner rejects the text.
 * Control characters other than tab, CR and LF are replaced by spaces first, because libpg-query
 * 18.1.5 writes them unescaped into its JSON output and then fails to read it back. A space has
 * the same byte length and, inside literals and comments, the same effect on token boundaries.
 */
export function scanTokens(sql: string): ScanToken[] | undefined {
  const lib = requireLibrary();
  const text = /[\x01-\x08\x0b\x0c\x0e-\x1f]/.test(sql) ? sql.replace(/[\x01-\x08\x0b\x0c\x0e-\x1f]/g, " ") : sql;
  try {
    return lib.scanSync(text).tokens;
  } catch {
    return undefined;
  }
}
