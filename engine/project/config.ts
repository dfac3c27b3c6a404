/**
 * Reads `synced-views.json`. Every key has a default; unknown keys and wrong types are
 * errors that name the key, because a typo there silently changes where views go.
 */
import * as os from "node:os";
import type { EngineDiagnostic } from "../diagnostics";

export const CONFIG_FILE = "synced-views.json";

export interface ProjectConfig {
  /** Folder of the view templates, relative to the project directory. */
  templatesDir: string;
  /** The shared schema every application schema may read. */
  coreSchema: string;
  /** Prefix of personal schemas: schema S syncs to `<prefix>_S` with `--target personal`. */
  personalPrefix: string;
  /** Schema of the state table that records what each sync created. */
  stateSchema: string;
  /** Values templates read as `vars`. */
  vars: Record<string, unknown>;
  /** Role name to the schemas whose views it may SELECT from ("*" for every schema). */
  grants: Record<string, string[]>;
}

type KeyRule = { expected: string; check: (value: unknown) => boolean };

const isIdentifier = (value: unknown): boolean => typeof value === "string" && /^[a-z_][a-z0-9_]*$/.test(value) && Buffer.byteLength(value) <= 63;

const KEY_RULES: Record<keyof ProjectConfig, KeyRule> = {
  templatesDir: { expected: "a relative folder path", check: (value) => typeof value === "string" && value.length > 0 },
  coreSchema: { expected: "a lower-case identifier", check: isIdentifier },
  personalPrefix: { expected: "a lower-case identifier", check: isIdentifier },
  stateSchema: { expected: "a lower-case identifier", check: isIdentifier },
  vars: { expected: "an object", check: (value) => typeof value === "object" && value !== null && !Array.isArray(value) },
  grants: {
    expected: 'an object mapping role names to lists of schemas, e.g. {"analyst": ["core"]}',
    check: (value) =>
      typeof value === "object" &&
      value !== null &&
      !Array.isArray(value) &&
      Object.values(value).every((schemas) => Array.isArray(schemas) && schemas.every((schema) => typeof schema === "string")),
  },
};

/** Returns the default personal prefix, `dev_<user>`, with the user name folded to an identifier. */
export function defaultPersonalPrefix(): string {
  let user = "user";
  try {
    user = os.userInfo().username;
  } catch {
    user = process.env.USER ?? process.env.USERNAME ?? "user";
  }
  const folded = user.toLowerCase().replace(/[^a-z0-9_]/g, "_");
  return `dev_${folded || "user"}`;
}

export function defaultConfig(): ProjectConfig {
  return {
    templatesDir: "templates",
    coreSchema: "core",
    personalPrefix: defaultPersonalPrefix(),
    stateSchema: "synced_views",
    vars: {},
    grants: {},
  };
}

/** Parses the config text; problems are diagnostics on the config file, and defaults fill the rest. */
export function parseConfig(text: string | undefined): { config: ProjectConfig; diagnostics: EngineDiagnostic[] } {
  const config = defaultConfig();
  const diagnostics: EngineDiagnostic[] = [];
  if (text === undefined) return { config, diagnostics };

  const report = (start: number, end: number, message: string, code: EngineDiagnostic["code"] = "config/invalid"): void => {
    diagnostics.push({ file: CONFIG_FILE, start, end, severity: "error", code, message });
  };

  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const at = /position (\d+)/.exec(message);
    const offset = at ? Number(at[1]) : 0;
    report(offset, offset + 1, `${CONFIG_FILE} is not valid JSON: ${message}`);
    return { config, diagnostics };
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    report(0, Math.min(text.length, 1), `${CONFIG_FILE} must contain a JSON object.`);
    return { config, diagnostics };
  }

  const keySpans = locateTopLevelKeys(text);
  for (const [key, value] of Object.entries(parsed)) {
    const span = keySpans.get(key) ?? { start: 0, end: Math.min(text.length, 1) };
    const rule = (KEY_RULES as Record<string, KeyRule>)[key];
    if (!rule) {
      report(span.start, span.end, `Unknown key "${key}" in ${CONFIG_FILE}. Known keys: ${Object.keys(KEY_RULES).join(", ")}.`, "config/unknown-key");
      continue;
    }
    if (!rule.check(value)) {
      report(span.start, span.end, `"${key}" in ${CONFIG_FILE} must be ${rule.expected}, not ${JSON.stringify(value)}.`, "config/invalid-value");
      continue;
    }
    (config as unknown as Record<string, unknown>)[key] = value;
  }
  return { config, diagnostics };
}

/**
 * Returns the span of each key of the top-level object, quotes included. Keys of nested objects
 * and strings that merely look like keys are skipped. When a key repeats, the last one wins, as
 * it does in JSON.parse. Expects text that JSON.parse accepted.
 */
function locateTopLevelKeys(text: string): Map<string, { start: number; end: number }> {
  const spans = new Map<string, { start: number; end: number }>();
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (char === "{" || char === "[") depth++;
    else if (char === "}" || char === "]") depth--;
    else if (char === '"') {
      const start = i;
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === "\\") i++;
      const end = i + 1;
      // A string is a key when the next non-blank character is a colon.
      let next = end;
      while (next < text.length && /\s/.test(text[next])) next++;
      if (depth === 1 && text[next] === ":") spans.set(JSON.parse(text.slice(start, end)) as string, { start, end });
    }
  }
  return spans;
}
