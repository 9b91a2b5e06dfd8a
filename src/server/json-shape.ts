/**
 * The shape limits of a JSON body (nesting, objects and arrays, fields of one object), checked
 * on its bytes as they arrive, before anything is parsed (src/server/json-body.ts).
 */

export const JSON_LIMITS = {
  /** Nesting of objects and arrays (a prediction needs 3; an OIP tensor of 8 dimensions, 11). */
  depth: 64,
  /** Objects and arrays in one body (a batch of 10,000 inputs is 10,001). */
  containers: 100_000,
  /** Fields of one object (a model has at most 1,000 input fields). */
  members: 10_000,
} as const;

export type JsonLimits = { [K in keyof typeof JSON_LIMITS]: number };

const QUOTE = 34;
const BACKSLASH = 92;
const OPEN_OBJECT = 123;
const CLOSE_OBJECT = 125;
const OPEN_ARRAY = 91;
const CLOSE_ARRAY = 93;
const COMMA = 44;

/**
 * Checks JSON text against JSON_LIMITS as its bytes arrive, building nothing but a stack of
 * `depth` counters: a body past a limit is refused at the chunk that crosses it, before the
 * rest is read. Works on UTF-8 bytes (no multi-byte sequence holds an ASCII byte); text that
 * is not JSON is left for JSON.parse to refuse.
 */
export class JsonShapeScanner {
  /** Per open container: the fields counted so far for an object (commas + 1), -1 for an array. */
  private readonly members: Int32Array;
  private depth = 0;
  private containers = 0;
  private inString = false;
  private escaped = false;
  /** Every byte so far was ASCII: the text decodes as latin1, a plain copy, not a UTF-8 pass. */
  ascii = true;

  constructor(private readonly limits: JsonLimits = JSON_LIMITS) {
    this.members = new Int32Array(limits.depth + 1);
  }

  /** Back to the start of a new text (the scanner is reused by synchronous callers). */
  reset(): this {
    Object.assign(this, { depth: 0, containers: 0, inString: false, escaped: false, ascii: true });
    return this;
  }

  /** The first limit broken so far, as the end of a sentence ("nests deeper than 64 levels"), or null. */
  push(bytes: Uint8Array): string | null {
    const { limits, members } = this;
    let { depth, containers, inString, escaped } = this;
    let high = 0;
    try {
      for (let i = 0; i < bytes.length; i++) {
        const c = bytes[i] ?? 0;
        high |= c;
        if (inString) {
          if (escaped) escaped = false;
          else if (c === BACKSLASH) escaped = true;
          else if (c === QUOTE) inString = false;
          continue;
        }
        switch (c) {
          case QUOTE:
            inString = true;
            break;
          case OPEN_OBJECT:
          case OPEN_ARRAY:
            if (depth === limits.depth) return `nests deeper than ${limits.depth} levels`;
            if (++containers > limits.containers) {
              return `holds more than ${limits.containers.toLocaleString("en-US")} objects and arrays`;
            }
            members[++depth] = c === OPEN_OBJECT ? 1 : -1;
            break;
          case CLOSE_OBJECT:
          case CLOSE_ARRAY:
            if (depth > 0) depth--;
            break;
          case COMMA: {
            const count = members[depth] ?? -1;
            if (depth > 0 && count > 0) {
              if (count >= limits.members) {
                return `has an object of more than ${limits.members.toLocaleString("en-US")} fields`;
              }
              members[depth] = count + 1;
            }
            break;
          }
        }
      }
      return null;
    } finally {
      Object.assign(this, { depth, containers, inString, escaped });
      if (high >= 0x80) this.ascii = false;
    }
  }
}

/** The first limit `text` breaks (see JsonShapeScanner), or null. */
export function jsonShapeProblem(text: string, limits: JsonLimits = JSON_LIMITS): string | null {
  return new JsonShapeScanner(limits).push(Buffer.from(text, "utf8"));
}
