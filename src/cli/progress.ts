import type { ProgressEvent } from "../sources/index.js";

interface Stream {
  write(text: string): unknown;
  isTTY?: boolean;
}

function mb(bytes: number): string {
  return (bytes / 1_048_576).toFixed(1);
}

/**
 * Download progress on stderr: a bar redrawn in place on a terminal, and on anything else
 * (CI logs, pipes) one plain line when a file starts, at each quarter and when it is done.
 */
export function progressReporter(stream: Stream): {
  onProgress: (e: ProgressEvent) => void;
  done(): void;
} {
  const quarters = new Map<string, number>();
  let drawn = false;
  return {
    onProgress(e) {
      const pct = e.total ? Math.min(100, Math.floor((e.bytes / e.total) * 100)) : null;
      if (stream.isTTY) {
        const width = 24;
        const filled = pct === null ? 0 : Math.round((pct / 100) * width);
        const bar =
          pct === null
            ? ""
            : `[${"#".repeat(filled)}${" ".repeat(width - filled)}] ${String(pct).padStart(3)}% `;
        const size = e.total ? `${mb(e.bytes)}/${mb(e.total)} MB` : `${mb(e.bytes)} MB`;
        stream.write(`\r${e.file}  ${bar}${size}\u001b[K`);
        drawn = true;
        if (e.total !== null && e.bytes >= e.total) {
          stream.write("\n");
          drawn = false;
        }
        return;
      }
      const quarter = pct === null ? 0 : Math.floor(pct / 25);
      const seen = quarters.get(e.file);
      if (seen === undefined || quarter > seen) {
        quarters.set(e.file, quarter);
        const size = e.total ? `${mb(e.bytes)}/${mb(e.total)} MB` : `${mb(e.bytes)} MB`;
        stream.write(`downloading ${e.file}: ${pct === null ? "" : `${pct}% `}(${size})\n`);
      }
    },
    done() {
      if (drawn) stream.write("\n");
    },
  };
}
