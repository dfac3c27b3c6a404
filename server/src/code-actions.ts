/**
 * Quick fixes for rule violations: `layering/stage-order` moves the file to the stage folder
 * the rule names, `reference/unknown-view` and `reference/unknown-column` replace the name with
 * the suggested one.
 */
import * as path from "node:path";
import { CodeActionKind, type CodeAction, type CodeActionParams, type Diagnostic } from "vscode-languageserver/node";
import type { EngineDiagnostic } from "../../engine/diagnostics";
import { toLspDiagnostic, toLspRange } from "./diagnostics";
import { quoteIdentifier } from "./lookup";
import type { ViewDocument, Workspace } from "./workspace";

/** The client's support for workspace edits, read at initialization. */
export interface WorkspaceEditSupport {
  documentChanges: boolean;
  renameFiles: boolean;
}

export async function provideCodeActions(workspace: Workspace, params: CodeActionParams, support: WorkspaceEditSupport): Promise<CodeAction[]> {
  const document = await workspace.viewDocument(params.textDocument.uri);
  if (!document) return [];
  const start = document.lines.offsetAt(params.range.start);
  const end = document.lines.offsetAt(params.range.end);
  // The server's own diagnostics are used rather than the client's copies, so a client that
  // does not send back `data` still gets the fixes.
  const diagnostics = document.host.diagnosticsOf(document.view.file).filter((diagnostic) => diagnostic.start <= end && diagnostic.end >= start);
  const actions: CodeAction[] = [];
  for (const diagnostic of diagnostics) {
    const action = fixFor(workspace, document, diagnostic, support);
    if (action) actions.push(action);
  }
  return actions;
}

function fixFor(workspace: Workspace, document: ViewDocument, diagnostic: EngineDiagnostic, support: WorkspaceEditSupport): CodeAction | undefined {
  const lspDiagnostic = toLspDiagnostic(diagnostic, document.lines, workspace.settings);
  if (diagnostic.code === "layering/stage-order") return moveToStage(workspace, document, diagnostic, lspDiagnostic, support);
  if (diagnostic.code === "reference/unknown-view") return replaceView(workspace, document, diagnostic, lspDiagnostic);
  if (diagnostic.code === "reference/unknown-column") return replaceColumn(workspace, document, diagnostic, lspDiagnostic);
  return undefined;
}

function moveToStage(workspace: Workspace, document: ViewDocument, diagnostic: EngineDiagnostic, lspDiagnostic: Diagnostic, support: WorkspaceEditSupport): CodeAction | undefined {
  const targetFolder = diagnostic.data?.targetFolder;
  if (typeof targetFolder !== "string" || !support.documentChanges || !support.renameFiles) return undefined;
  const view = document.view;
  const newPath = path.join(document.host.project!.templatesPath, targetFolder, path.basename(view.absolutePath));
  return {
    title: `Move ${path.basename(view.absolutePath)} to ${targetFolder}/ (stage ${String(diagnostic.data?.targetStage)})`,
    kind: CodeActionKind.QuickFix,
    diagnostics: [lspDiagnostic],
    isPreferred: true,
    edit: {
      documentChanges: [{ kind: "rename", oldUri: workspace.uriOf(view.absolutePath), newUri: workspace.uriOf(newPath), options: { overwrite: false, ignoreIfExists: false } }],
    },
  };
}

function replaceView(workspace: Workspace, document: ViewDocument, diagnostic: EngineDiagnostic, lspDiagnostic: Diagnostic): CodeAction | undefined {
  const suggestion = diagnostic.data?.suggestion;
  if (typeof suggestion !== "string") return undefined;
  // Only a reference written literally in the template can be rewritten in place. A reference
  // that a macro or expression produced would need the template logic changed.
  const reference = document.analysis?.references.find((candidate) => candidate.start === diagnostic.start && candidate.end === diagnostic.end);
  if (!reference?.literal) return undefined;
  const newText = suggestion.split(".").map(quoteIdentifier).join(".");
  return replaceRange(workspace, document, diagnostic, lspDiagnostic, newText, `Replace with ${newText}`);
}

function replaceColumn(workspace: Workspace, document: ViewDocument, diagnostic: EngineDiagnostic, lspDiagnostic: Diagnostic): CodeAction | undefined {
  const suggestion = diagnostic.data?.suggestion;
  if (typeof suggestion !== "string") return undefined;
  const written = document.text.slice(diagnostic.start, diagnostic.end);
  // A range that does not hold a plain name came from template logic; it is not rewritten.
  if (!/^[A-Za-z_][A-Za-z0-9_$]*$|^"(?:[^"]|"")+"$/.test(written)) return undefined;
  const newText = quoteIdentifier(suggestion);
  return replaceRange(workspace, document, diagnostic, lspDiagnostic, newText, `Replace ${written} with ${newText}`);
}

function replaceRange(workspace: Workspace, document: ViewDocument, diagnostic: EngineDiagnostic, lspDiagnostic: Diagnostic, newText: string, title: string): CodeAction {
  return {
    title,
    kind: CodeActionKind.QuickFix,
    diagnostics: [lspDiagnostic],
    isPreferred: true,
    edit: { changes: { [workspace.uriOf(document.view.absolutePath)]: [{ range: toLspRange(document.lines, diagnostic.start, diagnostic.end), newText }] } },
  };
}
