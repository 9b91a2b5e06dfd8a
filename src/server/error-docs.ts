import { ERROR_CATALOGUE } from "../errors.js";

/** docs/errors.md, rendered from the catalogue (scripts/gen-docs.ts writes it; a test checks it). */
export function renderErrorDocs(): string {
  const rows = Object.entries(ERROR_CATALOGUE)
    .sort(([a, x], [b, y]) => x.status - y.status || a.localeCompare(b))
    .map(([code, entry]) => `| ${entry.status} | \`${code}\` | ${entry.doc} |`);
  return [
    "<!-- Generated from src/errors.ts by `npm run docs`; do not edit by hand. -->",
    "# Error codes",
    "",
    'Every error modelgate answers is JSON `{"detail", "code", "request_id"}` (422 answers add',
    '`"errors": [{"field", "problem"}]`). `detail` is written for the person reading it and may',
    "change; `code` is stable: match on it. A 500 is always a bug in modelgate, never a",
    "configuration state.",
    "",
    "| Status | Code | Meaning and what to do |",
    "| --- | --- | --- |",
    ...rows,
    "",
  ].join("\n");
}
