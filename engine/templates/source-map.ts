/**
 * Maps offsets in rendered SQL back to the template they came from. Offsets on both sides
 * are UTF-16 indices. Literal template text maps character by character; the output of a
 * `{{ }}` tag (and of an include or macro call in it) maps to the whole tag.
 */
import type { MarkKind } from "./nunjucks-trace";

/** One run of rendered output and the template text that produced it. */
export interface SourceSegment {
  outputStart: number;
  kind: MarkKind;
  sourceStart: number;
  sourceEnd: number;
}

export type Bias = "start" | "end";

export class TemplateSourceMap {
  private readonly segments: SourceSegment[];
  private readonly outputLength: number;
  private readonly sourceLength: number;

  /** Segments must be sorted by outputStart; where several start at one offset, the last wins. */
  constructor(segments: SourceSegment[], outputLength: number, sourceLength: number) {
    this.segments = segments;
    this.outputLength = outputLength;
    this.sourceLength = sourceLength;
  }

  /** A map for output that equals its source, as when a template has no tags. */
  static identity(length: number): TemplateSourceMap {
    return new TemplateSourceMap([{ outputStart: 0, kind: "data", sourceStart: 0, sourceEnd: length }], length, length);
  }

  /**
   * Converts a rendered offset into a template offset. Inside the output of a tag, a start
   * bias gives the tag's start and an end bias its end, so a range covers the whole tag.
   */
  toTemplateOffset(offset: number, bias: Bias = "start"): number {
    if (this.segments.length === 0) return 0;
    const clamped = Math.max(0, Math.min(offset, this.outputLength));
    // An end offset belongs to the segment that contains the character before it.
    const probe = bias === "end" && clamped > 0 ? clamped - 1 : clamped;
    const index = this.findSegment(probe);
    if (index < 0) return 0;
    const segment = this.segments[index];
    if (segment.kind === "data") {
      const delta = clamped - segment.outputStart;
      return Math.min(segment.sourceStart + delta, segment.sourceEnd, this.sourceLength);
    }
    return bias === "start" ? segment.sourceStart : segment.sourceEnd;
  }

  /** Converts a rendered range; an empty range stays empty unless it falls inside a tag's output. */
  toTemplateRange(start: number, end: number): { start: number; end: number } {
    const templateStart = this.toTemplateOffset(start, "start");
    if (end <= start) {
      return { start: templateStart, end: templateStart };
    }
    const templateEnd = this.toTemplateOffset(end, "end");
    return { start: templateStart, end: Math.max(templateStart, templateEnd) };
  }

  /** Returns whether the rendered offset lies in literal template text rather than in a tag's output. */
  isLiteral(offset: number): boolean {
    const index = this.findSegment(offset);
    return index >= 0 && this.segments[index].kind === "data";
  }

  /** Returns the index of the last non-empty segment that starts at or before the offset. */
  private findSegment(offset: number): number {
    let low = 0;
    let high = this.segments.length - 1;
    let found = -1;
    while (low <= high) {
      const mid = (low + high) >> 1;
      if (this.segments[mid].outputStart <= offset) {
        found = mid;
        low = mid + 1;
      } else high = mid - 1;
    }
    // Skip back over segments that produced no output (a tag followed at once by another).
    while (found > 0 && this.segmentLength(found) === 0 && this.segments[found].outputStart === this.segments[found - 1].outputStart) {
      if (this.segments[found].outputStart < this.outputLength) found--;
      else break;
    }
    return found;
  }

  private segmentLength(index: number): number {
    const next = index + 1 < this.segments.length ? this.segments[index + 1].outputStart : this.outputLength;
    return next - this.segments[index].outputStart;
  }
}

/**
 * Returns the span of the nunjucks tag (`{{ }}`, `{% %}` or `{# #}`) that contains or starts at
 * the offset, or a one-character span when the offset is not inside a tag. Quoted strings in
 * the tag are skipped, so a `}}` inside a string does not end it.
 * NOTE: the search back to the tag's start does not track strings, so an offset after a quoted
 * closer (the `x` in `{{ '}}' ~ x }}`) is taken to be outside the tag. Positions of nunjucks
 * nodes lie before any string of their tag; positions of parser errors may not.
 */
export function findTagSpan(source: string, offset: number): { start: number; end: number } {
  let start = -1;
  for (let i = Math.min(offset, source.length - 2); i >= 0; i--) {
    if (source.charCodeAt(i) === 123 /* { */) {
      const next = source[i + 1];
      if (next === "{" || next === "%" || next === "#") {
        start = i;
        break;
      }
    }
    // A tag cannot contain the end of another tag, so stop at one.
    if (i < offset && (source.startsWith("}}", i) || source.startsWith("%}", i) || source.startsWith("#}", i)) && i + 2 <= offset) break;
  }
  if (start < 0) return { start: offset, end: Math.min(offset + 1, source.length) };
  const closer = closingDelimiter(source, start);
  let quote: string | null = null;
  for (let i = start + 2; i < source.length; i++) {
    const char = source[i];
    if (quote) {
      if (char === "\\") i++;
      else if (char === quote) quote = null;
      continue;
    }
    if (closer !== "#}" && (char === '"' || char === "'")) {
      quote = char;
      continue;
    }
    if (source.startsWith(closer, i)) return { start, end: i + 2 };
  }
  return { start, end: source.length };
}

/** Returns the delimiter that closes the tag opening at `start`: `}}`, `%}` or `#}`. */
export function closingDelimiter(text: string, start: number): string {
  const kind = text[start + 1];
  if (kind === "{") return "}}";
  if (kind === "%") return "%}";
  return "#}";
}
