/**
 * A strict RFC 4180 reader: comma-separated, fields optionally in double quotes (a quote inside
 * doubled), CRLF or LF line ends, a header line first. Every record must have the header's
 * number of fields; a problem is thrown as a CsvError naming its line.
 */

export class CsvError extends Error {
  constructor(
    readonly line: number,
    readonly problem: string,
  ) {
    super(`line ${line}: ${problem}`);
    this.name = "CsvError";
  }
}

export interface CsvRecord {
  /** The line the record starts on (1-based; a quoted field may span lines). */
  line: number;
  cells: string[];
}

export interface CsvLimits {
  /** Most data records (header not counted). */
  records: number;
  /** Most fields in a record. */
  columns: number;
  /** Most characters in one field. */
  cellChars: number;
}

/** Parses `text` (a leading BOM is ignored); the first record is the header. */
export function parseCsv(
  text: string,
  limits: CsvLimits,
): { header: CsvRecord; records: CsvRecord[] } {
  const src = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const all: CsvRecord[] = [];
  let line = 1;
  let i = 0;
  const n = src.length;
  while (i < n) {
    const start = line;
    const cells: string[] = [];
    for (;;) {
      let cell = "";
      if (src[i] === '"') {
        i++;
        for (;;) {
          if (i >= n) throw new CsvError(start, 'a quoted field is not closed (a missing ")');
          const c = src[i];
          if (c === '"') {
            if (src[i + 1] === '"') {
              cell += '"';
              i += 2;
              continue;
            }
            i++;
            break;
          }
          if (c === "\n") line++;
          cell += c;
          i++;
        }
        const next = src[i];
        if (i < n && next !== "," && next !== "\n" && next !== "\r") {
          throw new CsvError(line, `unexpected ${JSON.stringify(next)} after a closing quote`);
        }
      } else {
        while (i < n && src[i] !== "," && src[i] !== "\n" && src[i] !== "\r") {
          if (src[i] === '"') {
            throw new CsvError(line, 'a " inside an unquoted field: quote the field and double it');
          }
          cell += src[i];
          i++;
        }
      }
      if (cell.length > limits.cellChars) {
        throw new CsvError(
          start,
          `a field is longer than ${limits.cellChars} characters, the limit of a cell`,
        );
      }
      cells.push(cell);
      if (cells.length > limits.columns) {
        throw new CsvError(start, `more than ${limits.columns} fields, the limit of a row`);
      }
      if (src[i] === ",") {
        i++;
        continue;
      }
      break;
    }
    if (src[i] === "\r") i++;
    if (src[i] === "\n") i++;
    line++;
    // A blank line (one empty cell) is skipped, so a trailing newline or two is harmless.
    if (cells.length === 1 && cells[0] === "") continue;
    all.push({ line: start, cells });
    if (all.length > limits.records + 1) {
      throw new CsvError(start, `more than ${limits.records} rows, the limit of a golden file`);
    }
  }
  const [header, ...records] = all;
  if (!header) throw new CsvError(1, "the file is empty: a header line is needed");
  for (const r of records) {
    if (r.cells.length !== header.cells.length) {
      throw new CsvError(
        r.line,
        `${r.cells.length} fields, but the header has ${header.cells.length}`,
      );
    }
  }
  return { header, records };
}
