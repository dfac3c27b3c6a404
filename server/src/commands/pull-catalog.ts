/** "Pull Catalog": writes catalog/<schema>.sql from the warehouse's system catalogs (never row data). */
import { sessionForClient } from "../../../engine/api";
import { pullCatalog as pullCatalogFiles } from "../../../engine/catalog/pull";
import type { DatabaseCommandResult } from "../messages";
import { CommandError, openAnalyzer, requireProject, seconds, type CommandContext } from "./command-context";
import { guardCommand } from "./sync-commands";

export async function pullCatalog(context: CommandContext, uri: string): Promise<DatabaseCommandResult> {
  return guardCommand(context, "Catalog pull", async () => {
    const started = Date.now();
    const host = await requireProject(context, uri);
    const analyzer = await openAnalyzer(context, host, "prod");
    if (!context.warehouse.isConfigured()) {
      throw new CommandError("Pull Catalog reads the warehouse, and none is configured. Set syncedViews.connection.* in the settings, or PGHOST/PGDATABASE/PGUSER in the environment.");
    }
    // Rendering every view collects the raw relations the catalog must describe.
    analyzer.checkAll();
    const pulled = await context.warehouse.use(async (client, description) => {
      context.editor.logInfo(`Pulling the catalog of ${host.root} from ${description}.`);
      return pullCatalogFiles(analyzer, sessionForClient(client));
    });
    const durationMs = Date.now() - started;
    let summary = `Wrote ${pulled.files.length} catalog file${pulled.files.length === 1 ? "" : "s"} with ${pulled.relations} relation${pulled.relations === 1 ? "" : "s"} in ${seconds(durationMs)}.`;
    if (pulled.missing.length > 0) summary += ` Not found in the warehouse: ${pulled.missing.join(", ")}.`;
    context.editor.logInfo(`${summary} Files: ${pulled.files.join(", ") || "(none)"}.`);
    return { ok: true, summary, actions: [], durationMs, database: "warehouse" as const };
  });
}
