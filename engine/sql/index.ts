/** Public entry points of the SQL analysis. */
export { isSqlParserLoaded, loadSqlParser } from "./parser";
export { parseViewSql, type ParseViewOptions, type ParsedViewWithDiagnostics } from "./analyze";
export { resolveOutputColumns, type ColumnLookup } from "./columns";
export type {
  ByteSpan,
  ColumnReference,
  OutputColumn,
  OutputColumns,
  ParsedView,
  RelationReference,
  SqlSyntaxError,
} from "./types";
