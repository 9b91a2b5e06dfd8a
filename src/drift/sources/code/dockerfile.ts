/**
 * `ENV` lines of the Dockerfiles beside the code: a variable the image sets has a default in the
 * container even when the code reads it without one, so its absence from a deployment target is
 * not an error (it is still a warning: the deployment does not set it).
 */
import type { Location } from "../../model.js";
import { LineIndex } from "../../text.js";

export function dockerfileEnv(text: string, file: string): Map<string, Location> {
  const out = new Map<string, Location>();
  const index = new LineIndex(text);
  // Join continuation lines, remembering where each instruction starts.
  const instruction = /^[ \t]*ENV[ \t]+((?:[^\n\\]|\\.|\\\n)*)/gim;
  for (const m of text.matchAll(instruction)) {
    const body = (m[1] as string).replace(/\\\n/g, " ").trim();
    const location = { file, line: index.line(m.index) };
    const pairs = [...body.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=(?:"(?:[^"\\]|\\.)*"|'[^']*'|\S*)/g)];
    if (pairs.length > 0) {
      for (const p of pairs) if (!out.has(p[1] as string)) out.set(p[1] as string, location);
    } else {
      const legacy = /^([A-Za-z_][A-Za-z0-9_]*)\s+\S/.exec(body); // ENV NAME value
      if (legacy?.[1] && !out.has(legacy[1])) out.set(legacy[1], location);
    }
  }
  return out;
}
