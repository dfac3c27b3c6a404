/** Document symbols: the output columns of the view, in select-list order. */
import { SymbolKind, type DocumentSymbol, type DocumentSymbolParams } from "vscode-languageserver/node";
import { toLspRange } from "./diagnostics";
import { describeViewColumns } from "./lookup";
import type { Workspace } from "./workspace";

export async function provideDocumentSymbols(workspace: Workspace, params: DocumentSymbolParams): Promise<DocumentSymbol[]> {
  const document = await workspace.viewDocument(params.textDocument.uri);
  if (!document?.analysis) return [];
  const columns = describeViewColumns(document.host, document.view);
  if (!columns) return [];
  return columns.columns.map((column) => {
    const range = toLspRange(document.lines, Math.min(column.itemStart, column.start), Math.max(column.itemEnd, column.end));
    return {
      name: column.name,
      detail: column.documentation?.split("\n")[0],
      kind: SymbolKind.Field,
      range,
      selectionRange: toLspRange(document.lines, column.start, column.end),
    };
  });
}
