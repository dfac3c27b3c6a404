/**
 * Output columns of a view's top-level query, resolved from the shape parseViewSql recorded.
 * Cheap: it reads no SQL, so callers can rerun it whenever the catalog changes.
 */
import type {
  ColumnNameSource,
  FromItemShape,
  OutputColumn,
  OutputColumns,
  ParsedView,
  QueryShape,
  SelectShape,
  TargetShape,
} from "./types";

/** Returns the column names of a real relation (managed view or catalogued table), or undefined when unknown. */
export type ColumnLookup = (schema: string | undefined, name: string) => string[] | undefined;

interface ColumnList {
  names: string[];
  complete: boolean;
}

/**
 * Resolves the output columns of the top-level query, expanding `*` and `t.*` from `lookupColumns`
 * for real relations and from the analysed columns of CTEs and subqueries. Returns no columns and
 * complete=false for input that is not a query.
 */
export function resolveOutputColumns(parsed: ParsedView, lookupColumns: ColumnLookup): OutputColumns {
  const shape = parsed.outputShape;
  if (!shape || parsed.syntaxError) return { complete: false, columns: [] };
  try {
    return new ColumnResolver(lookupColumns).resolveTopLevel(shape);
  } catch (error) {
    // Each CTE or subquery that a '*' expands through adds stack frames. With Node 20's default
    // stack, a chain of 400 CTEs resolved and one of 800 did not; such output is reported as unknown.
    if (error instanceof RangeError) return { complete: false, columns: [] };
    throw error;
  }
}

class ColumnResolver {
  private readonly lookupColumns: ColumnLookup;
  private readonly cache = new Map<QueryShape, ColumnList>();
  /** Shapes being resolved, so that a CTE referring to itself ends as incomplete instead of looping. */
  private readonly resolving = new Set<QueryShape>();

  constructor(lookupColumns: ColumnLookup) {
    this.lookupColumns = lookupColumns;
  }

  resolveTopLevel(shape: QueryShape): OutputColumns {
    // A set operation takes its column names (and here their spans) from its leftmost SELECT.
    let current = shape;
    while (current.kind === "setop") current = current.left;
    if (current.kind === "select" || current.kind === "values") return this.expandTargets(current);
    return { complete: false, columns: [] };
  }

  private expandTargets(shape: SelectShape | { kind: "values"; targets: TargetShape[] }): OutputColumns {
    const columns: OutputColumn[] = [];
    let complete = true;
    for (const target of shape.targets) {
      if (target.kind === "expression") {
        const name = this.resolveName(target.name);
        if (name === undefined) complete = false;
        const column: OutputColumn = { name: name ?? "?column?", span: target.span, derived: target.derived, fromStar: false };
        if (target.aliasSpan) column.aliasSpan = target.aliasSpan;
        columns.push(column);
        continue;
      }
      const expanded = shape.kind === "select" ? this.expandStar(shape, target) : { names: [], complete: false };
      if (!expanded.complete) complete = false;
      for (const name of expanded.names) columns.push({ name, span: target.span, derived: true, fromStar: true });
    }
    return { complete, columns };
  }

  private expandStar(shape: SelectShape, star: Extract<TargetShape, { kind: "star" }>): ColumnList {
    if (!star.qualifier) return concatenate(shape.from.map((item) => this.itemColumns(item)));
    const { schema, name } = star.qualifier;
    const entry = shape.namespace.find((candidate) => candidate.refName === name && (schema === undefined || candidate.schema === undefined || candidate.schema === schema));
    // NOTE: `t.*` naming a FROM item of an enclosing query level (legal in a correlated
    // subquery) is not searched for and leaves the output incomplete.
    return entry ? this.itemColumns(entry.item) : { names: [], complete: false };
  }

  /** Returns a scalar subquery's name (its first output column), or undefined when it is unknown. */
  private resolveName(source: ColumnNameSource): string | undefined {
    if (typeof source === "string") return source;
    const list = this.queryColumns(source.firstColumnOf);
    return list.names.length > 0 ? list.names[0] : undefined;
  }

  private queryColumns(shape: QueryShape): ColumnList {
    const cached = this.cache.get(shape);
    if (cached) return cached;
    if (this.resolving.has(shape)) return { names: [], complete: false };
    this.resolving.add(shape);
    const list = this.computeQueryColumns(shape);
    this.resolving.delete(shape);
    this.cache.set(shape, list);
    return list;
  }

  private computeQueryColumns(shape: QueryShape): ColumnList {
    switch (shape.kind) {
      case "select":
      case "values": {
        const output = this.expandTargets(shape);
        return { names: output.columns.map((column) => column.name), complete: output.complete };
      }
      case "setop":
        return this.queryColumns(shape.left);
      case "cte":
        return shape.cte.query ? this.queryColumns(shape.cte.query) : { names: [], complete: false };
      case "renamed": {
        const inner = this.queryColumns(shape.inner);
        return { names: rename(inner.names, shape.names), complete: inner.complete };
      }
      default:
        return { names: [], complete: false };
    }
  }

  private itemColumns(item: FromItemShape): ColumnList {
    switch (item.kind) {
      case "relation": {
        const names = this.lookupColumns(item.schema, item.name);
        if (!names) return { names: item.columnAliases ?? [], complete: false };
        return { names: rename(names, item.columnAliases), complete: true };
      }
      case "query": {
        const inner = this.queryColumns(item.query);
        return { names: rename(inner.names, item.columnAliases), complete: inner.complete };
      }
      case "columns":
        return item.columns ? { names: item.columns, complete: true } : { names: [], complete: false };
      case "join": {
        const joined = this.joinColumns(item);
        return { names: rename(joined.names, item.columnAliases), complete: joined.complete };
      }
    }
  }

  /**
   * Columns of a join as `*` sees them: for USING or NATURAL, the merged columns once (in
   * USING order, or the left side's order for NATURAL), then the left side's other columns,
   * then the right side's other columns.
   */
  private joinColumns(join: Extract<FromItemShape, { kind: "join" }>): ColumnList {
    const left = this.itemColumns(join.left);
    const right = this.itemColumns(join.right);
    const complete = left.complete && right.complete;
    let merged: string[] = [];
    if (join.using) {
      merged = join.using;
    } else if (join.natural) {
      // The common columns are only known when both sides are.
      if (!complete) return { names: [...left.names, ...right.names], complete: false };
      const rightNames = new Set(right.names);
      merged = left.names.filter((name) => rightNames.has(name));
    }
    if (merged.length === 0) return { names: [...left.names, ...right.names], complete };
    const mergedSet = new Set(merged);
    return {
      names: [...merged, ...left.names.filter((name) => !mergedSet.has(name)), ...right.names.filter((name) => !mergedSet.has(name))],
      complete,
    };
  }
}

function rename(names: string[], aliases: string[] | undefined): string[] {
  if (!aliases) return names;
  const renamed = names.map((name, index) => aliases[index] ?? name);
  // An alias list longer than the known columns still names columns, e.g. over an unknown relation.
  for (let index = names.length; index < aliases.length; index++) renamed.push(aliases[index]);
  return renamed;
}

function concatenate(lists: ColumnList[]): ColumnList {
  return { names: lists.flatMap((list) => list.names), complete: lists.every((list) => list.complete) };
}
