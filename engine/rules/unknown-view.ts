import { formatIdentifier, suggestName } from "../text/suggest";
import type { ViewRule } from "./types";

/**
 * reference/unknown-view: a reference into a schema the project manages names no view of
 * that schema and no catalogued relation. It is most often a typo or a view that was renamed,
 * so the message suggests the closest view name.
 */
export const unknownViewRule: ViewRule = (analyzer, analysis) => {
  const project = analyzer.project;
  return analysis.references.flatMap((reference) => {
    if (reference.target.kind !== "raw" || !reference.schema || !project.managedSchemas.has(reference.schema)) return [];
    const sameSchema = [...project.views.values()].filter((view) => view.schema === reference.schema).map((view) => view.id);
    const id = `${reference.schema}.${reference.name}`;
    const suggestion = suggestName(id, sameSchema) ?? suggestName(id, project.views.keys());
    const hint = suggestion ? ` Did you mean ${suggestion}?` : "";
    return [
      {
        start: reference.start,
        end: reference.end,
        severity: "error" as const,
        code: "reference/unknown-view" as const,
        message: `Unknown view ${formatIdentifier(reference.schema)}.${formatIdentifier(reference.name)}: schema ${reference.schema} is managed by this project and has no view ${formatIdentifier(reference.name)}.${hint}`,
        data: suggestion ? { suggestion } : undefined,
      },
    ];
  });
};
