// Documentation in hovers is Markdown, and editors drop raw HTML from it.

import assert from "node:assert/strict";
import { test } from "node:test";
import { escapeHtml, tableCell } from "../../server/src/lookup";

test("angle brackets survive in hovers", () => {
  assert.equal(escapeHtml("'Member <member_number>' elsewhere"), "'Member &lt;member_number&gt;' elsewhere");
});

test("table cells escape pipes and newlines", () => {
  assert.equal(tableCell("a | b\r\nc <d>"), "a \\| b c &lt;d&gt;");
  assert.equal(tableCell(undefined), "");
});
