// The TypeScript constants equal docs/protocol.md's tables: a reason or an
// envelope error added to (or dropped from) one side fails here.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { ENVELOPE_ERRORS, REJECTION_REASONS, CURSOR_EXPIRED, PROTOCOL_VERSION } from "../../dist/index.js";

const doc = readFileSync(fileURLToPath(new URL("../../../../docs/protocol.md", import.meta.url)), "utf8");

// The rows of the Markdown table that follows the line containing `heading`.
function tableAfter(heading) {
  const lines = doc.split("\n");
  let i = lines.findIndex((l) => l.includes(heading));
  assert.ok(i >= 0, `protocol.md has "${heading}"`);
  while (i < lines.length && !lines[i].startsWith("|")) i++;
  const rows = [];
  for (i += 2; i < lines.length && lines[i].startsWith("|"); i++)
    rows.push(lines[i].split("|").slice(1, -1).map((c) => c.trim().replace(/^`|`$/g, "")));
  return rows;
}

test("rejection reasons: the SDK's list is protocol.md's table, in order", () => {
  const documented = tableAfter("### Rejection reasons").map((r) => r[0]);
  assert.ok(documented.length >= 20);
  assert.deepEqual([...REJECTION_REASONS], documented);
});

test("envelope errors: every SQLSTATE and HTTP status is protocol.md's", () => {
  const documented = Object.fromEntries(tableAfter("Envelope errors (nothing applied)").map((r) => [r[0], Number(r[1])]));
  assert.deepEqual({ ...ENVELOPE_ERRORS }, documented);
});

test("cursor_expired and the protocol version are as documented", () => {
  assert.match(doc, new RegExp(`SQLSTATE \`${CURSOR_EXPIRED.code}\` \\(HTTP ${CURSOR_EXPIRED.status}\\) with message \`${CURSOR_EXPIRED.message}\``));
  assert.match(doc, new RegExp(`This server speaks protocol \\*\\*${PROTOCOL_VERSION}\\*\\*`));
});

test("the drift check itself sees a difference", () => {
  const documented = tableAfter("### Rejection reasons").map((r) => r[0]);
  assert.notDeepEqual([...REJECTION_REASONS, "made_up"], documented);
  assert.notDeepEqual([...REJECTION_REASONS].reverse(), documented);
});
