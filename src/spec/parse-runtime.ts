import { SPEC_LIMITS } from "./limits.js";
import { describeValue, joinPath } from "./reader.js";
import type { JsonObject, SpecReader } from "./reader.js";
import type { ModelKind, RuntimeSpec, SpecFormatVersion } from "./types.js";

const KINDS: readonly ModelKind[] = ["binary", "multiclass", "regression", "tensor"];
const ONNX_RUNTIME_KEYS = ["type", "file", "input", "output", "positive_class_index"];
const REMOTE_RUNTIME_KEYS = ["type", "url", "auth", "timeout_ms"];
// A package file is named relative to the package folder and may not climb out of it.
const PACKAGE_PATH = /^(?!.*(?:^|\/)\.\.?(?:\/|$))[A-Za-z0-9._-]+(?:\/[A-Za-z0-9._-]+)*$/;

/** The model's kind and what it names: the base of its outputs and its runtime's checks. */
export interface KindInfo {
  kind: ModelKind;
  /** multiclass: the labels, in the order of the score tensor's columns. */
  classes?: string[];
  /** regression: the names of the [N, K] output's columns, when declared. */
  targets?: string[];
}

/** The sources a numeric output can name besides earlier outputs, by the model's kind. */
export function baseSources(info: KindInfo): string[] {
  if (info.kind === "regression") return info.targets ?? ["value"];
  return info.kind === "tensor" ? [] : ["probability"];
}

/** Unique, non-empty, bounded strings: class labels or target names. */
function readNames(
  r: SpecReader,
  top: JsonObject,
  key: "classes" | "targets",
  min: number,
  max: number,
): string[] | undefined {
  const list = r.array(top, key, "");
  if (!list) return undefined;
  if (list.length < min || list.length > max) {
    r.add(key, `must list ${min} to ${max} names, got ${list.length}`);
    return undefined;
  }
  const names: string[] = [];
  const seen = new Set<string>();
  list.forEach((value, i) => {
    const path = `${key}[${i}]`;
    if (typeof value !== "string" || value.trim() === "") {
      r.add(path, `expected a non-empty string, got ${describeValue(value)}`);
    } else if (value.length > SPEC_LIMITS.labelChars) {
      r.add(path, `is ${value.length} characters long; at most ${SPEC_LIMITS.labelChars}`);
    } else if (seen.has(value)) {
      r.add(path, `"${value}" is listed twice`);
    } else {
      seen.add(value);
      names.push(value);
    }
  });
  return names.length === list.length ? names : undefined;
}

/**
 * Reads `kind`, `classes` and `targets` (version 2). A version 1 spec is binary, and these keys
 * were already named as version 2 fields with the other top-level keys.
 */
export function readKind(
  r: SpecReader,
  top: JsonObject,
  version: SpecFormatVersion,
): KindInfo | undefined {
  if (version === 1) return { kind: "binary" };
  const kind = top.kind === undefined ? "binary" : r.choice(top, "kind", "", KINDS);
  if (!kind) return undefined;
  const info: KindInfo = { kind };
  if (kind === "multiclass") {
    if (top.classes === undefined) {
      r.add("classes", 'is required for "kind": "multiclass" (the labels of the score columns)');
    } else {
      const classes = readNames(r, top, "classes", 2, SPEC_LIMITS.classes);
      if (classes) info.classes = classes;
    }
  } else if (top.classes !== undefined) {
    r.add("classes", `only applies to "kind": "multiclass", not "${kind}"`);
  }
  if (kind === "regression") {
    if (top.targets !== undefined) {
      const targets = readNames(r, top, "targets", 1, SPEC_LIMITS.targets);
      if (targets) info.targets = targets;
    }
  } else if (top.targets !== undefined) {
    r.add("targets", `only applies to "kind": "regression", not "${kind}"`);
  }
  // With unreadable classes or targets the kind still decides what else is checked; the
  // problems recorded keep the spec from being returned.
  return info;
}

function readOnnxRuntime(
  r: SpecReader,
  obj: JsonObject,
  kind: ModelKind | undefined,
): RuntimeSpec | undefined {
  r.onlyKeys(obj, "runtime", ONNX_RUNTIME_KEYS);
  const file = r.string(obj, "file", "runtime");
  if (file !== undefined && !PACKAGE_PATH.test(file)) {
    r.add(
      "runtime.file",
      `must be a relative path inside the package (no "..", not absolute), got "${file}"`,
    );
  }
  if (kind === "tensor") {
    for (const key of ["input", "output", "positive_class_index"]) {
      if (obj[key] !== undefined) {
        r.add(
          joinPath("runtime", key),
          'does not apply to "kind": "tensor" (its inputs and outputs are the graph\'s own tensors)',
        );
      }
    }
    return file === undefined ? undefined : { type: "onnx", file };
  }
  const input = r.string(obj, "input", "runtime");
  const output = r.string(obj, "output", "runtime");
  let positive: number | undefined;
  if (kind === "binary") {
    positive = r.number(obj, "positive_class_index", "runtime", { integer: true, min: 0 });
    if (positive === undefined) return undefined;
  } else if (obj.positive_class_index !== undefined && kind !== undefined) {
    const why =
      kind === "multiclass"
        ? "the predicted class is the one with the highest score; its labels are `classes`"
        : "a regression has no classes";
    r.add("runtime.positive_class_index", `only applies to "kind": "binary": ${why}`);
  }
  if (!kind || file === undefined || input === undefined || output === undefined) return undefined;
  return positive === undefined
    ? { type: "onnx", file, input, output }
    : { type: "onnx", file, input, output, positive_class_index: positive };
}

function readRemoteRuntime(
  r: SpecReader,
  obj: JsonObject,
  kind: ModelKind | undefined,
): RuntimeSpec | undefined {
  r.onlyKeys(obj, "runtime", REMOTE_RUNTIME_KEYS);
  if (kind !== undefined && kind !== "binary") {
    // The upstream answers one probability per input: only a binary mapping applies.
    r.add("runtime.type", `"remote" serves "kind": "binary" only, not "${kind}": use "onnx"`);
  }
  const url = r.string(obj, "url", "runtime");
  if (url !== undefined && !/^https?:\/\/[^\s/]+/.test(url)) {
    r.add("runtime.url", `must be an http(s) URL, got "${url}"`);
  }
  const auth = r.choice(obj, "auth", "runtime", ["none", "huggingface"] as const, true) ?? "none";
  const timeout =
    r.number(obj, "timeout_ms", "runtime", {
      optional: true,
      integer: true,
      min: 100,
      max: 300_000,
    }) ?? 30_000;
  if (url === undefined) return undefined;
  return { type: "remote", url, auth, timeout_ms: timeout };
}

/** Reads `runtime`; what an ONNX runtime needs depends on the model's kind (undefined: unknown). */
export function readRuntime(
  r: SpecReader,
  value: unknown,
  kind: ModelKind | undefined,
): RuntimeSpec | undefined {
  const obj = r.object(value, "runtime");
  if (!obj) return undefined;
  const type = r.choice(obj, "type", "runtime", ["onnx", "remote"] as const);
  if (type === "remote") return readRemoteRuntime(r, obj, kind);
  // An unknown type is named; the other fields are still checked as an ONNX runtime's.
  const onnx = readOnnxRuntime(r, obj, kind);
  return type === undefined ? undefined : onnx;
}
