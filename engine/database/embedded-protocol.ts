/**
 * Messages between EmbeddedPostgres (the parent) and the embedded host (the forked child)
 * over the fork IPC channel. The channel uses Node's "advanced" serialization (the structured
 * clone algorithm), so Date, BigInt and Uint8Array values in result rows arrive intact.
 */

/** A request from the parent. The child replies to each with a HostReply carrying the same id. */
export type HostRequest =
  | { id: number; kind: "query"; text: string; params?: unknown[] }
  | { id: number; kind: "exec"; text: string }
  | { id: number; kind: "close" };

/** A PostgreSQL error report, or a failure of the host itself when sqlState is absent. */
export interface HostError {
  message: string;
  sqlState?: string;
  position?: number;
  detail?: string;
  hint?: string;
  where?: string;
}

/** The reply to one HostRequest. */
export type HostReply =
  | { id: number; rows: Record<string, unknown>[]; fields: { name: string; dataTypeID: number }[] }
  | { id: number; error: HostError };

/** A message the child sends once, before any reply: PGlite is ready, or failed to start. */
export type HostStatus =
  | { kind: "ready"; version: string }
  | { kind: "startup-error"; message: string };

export type HostMessage = HostReply | HostStatus;
