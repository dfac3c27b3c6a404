import type { ViewRule } from "./types";

/**
 * layering/stage-order: inside one schema, a view reads only views of a strictly earlier
 * stage. The stage folders then show the order views build in, and no two views of a stage
 * depend on each other. The message names the stage the view has to move to; the finding's
 * data carries it (`targetStage`, `targetFolder`) for the quick fix.
 */
export const stageOrderRule: ViewRule = (_analyzer, analysis) => {
  const view = analysis.view;
  const offending = analysis.references.filter(
    (reference) => reference.target.kind === "managed" && reference.target.view.schema === view.schema && reference.target.view.id !== view.id && reference.target.view.stage >= view.stage,
  );
  if (offending.length === 0) return [];
  let required = 0;
  for (const reference of analysis.references) {
    if (reference.target.kind === "managed" && reference.target.view.schema === view.schema && reference.target.view.id !== view.id) {
      required = Math.max(required, reference.target.view.stage + 1);
    }
  }
  const targetFolder = `${view.schema}_${required}`;
  return offending.map((reference) => {
    const other = reference.target.kind === "managed" ? reference.target.view : view;
    return {
      start: reference.start,
      end: reference.end,
      severity: "error" as const,
      code: "layering/stage-order" as const,
      message: `View ${view.id} (stage ${view.stage}) references ${other.id}, which is at stage ${other.stage}: a view may only reference views of its schema at an earlier stage. Move ${view.name}.sql to ${targetFolder}/ (stage ${required}).`,
      data: { targetStage: required, targetFolder },
    };
  });
};
