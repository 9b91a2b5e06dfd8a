import type { FieldProblem } from "../errors.js";

export type JsonObject = Record<string, unknown>;

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** `a.b`, or `a["odd key"]` when the key is not an identifier, so every path reads back. */
export function joinPath(path: string, key: string): string {
  if (!IDENTIFIER.test(key)) return `${path}[${JSON.stringify(key)}]`;
  return path === "" ? key : `${path}.${key}`;
}

/** A short, human description of a JSON value for error messages: `string "high"`. */
export function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  switch (typeof value) {
    case "string": {
      const shown = value.length > 40 ? `${value.slice(0, 40)}…` : value;
      return `string ${JSON.stringify(shown)}`;
    }
    case "number":
    case "boolean":
      return `${typeof value} ${String(value)}`;
    case "undefined":
      return "nothing";
    default:
      return "an object";
  }
}

export function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

interface NumberRules {
  optional?: boolean;
  integer?: boolean;
  min?: number;
  max?: number;
}

/**
 * Reads untrusted JSON while collecting every problem with its exact path, so one pass over a
 * broken spec reports all of them (the author fixes the file once, not once per error).
 */
export class SpecReader {
  readonly problems: FieldProblem[] = [];

  add(field: string, problem: string): void {
    this.problems.push({ field, problem });
  }

  object(value: unknown, path: string): JsonObject | undefined {
    if (isObject(value)) return value;
    this.add(path, `expected an object, got ${describeValue(value)}`);
    return undefined;
  }

  /** Refuses unknown keys: a typo such as "defualt" must not be silently ignored. */
  onlyKeys(obj: JsonObject, path: string, allowed: readonly string[]): void {
    for (const key of Object.keys(obj)) {
      if (!allowed.includes(key)) {
        this.add(joinPath(path, key), `is not a known field (known: ${allowed.join(", ")})`);
      }
    }
  }

  private present(obj: JsonObject, key: string, path: string, optional: boolean): boolean {
    if (obj[key] !== undefined) return true;
    if (!optional) this.add(joinPath(path, key), "is required");
    return false;
  }

  string(obj: JsonObject, key: string, path: string, optional = false): string | undefined {
    if (!this.present(obj, key, path, optional)) return undefined;
    const value = obj[key];
    if (typeof value === "string" && value.length > 0) return value;
    this.add(joinPath(path, key), `expected a non-empty string, got ${describeValue(value)}`);
    return undefined;
  }

  number(obj: JsonObject, key: string, path: string, rules: NumberRules = {}): number | undefined {
    if (!this.present(obj, key, path, rules.optional ?? false)) return undefined;
    const value = obj[key];
    const field = joinPath(path, key);
    const what = rules.integer ? "an integer" : "a number";
    if (typeof value !== "number" || !Number.isFinite(value)) {
      this.add(field, `expected ${what}, got ${describeValue(value)}`);
      return undefined;
    }
    if (rules.integer && !Number.isInteger(value)) {
      this.add(field, `expected an integer, got ${value}`);
      return undefined;
    }
    if (rules.min !== undefined && value < rules.min) {
      this.add(field, `must be ≥ ${rules.min}, got ${value}`);
      return undefined;
    }
    if (rules.max !== undefined && value > rules.max) {
      this.add(field, `must be ≤ ${rules.max}, got ${value}`);
      return undefined;
    }
    return value;
  }

  boolean(obj: JsonObject, key: string, path: string, optional = false): boolean | undefined {
    if (!this.present(obj, key, path, optional)) return undefined;
    const value = obj[key];
    if (typeof value === "boolean") return value;
    this.add(joinPath(path, key), `expected true or false, got ${describeValue(value)}`);
    return undefined;
  }

  array(obj: JsonObject, key: string, path: string, optional = false): unknown[] | undefined {
    if (!this.present(obj, key, path, optional)) return undefined;
    const value = obj[key];
    const field = joinPath(path, key);
    if (!Array.isArray(value)) {
      this.add(field, `expected an array, got ${describeValue(value)}`);
      return undefined;
    }
    if (value.length === 0) {
      this.add(field, "must not be empty");
      return undefined;
    }
    return value;
  }

  /** One of a closed set of strings (kinds, transforms). */
  choice<T extends string>(
    obj: JsonObject,
    key: string,
    path: string,
    choices: readonly T[],
    optional = false,
  ): T | undefined {
    if (!this.present(obj, key, path, optional)) return undefined;
    const value = obj[key];
    const found = choices.find((c) => c === value);
    if (found !== undefined) return found;
    const list = choices.map((c) => JSON.stringify(c)).join(", ");
    this.add(joinPath(path, key), `must be one of: ${list}, got ${describeValue(value)}`);
    return undefined;
  }
}
