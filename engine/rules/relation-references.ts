import { formatIdentifier, suggestName } from "../text/suggest";
import type { RuleFinding, ViewRule } from "./types";

/**
 * reference/unqualified (warning): a relation named without its schema. PostgreSQL resolves it
 * through the search_path of the session that creates the view, so the same file can read
 * different tables in the editor, in CI and in production.
 *
 * reference/uncatalogued-relation (warning): a raw relation of a schema that the catalog
 * describes, which the catalog does not list. It is a typo or a table added since the last
 * `catalog pull`; either way the embedded dry run would not find it.
 */
export const relationReferencesRule: ViewRule = (analyzer, analysis) => {
  const project = analyzer.project;
  const catalogSchemas = new Set([...project.catalog.relations.values()].map((relation) => relation.schema));
  const findings: RuleFinding[] = [];
  for (const reference of analysis.references) {
    if (!reference.schema) {
      findings.push({
        start: reference.start,
        end: reference.end,
        severity: "warning",
        code: "reference/unqualified",
        message: `${formatIdentifier(reference.name)} has no schema, so it resolves through the search_path of whoever runs the sync. Write it as <schema>.${formatIdentifier(reference.name)}.`,
      });
      continue;
    }
    if (reference.target.kind !== "raw" || project.managedSchemas.has(reference.schema) || !catalogSchemas.has(reference.schema)) continue;
    const sameSchema = [...project.catalog.relations.values()].filter((relation) => relation.schema === reference.schema).map((relation) => relation.name);
    const suggestion = suggestName(reference.name, sameSchema);
    const hint = suggestion ? ` Did you mean ${formatIdentifier(reference.schema)}.${formatIdentifier(suggestion)}?` : "";
    findings.push({
      start: reference.start,
      end: reference.end,
      severity: "warning",
      code: "reference/uncatalogued-relation",
      message: `${formatIdentifier(reference.schema)}.${formatIdentifier(reference.name)} is not in the catalog of schema ${reference.schema}.${hint} If the table is new, run synced-views catalog pull.`,
    });
  }
  return findings;
};
