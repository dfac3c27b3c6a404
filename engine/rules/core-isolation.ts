import type { ViewRule } from "./types";

/**
 * layering/core-isolation: views of the core schema read only core views (and raw relations).
 * Every application schema may read core, so core reading an application schema would tie
 * all schemas together.
 */
export const coreIsolationRule: ViewRule = (analyzer, analysis) => {
  const core = analyzer.project.config.coreSchema;
  if (analysis.view.schema !== core) return [];
  return analysis.references.flatMap((reference) => {
    if (reference.target.kind !== "managed" || reference.target.view.schema === core) return [];
    return [
      {
        start: reference.start,
        end: reference.end,
        severity: "error" as const,
        code: "layering/core-isolation" as const,
        message: `View ${analysis.view.id} references ${reference.target.view.id}: ${core} views may only reference ${core}. Move this view to ${reference.target.view.schema}, or the logic it needs to ${core}.`,
      },
    ];
  });
};
