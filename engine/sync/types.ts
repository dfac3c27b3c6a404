/** Types, constants and errors shared by the sync's entry point and its run. */
import type { ProjectAnalyzer } from "../analysis/analyzer";
import type { EngineDiagnostic } from "../diagnostics";
import type { SqlSession } from "../database/session";
import type { SyncTarget } from "./prepare";

export type SyncMode = "plan" | "dry-run" | "sync";
export type ActionKind = "create" | "replace" | "recreate" | "drop" | "unchanged";

export interface PlannedAction {
  /** The database object, "schema.name". */
  view: string;
  action: ActionKind;
  reason: string;
}

export interface SyncOptions {
  analyzer: ProjectAnalyzer;
  session: SqlSession;
  mode: SyncMode;
  target: SyncTarget;
  /** Re-create every view, even unchanged ones. */
  full?: boolean;
  /** Sync only these views (project ids); views of deleted files are then left alone. */
  views?: string[];
  includeGrants?: boolean;
  /** How long one statement may wait for a lock before the attempt is retried. */
  lockTimeoutMs?: number;
  /** Attempts after the first when a lock wait times out. */
  lockRetries?: number;
  gitCommit?: string | null;
  onProgress?: (message: string, done: number, total: number) => void;
  signal?: AbortSignal;
  /** Called for every retry and lock wait, for logs. */
  onNotice?: (message: string) => void;
}

export interface SyncResult {
  target: SyncTarget;
  mode: SyncMode;
  actions: PlannedAction[];
  /** PostgreSQL errors at their template positions. */
  diagnostics: EngineDiagnostic[];
  /** A failure that belongs to no single view: a refused drop, a lock timeout, a permission error. */
  error?: string;
  committed: boolean;
  durationMs: number;
}

/** Key of pg_advisory_xact_lock, the same for every sync so two never interleave (the bytes of "SyncView"). */
export const SYNC_LOCK_KEY = "6014960150260573559";

export const LOCK_NOT_AVAILABLE = "55P03";
export const INSUFFICIENT_PRIVILEGE = "42501";
export const UNDEFINED_OBJECT = "42704";
export const PRIVILEGE_ADVICE =
  "Run the sync as a role with the missing privilege, or have the database owner grant it: a sync needs CREATE on the database for new schemas (including the state schema) and CREATE on each schema it writes views to.";
/**
 * SQLSTATE with which CREATE OR REPLACE VIEW rejects a changed column list: a renamed, dropped,
 * retyped or re-collated column all raise invalid_table_definition (checkViewTupleDesc in
 * PostgreSQL's view.c). Other codes, such as 42804 for a CASE type mismatch, are errors in the query.
 */
export const INCOMPATIBLE_COLUMNS = new Set(["42P16"]);

/** A sync that must not go on, with a message for the user. Nothing it did is kept. */
export class SyncRefusedError extends Error {}
export class SyncCancelledError extends Error {}
