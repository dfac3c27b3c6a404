import type { ViewRule } from "./types";

/**
 * layering/cross-schema: a view never reads a managed view of another application schema.
 * Application schemas share logic only through the core schema, so each can change without
 * breaking another team's views.
 */
export const crossSchemaRule: ViewRule = (analyzer, analysis) => {
  const core = analyzer.project.config.coreSchema;
  const own = analysis.view.schema;
  if (own === core) return [];
  return analysis.references.flatMap((reference) => {
    if (reference.target.kind !== "managed") return [];
    const other = reference.target.view;
    if (other.schema === own || other.schema === core) return [];
    return [
      {
        start: reference.start,
        end: reference.end,
        severity: "error" as const,
        code: "layering/cross-schema" as const,
        message: `View ${analysis.view.id} references ${other.id}: application schemas may only reference their own schema and ${core}. Move the shared logic to ${core}.`,
      },
    ];
  });
};
