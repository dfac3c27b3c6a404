import type { EngineDiagnostic } from "../diagnostics";
import type { ProjectAnalyzer, ViewAnalysis } from "../analysis/analyzer";
import type { ViewRule } from "./types";
import { crossSchemaRule } from "./cross-schema";
import { coreIsolationRule } from "./core-isolation";
import { stageOrderRule } from "./stage-order";
import { unknownViewRule } from "./unknown-view";
import { unknownColumnRule } from "./unknown-column";
import { outputColumnsRule } from "./output-columns";
import { relationReferencesRule } from "./relation-references";
import { findCycles } from "./cycle";

/** Rules that check one view; they run after the view rendered and parsed without errors. */
const VIEW_RULES: ViewRule[] = [crossSchemaRule, coreIsolationRule, stageOrderRule, unknownViewRule, unknownColumnRule, outputColumnsRule, relationReferencesRule];

export function runViewRules(analyzer: ProjectAnalyzer, analysis: ViewAnalysis): EngineDiagnostic[] {
  if (!analysis.parsed || analysis.parsed.syntaxError) return [];
  const file = analysis.view.file;
  return VIEW_RULES.flatMap((rule) => rule(analyzer, analysis).map((finding) => ({ file, ...finding })));
}

/** Rules over the whole graph. */
export function runProjectRules(analyzer: ProjectAnalyzer): EngineDiagnostic[] {
  return findCycles(analyzer);
}
