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
