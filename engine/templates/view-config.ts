/**
 * The `{{ config(...) }}` call a template makes to declare per-view settings, in the
 * keyword-argument form dbt users know: `{{ config(materialized=true, tags=["finance"]) }}`.
 */

/** Per-view settings declared with config(). */
export interface ViewConfig {
  materialized?: boolean;
  unique_key?: string | string[];
  historized?: boolean;
  /** Roles granted SELECT on this view, in addition to the project's grants. */
  grants?: string[];
  tags?: string[];
}

type Checker = (value: unknown) => boolean;

const isStringList: Checker = (value) => Array.isArray(value) && value.every((item) => typeof item === "string");

const KNOWN_KEYS: Record<keyof ViewConfig, { check: Checker; expected: string }> = {
  materialized: { check: (value) => typeof value === "boolean", expected: "true or false" },
  unique_key: { check: (value) => typeof value === "string" || isStringList(value), expected: "a column name or a list of column names" },
  historized: { check: (value) => typeof value === "boolean", expected: "true or false" },
  grants: { check: isStringList, expected: "a list of role names" },
  tags: { check: isStringList, expected: "a list of strings" },
};

export interface ConfigProblem {
  start: number;
  end: number;
  message: string;
  code: "config/unknown-key" | "config/invalid-value";
  severity: "error";
}

/** Collects config() calls during one render; the tag span comes from the render's trace. */
export class ViewConfigCollector {
  readonly config: ViewConfig = {};
  readonly problems: ConfigProblem[] = [];
  private readonly currentSpan: () => { start: number; end: number };

  constructor(currentSpan: () => { start: number; end: number }) {
    this.currentSpan = currentSpan;
  }

  /** The function templates call; it renders as an empty string. */
  readonly configFunction = (...args: unknown[]): string => {
    const span = this.currentSpan();
    const settings: Record<string, unknown> = {};
    for (const argument of args) {
      if (argument && typeof argument === "object" && !Array.isArray(argument)) Object.assign(settings, argument);
    }
    delete settings.__keywords;
    for (const [key, value] of Object.entries(settings)) {
      const rule = (KNOWN_KEYS as Record<string, { check: Checker; expected: string }>)[key];
      if (!rule) {
        const known = Object.keys(KNOWN_KEYS).join(", ");
        this.problems.push({ ...span, code: "config/unknown-key", severity: "error", message: `Unknown config key "${key}". Known keys: ${known}.` });
        continue;
      }
      if (!rule.check(value)) {
        this.problems.push({ ...span, code: "config/invalid-value", severity: "error", message: `config key "${key}" must be ${rule.expected}, not ${JSON.stringify(value)}.` });
        continue;
      }
      (this.config as Record<string, unknown>)[key] = value;
    }
    return "";
  };
}
