/**
 * Conversions between the position systems the engine meets:
 * - UTF-8 byte offsets (libpg-query locations and scanner tokens),
 * - UTF-16 string indices (JavaScript strings, nunjucks columns, LSP positions),
 * - 1-based line and character columns (what the CLI prints; a character is a Unicode code point).
 *
 * Every feature converts through this module, never ad hoc.
 */

/** A zero-based line with a zero-based column counted in UTF-16 code units, as LSP defines it. */
export interface Utf16Position {
  line: number;
  character: number;
}

/** Line starts of one text, built once and queried many times. Lines end at "\n"; a "\r" before it belongs to the line. */
export class LineIndex {
  readonly text: string;
  private readonly lineStarts: number[];

  constructor(text: string) {
    this.text = text;
    const starts = [0];
    for (let i = 0; i < text.length; i++) {
      if (text.charCodeAt(i) === 10) starts.push(i + 1);
    }
    this.lineStarts = starts;
  }

  get lineCount(): number {
    return this.lineStarts.length;
  }

  /** Returns the UTF-16 index where the zero-based line starts. */
  lineStart(line: number): number {
    if (line <= 0) return 0;
    if (line >= this.lineStarts.length) return this.text.length;
    return this.lineStarts[line];
  }

  /** Returns the UTF-16 index where the line's content ends, before any "\r\n" or "\n". */
  lineContentEnd(line: number): number {
    const next = line + 1 < this.lineStarts.length ? this.lineStarts[line + 1] - 1 : this.text.length;
    return next > this.lineStart(line) && this.text.charCodeAt(next - 1) === 13 ? next - 1 : next;
  }

  /** Converts a UTF-16 index into a zero-based line and UTF-16 column. Indices past the end clamp to the end. */
  positionAt(offset: number): Utf16Position {
    const clamped = Math.max(0, Math.min(offset, this.text.length));
    let low = 0;
    let high = this.lineStarts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (this.lineStarts[mid] <= clamped) low = mid;
      else high = mid - 1;
    }
    return { line: low, character: clamped - this.lineStarts[low] };
  }

  /** Converts a zero-based line and UTF-16 column into a UTF-16 index, clamped to the line's content. */
  offsetAt(position: Utf16Position): number {
    if (position.line >= this.lineStarts.length) return this.text.length;
    const start = this.lineStart(position.line);
    return Math.min(start + Math.max(0, position.character), this.lineContentEnd(position.line));
  }

  /**
   * Converts a UTF-16 index into a 1-based line and a 1-based column counted in code points,
   * the form compilers print and the CLI's JSON carries. A byte order mark at the start of the
   * text is not a column, because editors do not show it.
   */
  displayPositionAt(offset: number): { line: number; column: number } {
    const position = this.positionAt(offset);
    const lineStart = this.lineStarts[position.line];
    const end = lineStart + position.character;
    const start = lineStart === 0 && end > 0 && this.text.charCodeAt(0) === 0xfeff ? 1 : lineStart;
    return { line: position.line + 1, column: countCodePoints(this.text, start, end) + 1 };
  }
}

/** Counts the code points in text[start, end), where a surrogate pair counts once. */
export function countCodePoints(text: string, start: number, end: number): number {
  let count = 0;
  for (let i = start; i < end; i++) {
    const code = text.charCodeAt(i);
    if (code >= 0xd800 && code <= 0xdbff && i + 1 < end) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
    }
    count++;
  }
  return count;
}

/** Returns the UTF-16 index of the code point with the given zero-based code point index (PostgreSQL error positions count code points). */
export function codePointIndexToUtf16(text: string, codePointIndex: number): number {
  let index = 0;
  for (let seen = 0; seen < codePointIndex && index < text.length; seen++) {
    const code = text.charCodeAt(index);
    index += code >= 0xd800 && code <= 0xdbff && index + 1 < text.length ? 2 : 1;
  }
  return index;
}

/** Returns the number of UTF-8 bytes that encode text[start, end). */
export function utf8Length(text: string, start = 0, end = text.length): number {
  let bytes = 0;
  for (let i = start; i < end; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < end) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

/**
 * Maps UTF-8 byte offsets of one text to UTF-16 indices. The table is built lazily and only
 * for texts that contain non-ASCII characters; for ASCII text both offsets are equal.
 */
export class ByteOffsetMap {
  private readonly text: string;
  private table: Uint32Array | null | undefined;

  constructor(text: string) {
    this.text = text;
  }

  /** Converts a UTF-8 byte offset into a UTF-16 index. An offset inside a multi-byte character maps to that character's start. */
  toUtf16(byteOffset: number): number {
    const table = this.getTable();
    if (table === null) return Math.max(0, Math.min(byteOffset, this.text.length));
    const clamped = Math.max(0, Math.min(byteOffset, table.length - 1));
    return table[clamped];
  }

  /** Converts a UTF-16 index into a UTF-8 byte offset. */
  toUtf8(index: number): number {
    return utf8Length(this.text, 0, Math.max(0, Math.min(index, this.text.length)));
  }

  private getTable(): Uint32Array | null {
    if (this.table !== undefined) return this.table;
    // Plain ASCII text needs no table: byte offsets and UTF-16 indices coincide.
    if (!/[^\x00-\x7f]/.test(this.text)) {
      this.table = null;
      return null;
    }
    const byteLength = utf8Length(this.text);
    const table = new Uint32Array(byteLength + 1);
    let byte = 0;
    for (let i = 0; i < this.text.length; i++) {
      const code = this.text.charCodeAt(i);
      let width: number;
      let units = 1;
      if (code < 0x80) width = 1;
      else if (code < 0x800) width = 2;
      else if (code >= 0xd800 && code <= 0xdbff && i + 1 < this.text.length) {
        width = 4;
        units = 2;
      } else width = 3;
      for (let k = 0; k < width; k++) table[byte + k] = i;
      byte += width;
      i += units - 1;
    }
    table[byteLength] = this.text.length;
    this.table = table;
    return table;
  }
}
