/**
 * Walks one statement's parse tree with PostgreSQL's name scoping: collects relation and
 * qualified column references and records each query level's output-column shape.
 *
 * Scoping rules followed (PostgreSQL 18, parse_cte.c and parse_relation.c):
 * - a CTE is visible in the rest of its WITH list and in the query the WITH belongs to. In a
 *   WITH RECURSIVE list, every CTE is visible in every CTE body, including its own;
 * - an inner WITH shadows an outer one, and only an unqualified name can refer to a CTE;
 * - a subquery in FROM sees the FROM items before it only when it is LATERAL, while function
 *   calls in FROM always do;
 * - a JOIN with an alias hides the names of the relations inside it.
 */
import { figureColumnName } from "./column-names";
import type { PgNode } from "./parser";
import type { TokenIndex } from "./tokens";
import type {
  ByteSpan,
  ColumnReference,
  CteShape,
  FromItemShape,
  NamespaceShape,
  QueryShape,
  RelationReference,
  TargetShape,
} from "./types";

interface NamespaceEntry extends NamespaceShape {
  /** The relation reference behind an entry for a plain relation. */
  relation?: RelationReference;
}

/** One level of name visibility: the CTEs of a WITH, or the FROM items of one query level. */
interface Scope {
  parent?: Scope;
  ctes: Map<string, CteShape>;
  entries: NamespaceEntry[];
}

export interface StatementReferences {
  relations: RelationReference[];
  columnReferences: ColumnReference[];
  /** The statement's output shape when it is a query or a DML statement with RETURNING. */
  shape?: QueryShape;
}

/** Collects the relations, qualified column references and output shape of one raw statement. */
export function collectReferences(statement: PgNode, tokens: TokenIndex): StatementReferences {
  const walker = new ReferenceWalker(tokens);
  const shape = walker.walkStatement(statement);
  return { ...walker.finish(), shape };
}

function stringList(list: PgNode[] | undefined): string[] {
  const names: string[] = [];
  for (const item of list ?? []) {
    if (item && item.String) names.push(item.String.sval ?? "");
  }
  return names;
}

function optionalStringList(list: PgNode[] | undefined): string[] | undefined {
  const names = stringList(list);
  return names.length > 0 ? names : undefined;
}

function nodeType(wrapped: PgNode | undefined): string | undefined {
  if (!wrapped || typeof wrapped !== "object") return undefined;
  const keys = Object.keys(wrapped);
  return keys.length === 1 && /^[A-Z]/.test(keys[0]) ? keys[0] : undefined;
}

function findCte(scope: Scope | undefined, name: string): CteShape | undefined {
  for (let current = scope; current; current = current.parent) {
    const cte = current.ctes.get(name);
    if (cte) return cte;
  }
  return undefined;
}

/** Returns the smallest node location in a subtree, or -1 when it has none. */
function minimumLocation(value: unknown): number {
  let minimum = -1;
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const current = pending.pop();
    if (Array.isArray(current)) {
      pending.push(...current);
    } else if (current && typeof current === "object") {
      for (const [key, child] of Object.entries(current)) {
        if (key !== "location") pending.push(child);
        else if (typeof child === "number" && child >= 0 && (minimum < 0 || child < minimum)) minimum = child;
      }
    }
  }
  return minimum;
}

class ReferenceWalker {
  private readonly tokens: TokenIndex;
  private readonly relations: RelationReference[] = [];
  private readonly columns: { reference: ColumnReference; relation?: RelationReference }[] = [];
  /** Shapes of the SELECTs inside sublinks, keyed by the SelectStmt node, for naming scalar subqueries. */
  private readonly subqueryShapes = new Map<PgNode, QueryShape>();

  constructor(tokens: TokenIndex) {
    this.tokens = tokens;
  }

  walkStatement(wrapped: PgNode): QueryShape | undefined {
    const root: Scope = { ctes: new Map(), entries: [] };
    const type = nodeType(wrapped);
    if (type === "SelectStmt") return this.walkSelect(wrapped.SelectStmt, root);
    this.walkValue(wrapped, root);
    return undefined;
  }

