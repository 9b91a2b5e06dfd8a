/**
 * The lexer under the OIP request reader (request-text.ts): JSON's tokens read from the body's
 * bytes in place, with no string made for a key or a known word. One body at a time (the reader
 * is synchronous): `begin` sets it, `end` lets it go. Whatever the reader does not take —
 * a token out of place, an escape, a control character — throws NOT_TAKEN, which readInferBody
 * catches once; the body then takes the general path.
 */
import { OIP_LIMITS } from "./request.js";

const TAB = 9;
const LINE_FEED = 10;
const CARRIAGE_RETURN = 13;
const SPACE = 32;
const QUOTE = 34;
const PLUS = 43;
export const COMMA = 44;
const MINUS = 45;
const DOT = 46;
const ZERO = 48;
const ONE = 49;
const NINE = 57;
export const COLON = 58;
const UPPER_E = 69;
export const OPEN_ARRAY = 91;
const BACKSLASH = 92;
export const CLOSE_ARRAY = 93;
const LOWER_E = 101;
const LOWER_F = 102;
const LOWER_T = 116;
export const OPEN_OBJECT = 123;
export const CLOSE_OBJECT = 125;

/** Thrown inside the reader for a body it does not take; caught once, in readInferBody. */
export const NOT_TAKEN: unknown = Object.freeze({ notTaken: true });

export function notTaken(): never {
  throw NOT_TAKEN;
}

/** Words compared with the bytes in place: each one's character codes, made once. */
export class Words {
  readonly codes: readonly Uint8Array[];
  /** Where the next search starts: after the word found last. */
  next = 0;
  constructor(words: readonly string[]) {
    this.codes = words.map((w) => Uint8Array.from(w, (c) => c.charCodeAt(0)));
  }
}

const NO_BYTES = Buffer.alloc(0);

// The body being read (one at a time: the reader is synchronous): its bytes, scanned; the same
// text, sliced for strings (an ASCII body's characters are its bytes); the position in both.
let bytes: Buffer = NO_BYTES;
let text = "";
let pos = 0;

/** Reads `body` from its start; `decoded` is its text, a character a byte (ASCII). */
export function begin(body: Buffer, decoded: string): void {
  bytes = body;
  text = decoded;
  pos = 0;
}

/** Lets the body go (neither its bytes nor its text stay referenced here). */
export function end(): void {
  bytes = NO_BYTES;
  text = "";
}

/** The position in the body. */
export function at(): number {
  return pos;
}

/** Goes back to a position read before. */
export function seek(to: number): void {
  pos = to;
}

/** Whether the body's text from the position on starts with `expected`; passed if so. */
export function skip(expected: string): boolean {
  const to = pos + expected.length;
  // (A copy compared whole is compared by V8 as memory: twice as fast here as startsWith.)
  if (text.slice(pos, to) !== expected) return false;
  pos = to;
  return true;
}

/** The body's text between two positions, as a copy of its own (a slice would keep the body). */
export function copy(from: number, to: number): string {
  return bytes.toString("latin1", from, to);
}

function isDigit(c: number): boolean {
  return c >= ZERO && c <= NINE;
}

/** Skips JSON's whitespace; the byte after it (-1 at the end). */
export function next(): number {
  const b = bytes;
  const n = b.length;
  for (let i = pos; i < n; i++) {
    const c = b[i] as number;
    if (c > SPACE || (c !== SPACE && c !== LINE_FEED && c !== CARRIAGE_RETURN && c !== TAB)) {
      pos = i;
      return c;
    }
  }
  pos = n;
  return -1;
}

export function take(code: number): void {
  if (next() !== code) notTaken();
  pos++;
}

/** After a member or an element: true for a comma (another follows), false for `close`. */
export function more(close: number): boolean {
  const c = next();
  pos++;
  if (c === COMMA) return true;
  if (c !== close) notTaken();
  return false;
}

