import { formatIdentifier, suggestName } from "../text/suggest";
import type { ViewRule } from "./types";

/** System columns every table has; views do not, but PostgreSQL reports those itself. */
const SYSTEM_COLUMNS = new Set(["ctid", "xmin", "xmax", "cmin", "cmax", "tableoid"]);

/**
 * reference/unknown-column: `alias.column` where the alias stands for a managed view or a
 * catalogued relation that has no such column. Views whose columns cannot be known (a syntax
 * error upstream, a `*` over an uncatalogued table) are not checked.
 */
export const unknownColumnRule: ViewRule = (analyzer, analysis) => {
  return analysis.columnReferences.flatMap((reference) => {
    const target = reference.relation?.target;
    if (!target || target.kind === "raw") return [];
    let columns: string[] | undefined;
    let owner: string;
    if (target.kind === "managed") {
      const output = analyzer.outputColumnsOf(target.view.id);
      if (!output?.complete) return [];
      columns = output.columns.map((column) => column.name);
      owner = `view ${target.view.id}`;
    } else {
      columns = target.relation.columns.map((column) => column.name);
      owner = `table ${target.relation.schema}.${target.relation.name} (catalog)`;
      if (SYSTEM_COLUMNS.has(reference.column)) return [];
    }
    if (columns.includes(reference.column)) return [];
    const suggestion = suggestName(reference.column, columns);
    const qualifier = formatIdentifier(reference.qualifier);
    const hint = suggestion ? ` Did you mean ${qualifier}.${formatIdentifier(suggestion)}?` : "";
    return [
      {
        start: reference.columnStart,
        end: reference.columnEnd,
        severity: "error" as const,
        code: "reference/unknown-column" as const,
        message: `Column ${formatIdentifier(reference.column)} does not exist in ${owner}, which ${qualifier} refers to.${hint}`,
        data: suggestion ? { suggestion } : undefined,
      },
    ];
  });
};
