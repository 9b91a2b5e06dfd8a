/**
 * Where a JSON text stops being JSON, for a message a person can act on ("line 3, column 13").
 * Node 20's JSON.parse does not always say; this scanner runs only after JSON.parse failed.
 * Iterative (an explicit stack), so a deeply nested file cannot overflow the call stack.
 */

const WS = new Set([" ", "\t", "\n", "\r"]);
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
// eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
const STRING = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;

/** The offset of the first syntax error in `text`, or null when it is valid JSON. */
export function jsonErrorOffset(text: string): number | null {
  let i = 0;
  const skip = () => {
    while (i < text.length && WS.has(text[i] ?? "")) i++;
  };
  const match = (re: RegExp) => {
    re.lastIndex = i;
    if (!re.test(text)) return false;
    i = re.lastIndex;
    return true;
  };
  const value = (): boolean => {
    const c = text[i];
    if (c === '"') return match(STRING);
    if (c === "-" || (c !== undefined && c >= "0" && c <= "9")) return match(NUMBER);
    for (const word of ["true", "false", "null"]) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return true;
      }
    }
    return false;
  };
  // Each open container: "[" or "{", and whether a value was just read in it.
  const stack: string[] = [];
  skip();
  for (;;) {
    const c = text[i];
    if (c === "[" || c === "{") {
      stack.push(c);
      i++;
      skip();
      if (text[i] === (c === "[" ? "]" : "}")) {
        stack.pop();
        i++;
      } else if (c === "{") {
        if (!match(STRING)) return i;
        skip();
        if (text[i] !== ":") return i;
        i++;
        skip();
        continue;
      } else continue;
    } else if (!value()) return i;
    // After a value: a comma, or the end of containers.
    for (;;) {
      skip();
      const top = stack[stack.length - 1];
      if (top === undefined) return i === text.length ? null : i;
      if (text[i] === ",") {
        i++;
        skip();
        if (top === "{") {
          if (!match(STRING)) return i;
          skip();
          if (text[i] !== ":") return i;
          i++;
          skip();
        }
        break;
      }
      if (text[i] === (top === "[" ? "]" : "}")) {
        stack.pop();
        i++;
        continue;
      }
      return i;
    }
  }
}

/**
 * Texts up to this long are walked to say where they stop being JSON (~4 ms at most); a longer
 * one is only said to be invalid, so a client sending broken megabytes gets no extra work.
 */
const LOCATED_CHARS = 65_536;

/**
 * A sentence for JSON text that JSON.parse refused, for a client to find the fault: line,
 * column and the few characters there. `what` names the text ("The request body").
 */
export function jsonErrorSentence(text: string, what = "The request body"): string {
  const at = text.length <= LOCATED_CHARS ? jsonErrorOffset(text) : null;
  if (at === null) return `${what} is not valid JSON: send one whole JSON value.`;
  const before = text.slice(0, at);
  const line = before.split("\n").length;
  const column = at - before.lastIndexOf("\n");
  const near =
    at >= text.length ? "the text ends there" : `near ${JSON.stringify(text.slice(at, at + 20))}`;
  return `${what} is not valid JSON at line ${line}, column ${column} (${near}): send one whole JSON value.`;
}
