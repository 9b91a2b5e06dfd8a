/**
 * A reader of the Prometheus text exposition format (version 0.0.4), enough to find gauges by
 * name and labels: `name{label="value",…} value [timestamp]`, with `# HELP` / `# TYPE` lines and
 * the format's escapes in label values. Bounded: at most MAX_SAMPLES samples are kept.
 * https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format
 */

export const MAX_SAMPLES = 50_000;

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface ParsedMetrics {
  samples: Sample[];
  /** Lines that could not be read (at most 5 kept, with their line number). */
  problems: string[];
  truncated: boolean;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;

function parseValue(text: string): number | undefined {
  switch (text) {
    case "NaN":
      return Number.NaN;
    case "+Inf":
      return Number.POSITIVE_INFINITY;
    case "-Inf":
      return Number.NEGATIVE_INFINITY;
  }
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) return undefined;
  return Number(text);
}

/** Reads `{a="x",b="y"}` from `line` at `at` (the `{`); returns the labels and where it ended. */
function parseLabels(
  line: string,
  at: number,
): { labels: Record<string, string>; end: number } | undefined {
  const labels: Record<string, string> = {};
  let i = at + 1;
  for (;;) {
    while (line[i] === " " || line[i] === ",") i++;
    if (line[i] === "}") return { labels, end: i + 1 };
    const name = /^[a-zA-Z_][a-zA-Z0-9_]*/.exec(line.slice(i))?.[0];
    if (!name) return undefined;
    i += name.length;
    while (line[i] === " ") i++;
    if (line[i] !== "=" || line[i + 1] !== '"') return undefined;
    i += 2;
    let value = "";
    for (;;) {
      const c = line[i];
      if (c === undefined) return undefined;
      if (c === '"') break;
      if (c === "\\") {
        const next = line[i + 1];
        value += next === "n" ? "\n" : (next ?? "");
        i += 2;
        continue;
      }
      value += c;
      i++;
    }
    labels[name] = value;
    i++;
  }
}

export function parseMetrics(text: string): ParsedMetrics {
  const samples: Sample[] = [];
  const problems: string[] = [];
  let truncated = false;
  const lines = text.split("\n");
  for (let n = 0; n < lines.length; n++) {
    const line = (lines[n] ?? "").trim();
    if (line === "" || line.startsWith("#")) continue;
    if (samples.length >= MAX_SAMPLES) {
      truncated = true;
      break;
    }
    const name = NAME.exec(line)?.[0];
    let rest: string | undefined;
    let labels: Record<string, string> = {};
    if (name) {
      rest = line.slice(name.length);
      if (rest.startsWith("{")) {
        const parsed = parseLabels(line, name.length);
        if (parsed) {
          labels = parsed.labels;
          rest = line.slice(parsed.end);
        } else rest = undefined;
      }
    }
    const valueText = rest?.trim().split(/\s+/)[0];
    const value = valueText === undefined ? undefined : parseValue(valueText);
    if (!name || value === undefined) {
      if (problems.length < 5) problems.push(`line ${n + 1}: ${line.slice(0, 120)}`);
      continue;
    }
    samples.push({ name, labels, value });
  }
  return { samples, problems, truncated };
}

/** Samples of one metric whose labels include every given label. */
export function find(
  metrics: ParsedMetrics,
  name: string,
  labels: Record<string, string> = {},
): Sample[] {
  return metrics.samples.filter(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );
}
