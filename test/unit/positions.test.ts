/** Tests of engine/text/positions.ts: line indexes, code points, surrogate pairs, UTF-8 byte offsets, CRLF. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { ByteOffsetMap, codePointIndexToUtf16, countCodePoints, LineIndex, utf8Length } from "../../engine/text/positions";

test("LineIndex positions with LF", () => {
  const index = new LineIndex("ab\ncd\n\nef");
  assert.equal(index.lineCount, 4);
  assert.deepEqual(index.positionAt(0), { line: 0, character: 0 });
  assert.deepEqual(index.positionAt(2), { line: 0, character: 2 });
  assert.deepEqual(index.positionAt(3), { line: 1, character: 0 });
  assert.deepEqual(index.positionAt(6), { line: 2, character: 0 });
  assert.deepEqual(index.positionAt(8), { line: 3, character: 1 });
  assert.equal(index.offsetAt({ line: 1, character: 1 }), 4);
  assert.equal(index.offsetAt({ line: 3, character: 2 }), 9);
});

test("LineIndex clamps out-of-range input", () => {
  const index = new LineIndex("ab\ncd");
  assert.deepEqual(index.positionAt(-5), { line: 0, character: 0 });
  assert.deepEqual(index.positionAt(99), { line: 1, character: 2 });
  assert.equal(index.offsetAt({ line: 0, character: 99 }), 2, "a column past the line end clamps to the line end");
  assert.equal(index.offsetAt({ line: 7, character: 0 }), 5, "a line past the end clamps to the text end");
  assert.equal(index.lineStart(-1), 0);
  assert.equal(index.lineStart(9), 5);
});

test("LineIndex with CRLF keeps \\r on its line", () => {
  const text = "select 1,\r\n  2\r\nfrom t\r\n";
  const index = new LineIndex(text);
  assert.equal(index.lineCount, 4);
  assert.equal(index.lineStart(1), text.indexOf("  2"));
  assert.equal(index.lineContentEnd(0), text.indexOf("\r"));
  assert.equal(index.lineContentEnd(2), text.indexOf("from t") + "from t".length);
  assert.deepEqual(index.positionAt(text.indexOf("from")), { line: 2, character: 0 });
  assert.deepEqual(index.displayPositionAt(text.indexOf("t\r\n", text.indexOf("from"))), { line: 3, column: 6 });
  // A column past the content clamps before "\r\n", never between "\r" and "\n".
  assert.equal(index.offsetAt({ line: 0, character: 50 }), text.indexOf("\r"));
});

test("LineIndex with a lone CR does not start a line", () => {
  const index = new LineIndex("a\rb\nc");
  assert.equal(index.lineCount, 2);
  assert.deepEqual(index.positionAt(2), { line: 0, character: 2 });
  assert.equal(index.lineContentEnd(0), 3);
});

test("LineIndex of empty text", () => {
  const index = new LineIndex("");
  assert.equal(index.lineCount, 1);
  assert.deepEqual(index.positionAt(0), { line: 0, character: 0 });
  assert.deepEqual(index.displayPositionAt(0), { line: 1, column: 1 });
  assert.equal(index.offsetAt({ line: 0, character: 3 }), 0);
});

test("displayPositionAt counts code points", () => {
  const text = "é日😀x\n😀😀y";
  const index = new LineIndex(text);
  assert.deepEqual(index.displayPositionAt(text.indexOf("x")), { line: 1, column: 4 });
  assert.deepEqual(index.displayPositionAt(text.indexOf("y")), { line: 2, column: 3 });
  // UTF-16 characters for LSP: the emoji is two code units.
  assert.deepEqual(index.positionAt(text.indexOf("x")), { line: 0, character: 4 });
  assert.deepEqual(index.positionAt(text.indexOf("y")), { line: 1, character: 4 });
});

test("displayPositionAt skips a byte order mark", () => {
  const text = "\ufeffselect x\nfrom t";
  const index = new LineIndex(text);
  assert.deepEqual(index.displayPositionAt(0), { line: 1, column: 1 }, "the mark itself is at column 1");
  assert.deepEqual(index.displayPositionAt(1), { line: 1, column: 1 }, "the first character after the mark is column 1");
  assert.deepEqual(index.displayPositionAt(text.indexOf("x")), { line: 1, column: 8 });
  assert.deepEqual(index.displayPositionAt(text.lastIndexOf("t")), { line: 2, column: 6 }, "later lines are not affected");
});

test("countCodePoints pairs surrogates", () => {
  assert.equal(countCodePoints("a😀b", 0, 4), 3);
  assert.equal(countCodePoints("👍🏽", 0, 4), 2, "a skin-tone modifier is a code point of its own");
  assert.equal(countCodePoints("\ud83dx", 0, 2), 2, "a lone high surrogate counts once");
  assert.equal(countCodePoints("\ude00x", 0, 2), 2, "a lone low surrogate counts once");
  assert.equal(countCodePoints("😀", 0, 1), 1, "a range that ends inside a pair counts the half");
  assert.equal(countCodePoints("abc", 1, 1), 0);
});

test("codePointIndexToUtf16 steps over pairs", () => {
  const text = "a😀b日c";
  assert.equal(codePointIndexToUtf16(text, 0), 0);
  assert.equal(codePointIndexToUtf16(text, 1), 1);
  assert.equal(codePointIndexToUtf16(text, 2), 3);
  assert.equal(codePointIndexToUtf16(text, 3), 4);
  assert.equal(codePointIndexToUtf16(text, 4), 5);
  assert.equal(codePointIndexToUtf16(text, 99), text.length, "an index past the end clamps");
  assert.equal(codePointIndexToUtf16("\ud83d", 1), 1, "a lone surrogate at the end is one unit");
});

test("utf8Length per character width", () => {
  assert.equal(utf8Length("abc"), 3);
  assert.equal(utf8Length("é"), 2);
  assert.equal(utf8Length("日"), 3);
  assert.equal(utf8Length("😀"), 4);
  assert.equal(utf8Length("a😀b", 1, 3), 4);
  assert.equal(utf8Length("\ud83d"), 3, "a lone surrogate is encoded as U+FFFD, three bytes");
  for (const text of ["é日😀x", "\r\n\t", "👍🏽 ok", "ASCII only"]) {
    assert.equal(utf8Length(text), Buffer.byteLength(text, "utf8"), `byte length of ${JSON.stringify(text)}`);
  }
});

test("ByteOffsetMap round-trips every character start", () => {
  const text = "sel é 日本 😀👍🏽 \r\n x";
  const map = new ByteOffsetMap(text);
  let byte = 0;
  for (let index = 0; index < text.length; ) {
    const codePoint = text.codePointAt(index)!;
    const units = codePoint > 0xffff ? 2 : 1;
    assert.equal(map.toUtf16(byte), index, `byte ${byte} maps to index ${index}`);
    assert.equal(map.toUtf8(index), byte, `index ${index} maps to byte ${byte}`);
    byte += Buffer.byteLength(String.fromCodePoint(codePoint), "utf8");
    index += units;
  }
  assert.equal(map.toUtf16(byte), text.length, "the end offset maps to the text length");
  assert.equal(map.toUtf8(text.length), Buffer.byteLength(text, "utf8"));
});

test("ByteOffsetMap inside a character maps to its start", () => {
  const text = "a日b";
  const map = new ByteOffsetMap(text);
  assert.equal(map.toUtf16(1), 1);
  assert.equal(map.toUtf16(2), 1);
  assert.equal(map.toUtf16(3), 1);
  assert.equal(map.toUtf16(4), 2);
  const emoji = new ByteOffsetMap("😀z");
  assert.equal(emoji.toUtf16(2), 0);
  assert.equal(emoji.toUtf16(4), 2);
});

test("ByteOffsetMap clamps and handles ASCII", () => {
  const ascii = new ByteOffsetMap("select 1");
  assert.equal(ascii.toUtf16(3), 3);
  assert.equal(ascii.toUtf16(-1), 0);
  assert.equal(ascii.toUtf16(100), 8);
  const wide = new ByteOffsetMap("é");
  assert.equal(wide.toUtf16(100), 1);
  assert.equal(wide.toUtf16(-3), 0);
  assert.equal(wide.toUtf8(5), 2);
});

test("ByteOffsetMap agrees with the parser's byte offsets", () => {
  // The same mapping the analyzer applies to libpg-query locations: a byte offset computed by
  // Buffer for the token "t" after non-ASCII text converts back to its UTF-16 index.
  const sql = "select '😀 é 日' as x from t";
  const byteOffset = Buffer.from(sql, "utf8").indexOf(Buffer.from(" t", "utf8")) + 1;
  assert.equal(new ByteOffsetMap(sql).toUtf16(byteOffset), sql.lastIndexOf("t"));
});