  /** Sorts the collected references into source order and links column references to relations. */
  finish(): { relations: RelationReference[]; columnReferences: ColumnReference[] } {
    const relations = [...this.relations].sort((a, b) => a.span.start - b.span.start);
    const indexOf = new Map(relations.map((relation, index) => [relation, index]));
    const columns = [...this.columns].sort((a, b) => a.reference.span.start - b.reference.span.start);
    const columnReferences = columns.map(({ reference, relation }) => {
      const index = relation ? indexOf.get(relation) : undefined;
      return index === undefined ? reference : { ...reference, relationIndex: index };
    });
    return { relations, columnReferences };
  }

  // Query levels.

  private walkSelect(select: PgNode | undefined, parent: Scope): QueryShape {
    if (!select || typeof select !== "object") return { kind: "unknown" };
    const scope = select.withClause ? this.walkWith(select.withClause, parent) : parent;

    if (select.op && select.op !== "SETOP_NONE") return this.walkSetOperation(select, scope);

    if (select.valuesLists) {
      this.walkValue(select.valuesLists, scope);
      this.walkValue([select.sortClause, select.limitOffset, select.limitCount], scope);
      const firstRow: PgNode[] = select.valuesLists[0]?.List?.items ?? [];
      const targets: TargetShape[] = firstRow.map((item, index) => ({
        kind: "expression",
        name: `column${index + 1}`,
        span: this.valuesItemSpan(item),
        derived: true,
      }));
      return { kind: "values", targets };
    }

    const level: Scope = { parent: scope, ctes: new Map(), entries: [] };
    const from = ((select.fromClause ?? []) as PgNode[]).map((item) => this.walkFromItem(item, level));
    const targets = ((select.targetList ?? []) as PgNode[]).map((target) => this.walkTarget(target, level));
    this.walkValue(
      [
        select.distinctClause,
        select.whereClause,
        select.groupClause,
        select.havingClause,
        select.windowClause,
        select.sortClause,
        select.limitOffset,
        select.limitCount,
        select.lockingClause,
      ],
      level,
    );
    return { kind: "select", targets, from, namespace: level.entries.map(toNamespaceShape) };
  }

  /**
   * Walks UNION, INTERSECT and EXCEPT, whose two sides are bare SelectStmt objects rather than
   * wrapped nodes. `a UNION b UNION c ...` nests one level per operator on the left side, so
   * that side is followed in a loop instead of by recursion.
   */
  private walkSetOperation(select: PgNode, scope: Scope): QueryShape {
    const chain: PgNode[] = [select];
    let leftmost: PgNode | undefined = select.larg;
    while (leftmost && leftmost.op && leftmost.op !== "SETOP_NONE" && !leftmost.withClause) {
      chain.push(leftmost);
      leftmost = leftmost.larg;
    }
    const left = this.walkSelect(leftmost, scope);
    for (let index = chain.length - 1; index >= 0; index--) {
      const operation = chain[index];
      this.walkSelect(operation.rarg, scope);
      this.walkValue([operation.sortClause, operation.limitOffset, operation.limitCount, operation.lockingClause], scope);
    }
    return { kind: "setop", left };
  }

  private walkWith(withClause: PgNode, parent: Scope): Scope {
    const scope: Scope = { parent, ctes: new Map(), entries: [] };
    const definitions: PgNode[] = ((withClause.ctes ?? []) as PgNode[])
      .map((item) => item?.CommonTableExpr)
      .filter((cte): cte is PgNode => Boolean(cte));
    const shapes: CteShape[] = definitions.map((cte) => ({ name: cte.ctename ?? "" }));
    if (withClause.recursive) {
      for (const shape of shapes) scope.ctes.set(shape.name, shape);
    }
    definitions.forEach((cte, index) => {
      const body = this.walkQuery(cte.ctequery, scope);
      const names = optionalStringList(cte.aliascolnames);
      shapes[index].query = names ? { kind: "renamed", inner: body, names } : body;
      // Set only now: inside a non-recursive CTE's body, its own name still refers to the
      // outer relation or CTE it shadows.
      scope.ctes.set(shapes[index].name, shapes[index]);
    });
    return scope;
  }

