/** The server's settings, read from the client's initializationOptions. */
import * as path from "node:path";
import { pathToFileURL } from "node:url";

/**
 * Page that documents every diagnostic code; a diagnostic links to `<base>#<code anchor>`, and
 * each row of the page has an anchor with that name. The page ships beside the server: in the
 * repository and in the .vsix, the bundle is dist/server.js and the page docs/diagnostics.md.
 * The project has no public web address, so a file link is the one that always resolves.
 */
export const DEFAULT_DOCS_BASE_URL = pathToFileURL(path.resolve(__dirname, "..", "docs", "diagnostics.md")).href;

/** Quiet time after the last edit of a document before it is analysed again. */
export const DEFAULT_ANALYSIS_DELAY_MS = 150;

export interface ServerSettings {
  /**
   * False for an untrusted workspace: templates are not rendered (nunjucks can run code) and no
   * database is contacted. Checks that need neither still run.
   */
  trusted: boolean;
  docsBaseUrl: string;
  analysisDelayMs: number;
}

/** Reads `{ trusted?, docsBaseUrl?, analysisDelayMs? }`; missing or mistyped values take their defaults. */
export function readSettings(initializationOptions: unknown): ServerSettings {
  const options = typeof initializationOptions === "object" && initializationOptions !== null ? (initializationOptions as Record<string, unknown>) : {};
  return {
    trusted: options.trusted !== false,
    docsBaseUrl: typeof options.docsBaseUrl === "string" && options.docsBaseUrl.length > 0 ? options.docsBaseUrl : DEFAULT_DOCS_BASE_URL,
    analysisDelayMs:
      typeof options.analysisDelayMs === "number" && Number.isFinite(options.analysisDelayMs) && options.analysisDelayMs >= 0
        ? options.analysisDelayMs
        : DEFAULT_ANALYSIS_DELAY_MS,
  };
}

/** Returns the documentation link of a diagnostic code, such as `...#layering-stage-order`. */
export function documentationUrl(settings: ServerSettings, code: string): string {
  return `${settings.docsBaseUrl}#${code.replace(/[^a-z0-9]+/gi, "-").toLowerCase()}`;
}
