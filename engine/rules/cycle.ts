import type { EngineDiagnostic } from "../diagnostics";
import type { ProjectAnalyzer } from "../analysis/analyzer";

/**
 * graph/cycle: views that read each other in a circle can never be created. Each view on the
 * cycle gets the finding at its reference to the next view, and the message shows the path.
 */
export function findCycles(analyzer: ProjectAnalyzer): EngineDiagnostic[] {
  const findings: EngineDiagnostic[] = [];
  for (const cycle of analyzer.graph.findCycles()) {
    const path = cycle.join(" -> ");
    for (let i = 0; i + 1 < cycle.length; i++) {
      const analysis = analyzer.getAnalysis(cycle[i]);
      if (!analysis) continue;
      const reference = analysis.references.find((candidate) => candidate.target.kind === "managed" && candidate.target.view.id === cycle[i + 1]);
      findings.push({
        file: analysis.view.file,
        start: reference?.start ?? 0,
        end: reference?.end ?? 0,
        severity: "error",
        code: "graph/cycle",
        message: `Dependency cycle: ${path}. Views on a cycle can never be created; break it by moving the shared part to a view of an earlier stage.`,
      });
    }
  }
  return findings;
}