  /** Walks a wrapped query node: a SELECT, or a data-modifying statement inside a CTE. */
  private walkQuery(wrapped: PgNode | undefined, scope: Scope): QueryShape {
    const type = nodeType(wrapped);
    if (!type || !wrapped) return { kind: "unknown" };
    if (type === "SelectStmt") return this.walkSelect(wrapped.SelectStmt, scope);
    if (type === "InsertStmt" || type === "UpdateStmt" || type === "DeleteStmt" || type === "MergeStmt") {
      return this.walkModification(type, wrapped[type], scope);
    }
    this.walkValue(wrapped, scope);
    return { kind: "unknown" };
  }

  /** Walks INSERT, UPDATE, DELETE or MERGE; its target is always a relation, never a CTE. */
  private walkModification(type: string, statement: PgNode, parent: Scope): QueryShape {
    const scope = statement.withClause ? this.walkWith(statement.withClause, parent) : parent;
    const level: Scope = { parent: scope, ctes: new Map(), entries: [] };
    const from: FromItemShape[] = [];
    if (statement.relation) {
      const target = statement.relation as PgNode;
      const relation = this.addRelation(target);
      const item: FromItemShape = { kind: "relation", schema: target.schemaname, name: target.relname ?? "" };
      from.push(item);
      level.entries.push({
        refName: target.alias?.aliasname ?? target.relname ?? "",
        schema: target.alias ? undefined : target.schemaname,
        relation,
        item,
      });
    }

    if (type === "InsertStmt") {
      // The source query of an INSERT cannot see the target table's columns.
      if (statement.selectStmt) this.walkQuery(statement.selectStmt, scope);
      this.walkValue(statement.onConflictClause, level);
    } else if (type === "UpdateStmt") {
      for (const item of (statement.fromClause ?? []) as PgNode[]) this.walkFromItem(item, level);
      this.walkValue([statement.targetList, statement.whereClause], level);
    } else if (type === "DeleteStmt") {
      for (const item of (statement.usingClause ?? []) as PgNode[]) this.walkFromItem(item, level);
      this.walkValue(statement.whereClause, level);
    } else if (type === "MergeStmt") {
      if (statement.sourceRelation) this.walkFromItem(statement.sourceRelation, level);
      this.walkValue([statement.joinCondition, statement.mergeWhenClauses], level);
    }

    const returning: PgNode[] | undefined = statement.returningClause?.exprs ?? statement.returningList;
    if (!returning || returning.length === 0) return { kind: "unknown" };
    const targets = returning.map((target) => this.walkTarget(target, level));
    return { kind: "select", targets, from, namespace: level.entries.map(toNamespaceShape) };
  }

  // FROM items.

  private walkFromItem(wrapped: PgNode, level: Scope): FromItemShape {
    const type = nodeType(wrapped);
    const node: PgNode = type ? wrapped[type] : {};
    switch (type) {
      case "RangeVar":
        return this.walkRangeVar(node, level);
      case "RangeSubselect": {
        // Without LATERAL, the enclosing query levels are visible in the subquery, but its
        // sibling FROM items are not.
        const query = this.walkQuery(node.subquery, node.lateral ? level : (level.parent ?? level));
        const item: FromItemShape = { kind: "query", query, columnAliases: optionalStringList(node.alias?.colnames) };
        if (node.alias?.aliasname) level.entries.push({ refName: node.alias.aliasname, item });
        return item;
      }
      case "RangeFunction":
        return this.walkRangeFunction(node, level);
      case "JoinExpr":
        return this.walkJoin(node, level);
      case "RangeTableSample": {
        const item = this.walkFromItem(node.relation, level);
        this.walkValue([node.args, node.repeatable], level);
        return item;
      }
      case "RangeTableFunc": {
        this.walkValue([node.docexpr, node.rowexpr, node.namespaces, node.columns], level);
        const columns = ((node.columns ?? []) as PgNode[]).map((column) => column?.RangeTableFuncCol?.colname ?? "");
        const item: FromItemShape = { kind: "columns", columns: applyAliases(columns, optionalStringList(node.alias?.colnames)) };
        if (node.alias?.aliasname) level.entries.push({ refName: node.alias.aliasname, item });
        return item;
      }
      default: {
        // JSON_TABLE and any other table source: walked for sublinks; its columns are left unknown.
        this.walkValue(wrapped, level);
        const item: FromItemShape = { kind: "columns" };
        if (node.alias?.aliasname) level.entries.push({ refName: node.alias.aliasname, item });
        return item;
      }
    }
  }

