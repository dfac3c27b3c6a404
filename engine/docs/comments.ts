/**
 * Documentation written in the SQL itself: a block comment at the top of a file documents the
 * view, and a `--` comment on an output column's line, or on the lines directly above it,
 * documents that column.
 */

/** Returns the Markdown of the block comment that opens the text, without its delimiters, or undefined. */
export function extractViewDocumentation(sql: string): string | undefined {
  const match = /^\s*\/\*([\s\S]*?)\*\//.exec(sql);
  if (!match) return undefined;
  const lines = match[1].split(/\r?\n/).map((line) => line.replace(/^\s*\*\s?/, (prefix) => (prefix.includes("*") ? "" : prefix)));
  return dedent(lines).trim() || undefined;
}

function dedent(lines: string[]): string {
  const indents = lines.filter((line) => line.trim().length > 0).map((line) => /^\s*/.exec(line)![0].length);
  const common = indents.length > 0 ? Math.min(...indents) : 0;
  return lines.map((line) => line.slice(common)).join("\n");
}

/**
 * Returns the documentation of an output column from the `--` comments around it. `start` and
 * `end` are the UTF-16 range of the column's expression (with its alias) in `sql`.
 */
export function extractColumnDocumentation(sql: string, start: number, end: number): string | undefined {
  const lineEnd = indexOfLineEnd(sql, end);
  const rest = sql.slice(end, lineEnd);
  const sameLine = /^\s*,?\s*--\s?(.*)$/.exec(rest);
  if (sameLine && sameLine[1].trim()) return sameLine[1].trim();

  // Comment lines directly above count only when the column starts its line.
  const lineStart = sql.lastIndexOf("\n", start - 1) + 1;
  if (!/^[\s,]*$/.test(sql.slice(lineStart, start))) return undefined;
  const above: string[] = [];
  let cursor = lineStart - 1;
  while (cursor > 0) {
    const previousStart = sql.lastIndexOf("\n", cursor - 1) + 1;
    const line = sql.slice(previousStart, cursor).replace(/\r$/, "");
    const comment = /^\s*--\s?(.*)$/.exec(line);
    if (!comment) break;
    above.unshift(comment[1].trim());
    cursor = previousStart - 1;
  }
  const text = above.join("\n").trim();
  return text || undefined;
}

function indexOfLineEnd(text: string, from: number): number {
  const index = text.indexOf("\n", from);
  if (index < 0) return text.length;
  return text[index - 1] === "\r" ? index - 1 : index;
}
