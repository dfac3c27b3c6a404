/**
 * Result types of the SQL analysis. Every offset is a UTF-8 byte offset into the SQL text that
 * was analysed; callers convert them with engine/text/positions.ts.
 */

/** A half-open range [start, end) of UTF-8 byte offsets. */
export interface ByteSpan {
  start: number;
  end: number;
}

/** A syntax error as PostgreSQL's parser reports it. */
export interface SqlSyntaxError {
  message: string;
  /** 0-based byte offset of the token the parser rejected; the input's byte length for an error at end of input. */
  offset: number;
}

/** One reference to a table, view or other relation by name. CTE references are never reported. */
export interface RelationReference {
  /** The schema as PostgreSQL resolves the name: unquoted names folded to lower case, quoted names exact. */
  schema?: string;
  name: string;
  /** From the first token of the qualified name to the end of its last token. */
  span: ByteSpan;
  /** The relation name token only. */
  nameSpan: ByteSpan;
  /** The alias written after the relation in its FROM clause. */
  alias?: string;
  functionCall?: false;
}

/** A qualified column reference such as `m.member_id`. Unqualified references are not collected. */
export interface ColumnReference {
  /** The alias or relation name before the dot, folded like PostgreSQL folds it. */
  qualifier: string;
  column: string;
  /** The whole `q.col` span. */
  span: ByteSpan;
  /** The column token only. */
  columnSpan: ByteSpan;
  /**
   * Index into ParsedView.relations of the FROM item the qualifier resolves to, when that item is
   * a plain relation (not a CTE, subquery or function) of this or an enclosing query level.
   */
  relationIndex?: number;
}

/** The analysis of one view's rendered SQL. */
export interface ParsedView {
  /** The first statement's own text, without a trailing ';' or trailing comments. */
  statement?: ByteSpan;
  /** Number of statements; 0 for an empty or comment-only input, 1 when the input has a syntax error. */
  statementCount: number;
  syntaxError?: SqlSyntaxError;
  /** The second statement, when there is more than one. */
  extraStatement?: ByteSpan;
  /** True when the first statement is a query: SELECT, VALUES, WITH ... SELECT or a set operation (but not SELECT INTO). */
  isSelect: boolean;
  /** Every relation the first statement references, in source order. */
  relations: RelationReference[];
  /** Every qualified column reference of the first statement, in source order. */
  columnReferences: ColumnReference[];
  /** Output-column recipe of the first statement when it is a query; read by resolveOutputColumns. */
  outputShape?: QueryShape;
}

/** The output columns of a view's top-level query. */
export interface OutputColumns {
  /** False when a '*' (or a scalar subquery's name) could not be expanded, so `columns` is partial. */
  complete: boolean;
  columns: OutputColumn[];
}

export interface OutputColumn {
  /** The alias, or the name PostgreSQL gives the column. */
  name: string;
  /** The target expression and its alias in the top-level select list; for columns expanded from '*', the star. */
  span: ByteSpan;
  /** The alias token, when an alias was written. */
  aliasSpan?: ByteSpan;
  /** True when no alias was written. */
  derived: boolean;
  fromStar: boolean;
}

/**
 * Output-column recipe of one query level, kept so that output columns can be resolved against
 * a catalog later without parsing again.
 */
export type QueryShape =
  | SelectShape
  | { kind: "values"; targets: TargetShape[] }
  | { kind: "setop"; left: QueryShape }
  | { kind: "cte"; cte: CteShape }
  | { kind: "renamed"; inner: QueryShape; names: string[] }
  | { kind: "unknown" };

/** A plain SELECT (or DML with RETURNING): its select list and FROM items. */
export interface SelectShape {
  kind: "select";
  targets: TargetShape[];
  /** The FROM clause's top-level items in order; `*` expands them in this order. */
  from: FromItemShape[];
  /** The names `x.*` can refer to at this query level. */
  namespace: NamespaceShape[];
}

/** A CTE; `query` is filled in once its body has been analysed, so a recursive CTE can refer to itself. */
export interface CteShape {
  name: string;
  query?: QueryShape;
}

/** A column name known from the syntax alone, or the first output column of a scalar subquery. */
export type ColumnNameSource = string | { firstColumnOf: QueryShape };

export type TargetShape =
  | { kind: "expression"; name: ColumnNameSource; span: ByteSpan; aliasSpan?: ByteSpan; derived: boolean }
  | { kind: "star"; qualifier?: { schema?: string; name: string }; span: ByteSpan };

export type FromItemShape =
  | { kind: "relation"; schema?: string; name: string; columnAliases?: string[] }
  | { kind: "query"; query: QueryShape; columnAliases?: string[] }
  /** A function or table function; `columns` is undefined when only the catalog has them. */
  | { kind: "columns"; columns?: string[] }
  | {
      kind: "join";
      left: FromItemShape;
      right: FromItemShape;
      using?: string[];
      natural: boolean;
      columnAliases?: string[];
    };

export interface NamespaceShape {
  refName: string;
  /** The schema written before an unaliased relation, which `schema.table.*` must match. */
  schema?: string;
  item: FromItemShape;
}