  private walkRangeVar(node: PgNode, level: Scope): FromItemShape {
    const relname: string = node.relname ?? "";
    const aliasName: string | undefined = node.alias?.aliasname;
    const columnAliases = optionalStringList(node.alias?.colnames);
    if (node.schemaname === undefined && node.catalogname === undefined) {
      const cte = findCte(level, relname);
      if (cte) {
        const item: FromItemShape = { kind: "query", query: { kind: "cte", cte }, columnAliases };
        level.entries.push({ refName: aliasName ?? relname, item });
        return item;
      }
    }
    const relation = this.addRelation(node);
    const item: FromItemShape = { kind: "relation", schema: node.schemaname, name: relname, columnAliases };
    level.entries.push({
      refName: aliasName ?? relname,
      schema: aliasName === undefined ? node.schemaname : undefined,
      relation,
      item,
    });
    return item;
  }

  private walkRangeFunction(node: PgNode, level: Scope): FromItemShape {
    // Function arguments may refer to earlier FROM items even without LATERAL.
    this.walkValue(node.functions, level);
    const functions = (node.functions ?? []) as PgNode[];
    let columns: string[] | undefined;
    const definitions = (node.coldeflist ?? []) as PgNode[];
    if (definitions.length > 0) {
      columns = definitions.map((definition) => definition?.ColumnDef?.colname ?? "");
      if (node.ordinality) columns.push("ordinality");
    }
    // NOTE: without a column definition list the columns depend on the function's return type,
    // which is only in the catalog, so `*` over such a function leaves the output incomplete.
    const item: FromItemShape = { kind: "columns", columns: applyAliases(columns, optionalStringList(node.alias?.colnames)) };
    let refName: string | undefined = node.alias?.aliasname;
    if (refName === undefined && functions.length === 1 && !node.is_rowsfrom) {
      const call = functions[0]?.List?.items?.[0]?.FuncCall;
      const names = stringList(call?.funcname);
      refName = names[names.length - 1];
    }
    if (refName !== undefined) level.entries.push({ refName, item });
    return item;
  }

  private walkJoin(node: PgNode, level: Scope): FromItemShape {
    const firstEntry = level.entries.length;
    const left = this.walkFromItem(node.larg, level);
    const right = this.walkFromItem(node.rarg, level);
    this.walkValue(node.quals, level);
    const using = optionalStringList(node.usingClause);
    const item: FromItemShape = {
      kind: "join",
      left,
      right,
      using,
      natural: Boolean(node.isNatural),
      columnAliases: optionalStringList(node.alias?.colnames),
    };
    if (node.alias?.aliasname) {
      level.entries.splice(firstEntry);
      level.entries.push({ refName: node.alias.aliasname, item });
    }
    if (node.join_using_alias?.aliasname && using) {
      level.entries.push({ refName: node.join_using_alias.aliasname, item: { kind: "columns", columns: using } });
    }
    return item;
  }

  // Select lists and expressions.

