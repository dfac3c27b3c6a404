/**
 * Token lookups that turn the parser's start-only locations into byte spans. libpg-query gives
 * each node the byte offset of its first token; where a node ends is found here from the scanner.
 */
import type { ScanToken } from "./parser";
import type { ByteSpan } from "./types";

const RESERVED_KEYWORD = 4;

/**
 * Reserved keywords that end a select-list item (or a VALUES row item) when they appear outside
 * parentheses. Two appear inside expressions too and are handled where they are checked:
 * `IS [NOT] DISTINCT FROM` and `WITHIN GROUP`.
 */
const LIST_TERMINATORS = new Set([
  "from",
  "into",
  "where",
  "group",
  "having",
  "window",
  "order",
  "limit",
  "offset",
  "fetch",
  "union",
  "intersect",
  "except",
  "for",
  "returning",
]);

/** The significant tokens (comments removed) of one SQL text, searchable by byte offset. */
export class TokenIndex {
  readonly tokens: ScanToken[];

  constructor(tokens: ScanToken[]) {
    this.tokens = tokens.filter((token) => token.tokenName !== "SQL_COMMENT" && token.tokenName !== "C_COMMENT");
  }

  /** Returns the index of the first token starting at or after `offset`, or -1 when there is none. */
  indexAt(offset: number): number {
    let low = 0;
    let high = this.tokens.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (this.tokens[mid].start < offset) low = mid + 1;
      else high = mid;
    }
    return low < this.tokens.length ? low : -1;
  }

  span(first: number, last: number): ByteSpan {
    return { start: this.tokens[first].start, end: this.tokens[last].end };
  }

  /**
   * Returns the index of the last token of a dotted name of `parts` parts (`a`, `a.b`, `a.b.c`)
   * that starts at token `first`, or -1 when the tokens there do not have that form.
   */
  dottedNameEnd(first: number, parts: number): number {
    if (first < 0) return -1;
    const last = first + 2 * (parts - 1);
    if (last >= this.tokens.length) return -1;
    for (let dot = first + 1; dot < last; dot += 2) {
      if (this.tokens[dot].text !== ".") return -1;
    }
    return last;
  }

  /**
   * Returns the index of the last token of the list item (select-list target or VALUES item) that
   * starts at token `first`. The item ends before a ',' outside parentheses, before the ')' that
   * closes the enclosing list, before ';', or before a reserved keyword that starts the next clause.
   */
  listItemEnd(first: number): number {
    let depth = 0;
    let last = first;
    for (let i = first; i < this.tokens.length; i++) {
      const text = this.tokens[i].text;
      if (text === "(" || text === "[") {
        depth++;
      } else if (text === ")" || text === "]") {
        if (depth === 0) break;
        depth--;
      } else if (depth === 0 && i > first && (text === "," || text === ";" || this.isClauseKeyword(i))) {
        break;
      }
      last = i;
    }
    return last;
  }

  private isClauseKeyword(index: number): boolean {
    const token = this.tokens[index];
    if (token.keywordKind !== RESERVED_KEYWORD) return false;
    const word = token.text.toLowerCase();
    if (!LIST_TERMINATORS.has(word)) return false;
    const previous = this.tokens[index - 1].text.toLowerCase();
    // Any keyword may follow AS as a column label: `select 1 as from`.
    if (previous === "as") return false;
    if (word === "from" && previous === "distinct") return false;
    if (word === "group" && previous === "within") return false;
    return true;
  }
}
