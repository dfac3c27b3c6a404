/**
 * A text with some ranges replaced, which can map offsets in the new text back to the
 * original. The personal target uses it to point references at personal schemas while
 * PostgreSQL's error positions still land in the template.
 */

export interface TextEdit {
  start: number;
  end: number;
  replacement: string;
}

export class EditedText {
  readonly text: string;
  /** For each edit, in order: where it starts in the new text, its new length, and the original range. */
  private readonly pieces: { newStart: number; newLength: number; oldStart: number; oldEnd: number }[] = [];

  /** Edits must not overlap; they are applied in start order. Offsets are UTF-16 indices. */
  constructor(original: string, edits: TextEdit[]) {
    const sorted = [...edits].sort((a, b) => a.start - b.start);
    let result = "";
    let cursor = 0;
    for (const edit of sorted) {
      if (edit.start < cursor) continue;
      result += original.slice(cursor, edit.start);
      this.pieces.push({ newStart: result.length, newLength: edit.replacement.length, oldStart: edit.start, oldEnd: edit.end });
      result += edit.replacement;
      cursor = edit.end;
    }
    result += original.slice(cursor);
    this.text = result;
  }

  /** Maps an offset of the new text to the original text; inside a replacement it maps to the replaced range's start. */
  toOriginal(offset: number): number {
    let shift = 0;
    for (const piece of this.pieces) {
      if (offset < piece.newStart) break;
      if (offset < piece.newStart + piece.newLength) return piece.oldStart;
      shift = piece.oldEnd - (piece.newStart + piece.newLength);
    }
    return offset + shift;
  }
}