  private walkTarget(wrapped: PgNode, level: Scope): TargetShape {
    const target: PgNode | undefined = wrapped?.ResTarget;
    if (!target) {
      this.walkValue(wrapped, level);
      return { kind: "expression", name: "?column?", span: { start: 0, end: 0 }, derived: true };
    }
    this.walkValue(target.val, level);
    const location: number = target.location ?? -1;
    const first = this.tokenAt(location);
    const last = first >= 0 ? this.tokens.listItemEnd(first) : -1;
    const span = last >= 0 ? this.tokens.span(first, last) : { start: Math.max(location, 0), end: Math.max(location, 0) };

    const star = starQualifier(target.val);
    if (star) return { kind: "star", qualifier: star.qualifier, span };
    if (typeof target.name === "string") {
      // The grammar puts the alias last: `expr AS label` or `expr label`.
      const aliasSpan = last >= 0 ? this.tokens.span(last, last) : undefined;
      return { kind: "expression", name: target.name, span, aliasSpan, derived: false };
    }
    const name = figureColumnName(target.val, (select) => this.subqueryShapes.get(select));
    return { kind: "expression", name, span, derived: true };
  }

  /**
   * Walks any part of the tree, dispatching on wrapped nodes and descending into plain objects.
   * Iterative, because operator chains such as `a + b + c ...` nest one level per operator;
   * only query levels (subqueries, CTEs) add JavaScript stack frames.
   */
  private walkValue(value: unknown, scope: Scope): void {
    const pending: unknown[] = [value];
    while (pending.length > 0) {
      const current = pending.pop();
      if (Array.isArray(current)) {
        for (let index = current.length - 1; index >= 0; index--) pending.push(current[index]);
        continue;
      }
      if (!current || typeof current !== "object") continue;
      const object = current as PgNode;
      const type = nodeType(object);
      const node = type ? (object[type] as PgNode) : object;
      if (!node || typeof node !== "object") continue;
      if (type && this.walkSpecialNode(type, node, scope)) continue;
      const keys = Object.keys(node);
      for (let index = keys.length - 1; index >= 0; index--) pending.push(node[keys[index]]);
    }
  }

  /** Handles the node types that open a query level or record a reference; returns false for the rest. */
  private walkSpecialNode(type: string, node: PgNode, scope: Scope): boolean {
    switch (type) {
      case "ColumnRef":
        this.addColumnReference(node, scope);
        return true;
      case "SubLink": {
        this.walkValue(node.testexpr, scope);
        const select: PgNode | undefined = node.subselect?.SelectStmt;
        if (select) this.subqueryShapes.set(select, this.walkSelect(select, scope));
        else this.walkValue(node.subselect, scope);
        return true;
      }
      case "SelectStmt":
        this.walkSelect(node, scope);
        return true;
      case "InsertStmt":
      case "UpdateStmt":
      case "DeleteStmt":
      case "MergeStmt":
        this.walkModification(type, node, scope);
        return true;
      case "RangeVar":
        // A relation outside a FROM clause, such as the source of CREATE TABLE ... (LIKE t).
        this.walkRangeVar(node, { parent: scope, ctes: new Map(), entries: [] });
        return true;
      case "ViewStmt":
      case "CreateTableAsStmt":
      case "ExplainStmt":
        // The view, table or EXPLAIN wraps a query; the object being created is not a reference.
        this.walkValue(node.query, scope);
        return true;
      case "IntoClause":
        // The table SELECT INTO creates.
        return true;
      default:
        return false;
    }
  }

  // References.

  private tokenAt(location: number): number {
    if (location < 0) return -1;
    const index = this.tokens.indexAt(location);
    return index >= 0 && this.tokens.tokens[index].start === location ? index : -1;
  }

  private addRelation(node: PgNode): RelationReference {
    const location: number = node.location ?? -1;
    const parts = [node.catalogname, node.schemaname, node.relname].filter((part) => part !== undefined).length;
    const first = this.tokenAt(location);
    const last = this.tokens.dottedNameEnd(first, Math.max(parts, 1));
    const fallback: ByteSpan = { start: Math.max(location, 0), end: Math.max(location, 0) };
    const relation: RelationReference = {
      name: node.relname ?? "",
      span: last >= 0 ? this.tokens.span(first, last) : fallback,
      nameSpan: last >= 0 ? this.tokens.span(last, last) : fallback,
    };
    if (node.schemaname !== undefined) relation.schema = node.schemaname;
    if (node.alias?.aliasname !== undefined) relation.alias = node.alias.aliasname;
    this.relations.push(relation);
    return relation;
  }

