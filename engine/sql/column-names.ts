/**
 * The name PostgreSQL gives an output column that has no alias, ported from FigureColnameInternal
 * in src/backend/parser/parse_target.c (PostgreSQL 18, the grammar libpg-query 18 uses).
 */
import type { PgNode } from "./parser";
import type { ColumnNameSource, QueryShape } from "./types";

/**
 * A candidate name and its strength: 2 for a name as good as a column's (column references,
 * function names), 1 for a fallback (a cast's type name, `case`), 0 for no name at all.
 * A cast or CASE keeps its operand's name only when that name has strength 2.
 */
interface NameCandidate {
  name: ColumnNameSource;
  strength: number;
}

const NO_NAME: NameCandidate = { name: "?column?", strength: 0 };

const SQL_VALUE_FUNCTION_NAMES: Record<string, string> = {
  SVFOP_CURRENT_DATE: "current_date",
  SVFOP_CURRENT_TIME: "current_time",
  SVFOP_CURRENT_TIME_N: "current_time",
  SVFOP_CURRENT_TIMESTAMP: "current_timestamp",
  SVFOP_CURRENT_TIMESTAMP_N: "current_timestamp",
  SVFOP_LOCALTIME: "localtime",
  SVFOP_LOCALTIME_N: "localtime",
  SVFOP_LOCALTIMESTAMP: "localtimestamp",
  SVFOP_LOCALTIMESTAMP_N: "localtimestamp",
  SVFOP_CURRENT_ROLE: "current_role",
  SVFOP_CURRENT_USER: "current_user",
  SVFOP_USER: "user",
  SVFOP_SESSION_USER: "session_user",
  SVFOP_CURRENT_CATALOG: "current_catalog",
  SVFOP_CURRENT_SCHEMA: "current_schema",
};

const XML_FUNCTION_NAMES: Record<string, string> = {
  IS_XMLCONCAT: "xmlconcat",
  IS_XMLELEMENT: "xmlelement",
  IS_XMLFOREST: "xmlforest",
  IS_XMLPARSE: "xmlparse",
  IS_XMLPI: "xmlpi",
  IS_XMLROOT: "xmlroot",
  IS_XMLSERIALIZE: "xmlserialize",
};

const JSON_FUNCTION_NAMES: Record<string, string> = {
  JSON_EXISTS_OP: "json_exists",
  JSON_QUERY_OP: "json_query",
  JSON_VALUE_OP: "json_value",
};

/** Constructs that PostgreSQL names like a function call, by node type. */
const FIXED_NAMES: Record<string, string> = {
  GroupingFunc: "grouping",
  MergeSupportFunc: "merge_action",
  A_ArrayExpr: "array",
  RowExpr: "row",
  CoalesceExpr: "coalesce",
  XmlSerialize: "xmlserialize",
  JsonParseExpr: "json",
  JsonScalarExpr: "json_scalar",
  JsonSerializeExpr: "json_serialize",
  JsonObjectConstructor: "json_object",
  JsonArrayConstructor: "json_array",
  JsonArrayQueryConstructor: "json_array",
  JsonObjectAgg: "json_objectagg",
  JsonArrayAgg: "json_arrayagg",
};

/**
 * Returns the name PostgreSQL gives a select-list expression without an alias, `?column?` when it
 * gives none. `subqueryShape` returns the analysed shape of a scalar subquery's SELECT, whose
 * first output column names the expression.
 */
export function figureColumnName(expression: PgNode, subqueryShape: (select: PgNode) => QueryShape | undefined): ColumnNameSource {
  return figureName(expression, subqueryShape).name;
}

function lastString(list: PgNode[] | undefined): string | undefined {
  let name: string | undefined;
  for (const item of list ?? []) {
    if (item && item.String) name = item.String.sval ?? "";
  }
  return name;
}

function figureName(wrapped: PgNode | undefined, subqueryShape: (select: PgNode) => QueryShape | undefined): NameCandidate {
  if (!wrapped || typeof wrapped !== "object") return NO_NAME;
  const type = Object.keys(wrapped)[0];
  const node = wrapped[type] as PgNode;
  if (!node || typeof node !== "object") return NO_NAME;

  const fixed = FIXED_NAMES[type];
  if (fixed) return { name: fixed, strength: 2 };

  switch (type) {
    case "ColumnRef": {
      const name = lastString(node.fields);
      return name === undefined ? NO_NAME : { name, strength: 2 };
    }
    case "A_Indirection": {
      const name = lastString(node.indirection);
      return name === undefined ? figureName(node.arg, subqueryShape) : { name, strength: 2 };
    }
    case "FuncCall": {
      const name = lastString(node.funcname);
      return name === undefined ? NO_NAME : { name, strength: 2 };
    }
    case "A_Expr":
      return node.kind === "AEXPR_NULLIF" ? { name: "nullif", strength: 2 } : NO_NAME;
    case "TypeCast": {
      const operand = figureName(node.arg, subqueryShape);
      if (operand.strength <= 1) {
        const typeName = lastString(node.typeName?.names);
        if (typeName !== undefined) return { name: typeName, strength: 1 };
      }
      return operand;
    }
    case "CollateClause":
      return figureName(node.arg, subqueryShape);
    case "SubLink":
      return figureSubLinkName(node, subqueryShape);
    case "CaseExpr": {
      const result = figureName(node.defresult, subqueryShape);
      return result.strength <= 1 ? { name: "case", strength: 1 } : result;
    }
    case "MinMaxExpr":
      if (node.op === "IS_GREATEST") return { name: "greatest", strength: 2 };
      if (node.op === "IS_LEAST") return { name: "least", strength: 2 };
      return NO_NAME;
    case "SQLValueFunction": {
      const name = SQL_VALUE_FUNCTION_NAMES[node.op as string];
      return name ? { name, strength: 2 } : NO_NAME;
    }
    case "XmlExpr": {
      const name = XML_FUNCTION_NAMES[node.op as string];
      return name ? { name, strength: 2 } : NO_NAME;
    }
    case "JsonFuncExpr": {
      const name = JSON_FUNCTION_NAMES[node.op as string];
      return name ? { name, strength: 2 } : NO_NAME;
    }
    default:
      return NO_NAME;
  }
}

function figureSubLinkName(node: PgNode, subqueryShape: (select: PgNode) => QueryShape | undefined): NameCandidate {
  switch (node.subLinkType) {
    case "EXISTS_SUBLINK":
      return { name: "exists", strength: 2 };
    case "ARRAY_SUBLINK":
      return { name: "array", strength: 2 };
    case "EXPR_SUBLINK": {
      // PostgreSQL names a scalar subquery after its single output column, which for
      // `(select * from t)` is only known once the catalog expands the star.
      const select = node.subselect?.SelectStmt;
      const shape = select ? subqueryShape(select) : undefined;
      return shape ? { name: { firstColumnOf: shape }, strength: 2 } : NO_NAME;
    }
    default:
      return NO_NAME;
  }
}
