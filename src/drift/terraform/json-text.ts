/**
 * Container definitions given as JSON text (a heredoc, file(), templatefile()) with some
 * interpolations unknown: each unknown part is replaced by a marker that keeps the JSON valid —
 * inside a JSON string as bare text, elsewhere as a quoted string — and the parsed value gets the
 * Unknowns back where the markers land. So `"name": "${var.x}"` is one unresolved name, and the
 * rest of the document is still read.
 */
import type { Value, ValueObject } from "./value.js";
import { Unknown } from "./value.js";

const MARK = "__modelgate_unknown_";
const MARKER = /__modelgate_unknown_(\d+)__/g;

/** The text with markers, and the Unknowns they stand for. */
export function withMarkers(pattern: (string | Unknown)[]): {
  text: string;
  unknowns: Unknown[];
  /** Template conditions that could not be resolved (their branch was rendered). */
  conditions: Unknown[];
} {
  const unknowns: Unknown[] = [];
  const conditions: Unknown[] = [];
  let text = "";
  let inString = false;
  for (const part of pattern) {
    if (part instanceof Unknown && part.maybe !== undefined) {
      conditions.push(part);
      continue;
    }
    if (typeof part === "string") {
      for (let i = 0; i < part.length; i++) {
        const c = part[i];
        if (c === "\\" && inString) i++;
        else if (c === '"') inString = !inString;
      }
      text += part;
    } else {
      const marker = `${MARK}${unknowns.length}__`;
      unknowns.push(part);
      text += inString ? marker : `"${marker}"`;
    }
  }
  return { text, unknowns, conditions };
}

/** Puts the Unknowns back in place of their markers. */
export function revive(value: unknown, unknowns: Unknown[]): Value {
  if (typeof value === "string") {
    if (!value.includes(MARK)) return value;
    const whole = /^__modelgate_unknown_(\d+)__$/.exec(value);
    if (whole) return unknowns[Number(whole[1])] ?? value;
    const parts: (string | Unknown)[] = [];
    let at = 0;
    for (const m of value.matchAll(MARKER)) {
      if (m.index > at) parts.push(value.slice(at, m.index));
      const u = unknowns[Number(m[1])];
      if (u) parts.push(u);
      at = m.index + m[0].length;
    }
    if (at < value.length) parts.push(value.slice(at));
    const first = parts.find((p): p is Unknown => p instanceof Unknown);
    return new Unknown(
      parts.map((p) => (typeof p === "string" ? p : `\${${p.text}}`)).join(""),
      first?.reason ?? "",
      { pattern: parts },
    );
  }
  if (Array.isArray(value)) return value.map((v) => revive(v, unknowns));
  if (value !== null && typeof value === "object") {
    const out: ValueObject = {};
    for (const [k, v] of Object.entries(value)) out[k] = revive(v, unknowns);
    return out;
  }
  return value as Value;
}