  private addColumnReference(node: PgNode, scope: Scope): void {
    const fields = (node.fields ?? []) as PgNode[];
    const count = fields.length;
    if (count < 2) return;
    const column: string | undefined = fields[count - 1]?.String?.sval;
    const qualifier: string | undefined = fields[count - 2]?.String?.sval;
    if (column === undefined || qualifier === undefined) return;
    const schema: string | undefined = count >= 3 ? fields[count - 3]?.String?.sval : undefined;

    const location: number = node.location ?? -1;
    const first = this.tokenAt(location);
    const last = this.tokens.dottedNameEnd(first, count);
    const fallback: ByteSpan = { start: Math.max(location, 0), end: Math.max(location, 0) };
    const reference: ColumnReference = {
      qualifier,
      column,
      span: last >= 0 ? this.tokens.span(first, last) : fallback,
      columnSpan: last >= 0 ? this.tokens.span(last, last) : fallback,
    };
    this.columns.push({ reference, relation: resolveQualifier(scope, qualifier, schema) });
  }

  private valuesItemSpan(item: PgNode): ByteSpan {
    // Expression nodes locate their operator, not their first token, so the item starts at the
    // smallest location inside it.
    // NOTE: an item that starts with '(' starts one token late, at its first located token.
    const location = minimumLocation(item);
    const first = this.tokenAt(location);
    if (first < 0) return { start: Math.max(location, 0), end: Math.max(location, 0) };
    return this.tokens.span(first, this.tokens.listItemEnd(first));
  }
}

/**
 * Recognises the select-list items that expand to several columns: `*`, `t.*`, `s.t.*` and
 * `(t).*`. Returns undefined for anything else. For `(expr).*` over something other than a
 * plain name the qualifier is empty, so the expansion is left unknown.
 */
function starQualifier(value: PgNode | undefined): { qualifier?: { schema?: string; name: string } } | undefined {
  let fields: PgNode[] | undefined = value?.ColumnRef?.fields;
  const indirection: PgNode[] | undefined = value?.A_Indirection?.indirection;
  if (indirection && indirection.length > 0 && indirection[indirection.length - 1]?.A_Star) {
    const argumentFields: PgNode[] | undefined = value?.A_Indirection?.arg?.ColumnRef?.fields;
    if (indirection.length !== 1 || !argumentFields || argumentFields.some((field) => !field?.String)) {
      return { qualifier: { name: "" } };
    }
    fields = [...argumentFields, { A_Star: {} }];
  }
  if (!fields || fields.length === 0 || !fields[fields.length - 1]?.A_Star) return undefined;
  const names = stringList(fields);
  if (names.length === 0) return {};
  return { qualifier: { schema: names.length > 1 ? names[names.length - 2] : undefined, name: names[names.length - 1] } };
}

function toNamespaceShape(entry: NamespaceEntry): NamespaceShape {
  return entry.schema === undefined ? { refName: entry.refName, item: entry.item } : { refName: entry.refName, schema: entry.schema, item: entry.item };
}

/** Renames the first columns to the alias column names written in `AS alias(a, b)`. */
function applyAliases(columns: string[] | undefined, aliases: string[] | undefined): string[] | undefined {
  if (!columns || !aliases) return columns;
  return columns.map((column, index) => aliases[index] ?? column);
}

/**
 * Returns the relation a column qualifier refers to: the innermost query level with a FROM item
 * of that name decides, and the result is undefined when that item is not a plain relation.
 */
function resolveQualifier(scope: Scope, qualifier: string, schema: string | undefined): RelationReference | undefined {
  for (let current: Scope | undefined = scope; current; current = current.parent) {
    for (const entry of current.entries) {
      if (entry.refName !== qualifier) continue;
      if (schema !== undefined && entry.schema !== undefined && entry.schema !== schema) continue;
      return entry.relation;
    }
  }
  return undefined;
}
