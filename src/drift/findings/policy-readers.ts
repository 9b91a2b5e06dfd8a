/**
 * The policy file's `readers`: the project's wrappers around environment reads that live outside
 * the scanned code (a shared library), e.g. `{"call": "getSetting", "nameArg": 1, "required":
 * true}`. Every problem in the list is named at once, so one run fixes them all.
 */
import type { PolicyReader } from "../sources/code/scanner.js";
import { isObject } from "../text.js";

const KEYS = ["call", "nameArg", "required"];

/** The readers, or the problems found, each naming the entry and key. */
export function parseReaders(value: unknown): { readers: PolicyReader[]; problems: string[] } {
  const problems: string[] = [];
  const readers: PolicyReader[] = [];
  if (!Array.isArray(value))
    return {
      readers,
      problems: ['must be a list of {"call": "name", "nameArg": 1, "required": true}'],
    };
  value.forEach((entry: unknown, i) => {
    const at = `readers[${i}]`;
    if (!isObject(entry)) {
      problems.push(`${at}: must be an object with call, nameArg and required`);
      return;
    }
    const before = problems.length;
    for (const key of Object.keys(entry))
      if (!KEYS.includes(key))
        problems.push(`${at}.${key}: is not a reader key (${KEYS.join(", ")})`);
    const { call, nameArg, required } = entry;
    if (typeof call !== "string" || call.trim() === "")
      problems.push(
        `${at}.call: must be a non-empty string (the function or method as called, e.g. "getSetting" or "config.get")`,
      );
    if (
      nameArg !== undefined &&
      (typeof nameArg !== "number" || !Number.isInteger(nameArg) || nameArg < 1)
    )
      problems.push(
        `${at}.nameArg: must be a whole number ≥ 1 (which argument holds the variable's name, counting from 1), not ${JSON.stringify(nameArg)}`,
      );
    if (required !== undefined && typeof required !== "boolean")
      problems.push(
        `${at}.required: must be true or false (whether the wrapper fails on an empty value), not ${JSON.stringify(required)}`,
      );
    if (problems.length === before)
      readers.push({
        call: (call as string).trim(),
        nameArg: (nameArg as number | undefined) ?? 1,
        required: (required as boolean | undefined) ?? false,
      });
  });
  return { readers, problems };
}