/** Whether the container just opened is empty (its `close` is taken if so). */
export function empty(close: number): boolean {
  if (next() !== close) return false;
  pos++;
  return true;
}

/** A string with no escape in it: JSON.parse's value is then the text between the quotes. */
export function string(): string {
  if (next() !== QUOTE) notTaken();
  const b = bytes;
  const start = pos + 1;
  let i = start;
  for (;;) {
    // Past the end, undefined: not taken, as a control character or an escape is not.
    const c = b[i];
    if (c === QUOTE) break;
    if (c === undefined || c < SPACE || c === BACKSLASH) notTaken();
    i++;
  }
  pos = i + 1;
  return text.slice(start, i);
}

/**
 * The index in `words` of the string at the reader, which is passed; compared in place, so no
 * string is made. Not taken if it is none of them.
 */
export function oneOf(words: Words): number {
  if (next() !== QUOTE) notTaken();
  const b = bytes;
  const at = pos + 1;
  const { codes } = words;
  // From the word after the one found last: clients write their members in one order, and
  // their tensors alike.
  for (let n = 0, k = words.next; n < codes.length; n++, k = k + 1 < codes.length ? k + 1 : 0) {
    const word = codes[k] as Uint8Array;
    const length = word.length;
    if (b[at + length] !== QUOTE) continue;
    let j = 0;
    while (j < length && b[at + j] === word[j]) j++;
    if (j === length) {
      pos = at + length + 1;
      words.next = k + 1 < codes.length ? k + 1 : 0;
      return k;
    }
  }
  return notTaken();
}

/** The index in `keys` of the member's key, with the colon after it taken. */
export function key(keys: Words): number {
  const k = oneOf(keys);
  take(COLON);
  return k;
}

/** `seen` with key `k` added: a key met twice (JSON.parse keeps the last) is not taken. */
export function once(seen: number, k: number): number {
  if (seen & (1 << k)) notTaken();
  return seen | (1 << k);
}

/** A tensor's or an output's name: non-empty, at most OIP_LIMITS.nameChars. */
export function nameRule(name: string | undefined): asserts name is string {
  if (name === undefined || name === "" || name.length > OIP_LIMITS.nameChars) notTaken();
}

/** A number in JSON's grammar, as JSON.parse reads it. */
export function number(): number {
  const b = bytes;
  const start = pos;
  let i = start;
  let c = b[i];
  const negative = c === MINUS;
  if (negative) c = b[++i];
  if (c === ZERO) c = b[++i];
  else if (c !== undefined && c >= ONE && c <= NINE) {
    let d = b[++i];
    while (d !== undefined && isDigit(d)) d = b[++i];
    c = d;
  } else notTaken();
  let integer = true;
  if (c === DOT) {
    integer = false;
    c = b[++i];
    if (c === undefined || !isDigit(c)) notTaken();
    do c = b[++i];
    while (c !== undefined && isDigit(c));
  }
  if (c === LOWER_E || c === UPPER_E) {
    integer = false;
    c = b[++i];
    if (c === PLUS || c === MINUS) c = b[++i];
    if (c === undefined || !isDigit(c)) notTaken();
    do c = b[++i];
    while (c !== undefined && isDigit(c));
  }
  pos = i;
  // Up to 15 characters an integer is exact in a double: summed here, not parsed from a copy.
  if (integer && i - start <= 15) {
    let n = 0;
    for (let j = negative ? start + 1 : start; j < i; j++) n = n * 10 + (b[j] as number) - ZERO;
    return negative ? -n : n;
  }
  return Number(text.slice(start, i));
}

/** A string, a number, true or false: what a tensor's data and `parameters` hold. */
export function scalar(): string | number | boolean {
  const c = next();
  if (c === QUOTE) return string();
  if (c === LOWER_T || c === LOWER_F) {
    const word = c === LOWER_T ? "true" : "false";
    if (!text.startsWith(word, pos)) notTaken();
    pos += word.length;
    return c === LOWER_T;
  }
  return number();
}
