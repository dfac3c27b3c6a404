import type { EngineDiagnostic } from "../diagnostics";
import type { ProjectAnalyzer, ViewAnalysis } from "../analysis/analyzer";

/** A diagnostic without its file: a rule reports on the view it checks. */
export type RuleFinding = Omit<EngineDiagnostic, "file">;

/** A check of one view. It reads the analysis and returns what it found. */
export type ViewRule = (analyzer: ProjectAnalyzer, analysis: ViewAnalysis) => RuleFinding[];
