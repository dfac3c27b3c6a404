import type { RuleFinding, ViewRule } from "./types";

/**
 * view/duplicate-column: two output columns with one name; CREATE VIEW would fail with
 * "column specified more than once".
 * view/unnamed-column (warning): an expression without an alias, which PostgreSQL names
 * "?column?", a name that needs quoting in every query. Two of them are also a duplicate.
 */
export const outputColumnsRule: ViewRule = (analyzer, analysis) => {
  const output = analyzer.outputColumnsOf(analysis.view.id);
  if (!output) return [];
  const findings: RuleFinding[] = [];
  const seen = new Map<string, number>();
  output.columns.forEach((column, index) => {
    const range = analysis.toTemplateRange(column.aliasSpan ?? column.span);
    if (column.name === "?column?") {
      findings.push({
        ...range,
        severity: "warning",
        code: "view/unnamed-column",
        message: `Output column ${index + 1} has no name, so PostgreSQL calls it "?column?". Add an alias: <expression> AS <name>.`,
      });
      // A second unnamed column is also a duplicate: PostgreSQL rejects two "?column?" columns.
    }
    const first = seen.get(column.name);
    if (first !== undefined) {
      findings.push({
        ...range,
        severity: "error",
        code: "view/duplicate-column",
        message: `Output column "${column.name}" appears twice (columns ${first + 1} and ${index + 1}); a view's column names must be unique. Rename one with AS.`,
      });
      return;
    }
    seen.set(column.name, index);
  });
  return findings;
};
