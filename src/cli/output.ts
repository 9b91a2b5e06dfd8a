/** What a command hands back to the entry point: data for --json, text for people. */
export interface CommandOutput {
  data: unknown;
  text: string;
}

/** A plain aligned table; empty cells print as "-". */
export function table(
  headers: string[],
  rows: (string | number | boolean | null | undefined)[][],
): string {
  const cells = rows.map((row) =>
    row.map((c) => (c === null || c === undefined || c === "" ? "-" : String(c))),
  );
  const widths = headers.map((h, i) =>
    Math.max(h.length, ...cells.map((row) => (row[i] ?? "").length)),
  );
  const line = (row: string[]) =>
    row
      .map((c, i) => (i === row.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd();
  return [line(headers), ...cells.map(line)].join("\n");
}

export function isoOrNull(date: Date | null | undefined): string | null {
  return date ? date.toISOString() : null;
}
