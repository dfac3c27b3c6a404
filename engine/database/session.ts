/**
 * The query interface and error type shared by the two database backends: the `pg` client
 * (a real warehouse) and the embedded PostgreSQL (PGlite in a child process).
 */

/** One column of a result, as both `pg` and PGlite describe it. */
export interface FieldDescription {
  name: string;
  /** The column type's OID in pg_type. */
  dataTypeID: number;
}

/** Rows and column descriptions of one statement. */
export interface QueryResult<R> {
  rows: R[];
  fields: FieldDescription[];
}

/** Minimal query interface shared with the real `pg` client so the sync code runs on both. */
export interface SqlSession {
  /** Runs one statement, with `$1`-style parameters when `params` is given. */
  query<R = Record<string, unknown>>(text: string, params?: unknown[]): Promise<QueryResult<R>>;
  /** Runs several statements separated by ';' (no parameters). */
  exec(text: string): Promise<void>;
  close(): Promise<void>;
}

/** The optional fields of a PostgreSQL error report. */
export interface DatabaseErrorFields {
  /** 1-based character (code point) position in the query text. */
  position?: number;
  detail?: string;
  hint?: string;
  where?: string;
}

/** A PostgreSQL error with the fields the engine needs, thrown by both backends. */
export class DatabaseError extends Error {
  /** The five-character SQLSTATE code, e.g. "42703" for an undefined column. */
  sqlState: string;
  /**
   * 1-based character (code point) position in the query text, as PostgreSQL reports it.
   * For a multi-statement text it counts from the start of the whole text.
   */
  position?: number;
  detail?: string;
  hint?: string;
  /** PostgreSQL's context lines, e.g. the PL/pgSQL function and line that raised the error. */
  where?: string;

  constructor(message: string, sqlState: string, fields: DatabaseErrorFields = {}) {
    super(message);
    this.name = "DatabaseError";
    this.sqlState = sqlState;
    if (fields.position !== undefined) this.position = fields.position;
    if (fields.detail !== undefined) this.detail = fields.detail;
    if (fields.hint !== undefined) this.hint = fields.hint;
    if (fields.where !== undefined) this.where = fields.where;
  }
}

const SQLSTATE_PATTERN = /^[0-9A-Z]{5}$/;

/**
 * Converts an error reported by PostgreSQL into a DatabaseError. Accepts a DatabaseError,
 * a `pg` DatabaseError or a PGlite error: both carry `code`, `severity` and `position` as a string.
 * Returns undefined for anything else, such as a connection failure, so callers can re-throw it.
 */
export function toDatabaseError(error: unknown): DatabaseError | undefined {
  if (error instanceof DatabaseError) return error;
  if (typeof error !== "object" || error === null) return undefined;

  const report = error as Record<string, unknown>;
  // Node's system errors also have a `code` (e.g. "EPIPE", five letters), but never a `severity`.
  if (typeof report.code !== "string" || !SQLSTATE_PATTERN.test(report.code)) return undefined;
  if (typeof report.severity !== "string") return undefined;

  const message = typeof report.message === "string" ? report.message : String(error);
  return new DatabaseError(message, report.code, {
    position: parsePosition(report.position),
    detail: optionalString(report.detail),
    hint: optionalString(report.hint),
    where: optionalString(report.where),
  });
}

/** Parses PostgreSQL's position field, which the wire protocol sends as a decimal string. */
export function parsePosition(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isInteger(value) && value > 0 ? value : undefined;
  if (typeof value !== "string" || !/^[0-9]+$/.test(value)) return undefined;
  const position = Number(value);
  return position > 0 ? position : undefined;
}

function optionalString(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}
