import { distance } from "fastest-levenshtein";

/**
 * Returns the candidate closest to the name by edit distance, when it is close enough to be a
 * likely typo. A candidate that differs only in letter case wins, because a missing or extra
 * pair of double quotes is the most common way to get a PostgreSQL name wrong. The allowed
 * distance grows with the name (a third of its length, at least 2) but stays below the name's
 * length, so a one-letter name is never "corrected" to another one-letter name.
 */
export function suggestName(name: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  const lowerName = name.toLowerCase();
  for (const candidate of candidates) {
    if (candidate !== name && candidate.toLowerCase() === lowerName) return candidate;
    const d = distance(name, candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  const allowed = Math.min(Math.max(2, Math.floor(name.length / 3)), name.length - 1);
  return best !== undefined && bestDistance <= allowed ? best : undefined;
}

/** Writes an identifier as SQL must spell it: bare when PostgreSQL would not fold it, double-quoted otherwise. */
export function formatIdentifier(name: string): string {
  return /^[a-z_][a-z0-9_$]*$/.test(name) ? name : `"${name.replace(/"/g, '""')}"`;
}
