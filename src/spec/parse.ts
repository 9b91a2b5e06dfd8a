import { constants } from "node:fs";
import { open } from "node:fs/promises";
import { join } from "node:path";
import { describeProblems, ModelgateError } from "../errors.js";
import { isModelId } from "../ids.js";
import { readFeatures } from "./parse-features.js";
import { readInputSchema } from "./parse-inputs.js";
import { readOutputs } from "./parse-outputs.js";
import { checkSpecSize, SPEC_LIMITS } from "./limits.js";
import { describeValue, SpecReader } from "./reader.js";
import type { ModelSpec, OnnxRuntimeSpec, RuntimeSpec } from "./types.js";

export const SPEC_FILE = "modelgate.json";
export const SPEC_FORMAT_VERSION = 1;

const TOP_KEYS = [
  "modelgate",
  "id",
  "name",
  "version",
  "description",
  "max_batch_size",
  "runtime",
  "inputs",
  "features",
  "outputs",
];
const ONNX_RUNTIME_KEYS = ["type", "file", "input", "output", "positive_class_index"];
const REMOTE_RUNTIME_KEYS = ["type", "url", "auth", "timeout_ms"];
// A package file is named relative to the package folder and may not climb out of it.
const PACKAGE_PATH = /^(?!.*(?:^|\/)\.\.?(?:\/|$))[A-Za-z0-9._-]+(?:\/[A-Za-z0-9._-]+)*$/;

function readRuntime(r: SpecReader, value: unknown): RuntimeSpec | undefined {
  const obj = r.object(value, "runtime");
  if (!obj) return undefined;
  const type = r.choice(obj, "type", "runtime", ["onnx", "remote"] as const);
  if (type === "remote") return readRemoteRuntime(r, obj);
  r.onlyKeys(obj, "runtime", ONNX_RUNTIME_KEYS);
  const file = r.string(obj, "file", "runtime");
  if (file !== undefined && !PACKAGE_PATH.test(file)) {
    r.add(
      "runtime.file",
      `must be a relative path inside the package (no "..", not absolute), got "${file}"`,
    );
  }
  const input = r.string(obj, "input", "runtime");
  const output = r.string(obj, "output", "runtime");
  const positive = r.number(obj, "positive_class_index", "runtime", { integer: true, min: 0 });
  if (!type || file === undefined || input === undefined || output === undefined) return undefined;
  if (positive === undefined) return undefined;
  return { type: "onnx", file, input, output, positive_class_index: positive };
}

function readRemoteRuntime(r: SpecReader, obj: Record<string, unknown>): RuntimeSpec | undefined {
  r.onlyKeys(obj, "runtime", REMOTE_RUNTIME_KEYS);
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

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

/**
 * Validates a parsed modelgate.json strictly and returns the typed, frozen spec. Every problem is
 * collected and reported at once in `errors`, each naming its exact path (`features[3].map`).
 * @param where names the file in the message (default "modelgate.json").
 */
export function parseSpec(json: unknown, where: string = SPEC_FILE): ModelSpec {
  checkSpecSize(json, where);
  const r = new SpecReader();
  const top = r.object(json, "(top level)");
  if (!top) throw specError(where, r);
  r.onlyKeys(top, "", TOP_KEYS);

  if (top.modelgate === undefined)
    r.add("modelgate", `is required (the format version, ${SPEC_FORMAT_VERSION})`);
  else if (top.modelgate !== SPEC_FORMAT_VERSION) {
    r.add(
      "modelgate",
      `format version ${describeValue(top.modelgate)} is not supported; this modelgate reads version ${SPEC_FORMAT_VERSION}`,
    );
  }
  const id = r.string(top, "id", "");
  if (id !== undefined && !isModelId(id)) {
    r.add("id", `must be 1–64 letters, digits, ".", "_" or "-", got "${id}"`);
  }
  const name = r.string(top, "name", "");
  const version = r.string(top, "version", "");
  const description = r.string(top, "description", "", true);
  const maxBatch = r.number(top, "max_batch_size", "", { integer: true, min: 1, max: 10_000 });
  if (top.runtime === undefined) r.add("runtime", "is required");
  const runtime = top.runtime === undefined ? undefined : readRuntime(r, top.runtime);
  if (top.inputs === undefined) r.add("inputs", "is required");
  const { schema: inputs, declared } =
    top.inputs === undefined ? {} : readInputSchema(r, top.inputs, "inputs");
  // A remote model's inputs go upstream as they are: it has no feature pipeline, and its
  // outputs are optional (they map a probability the upstream answers).
  const remote = runtime?.type === "remote";
  if (remote && top.features !== undefined) {
    r.add(
      "features",
      "does not apply to a remote runtime (the upstream receives the inputs as they are)",
    );
  }
  const features = remote ? [] : readFeatures(r, top, declared);
  const outputs = remote && top.outputs === undefined ? [] : readOutputs(r, top, declared);

  if (r.problems.length > 0) throw specError(where, r);
  if (!id || !name || !version || !maxBatch || !runtime || !inputs) throw specError(where, r);
  const spec: ModelSpec = {
    modelgate: SPEC_FORMAT_VERSION,
    id,
    name,
    version,
    ...(description !== undefined ? { description } : {}),
    max_batch_size: maxBatch,
    runtime,
    inputs,
    features,
    outputs,
  };
  return deepFreeze(spec);
}

function specError(where: string, r: SpecReader): ModelgateError {
  // Unreachable in practice (a missing value always records a problem), but never throw empty.
  const problems =
    r.problems.length > 0 ? r.problems : [{ field: "(top level)", problem: "is incomplete" }];
  return new ModelgateError("spec_invalid", `${where}: ${describeProblems(problems)}`, {
    errors: problems,
  });
}

function unreadable(path: string, why: string, cause?: unknown): ModelgateError {
  return new ModelgateError("spec_invalid", `${path}: ${why}`, {
    errors: [{ field: SPEC_FILE, problem: why }],
    cause,
  });
}

/**
 * The file's text: a regular file of at most SPEC_LIMITS.bytes (never more than one byte
 * beyond is read). O_NONBLOCK so that a FIFO in its place is refused instead of waited on.
 */
async function readBounded(path: string): Promise<string> {
  const file = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    if (!(await file.stat()).isFile()) {
      throw unreadable(path, "is not a regular file (a link to a device or a pipe is refused)");
    }
    const buffer = Buffer.alloc(SPEC_LIMITS.bytes + 1);
    let length = 0;
    while (length < buffer.length) {
      const { bytesRead } = await file.read(buffer, length, buffer.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    if (length > SPEC_LIMITS.bytes) {
      throw unreadable(path, `is larger than ${SPEC_LIMITS.bytes} bytes, the limit of a spec`);
    }
    return buffer.toString("utf8", 0, length);
  } finally {
    await file.close();
  }
}

/** Reads and validates `<dir>/modelgate.json`; a missing, unparseable or oversized file is spec_invalid. */
export async function readSpecFile(dir: string): Promise<ModelSpec> {
  const path = join(dir, SPEC_FILE);
  let text: string;
  try {
    text = await readBounded(path);
  } catch (err) {
    if (err instanceof ModelgateError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === "ENOENT"
        ? "file not found (a model package needs modelgate.json beside its model file)"
        : `cannot be read (${code ?? String(err)})`;
    throw unreadable(path, why, err);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    const why = `is not valid JSON (${err instanceof Error ? err.message : String(err)})`;
    throw unreadable(path, why, err);
  }
  return parseSpec(json, path);
}

/** The ONNX runtime section of a spec; a spec for another runtime is model_invalid here. */
export function onnxRuntimeOf(spec: ModelSpec, where: string): OnnxRuntimeSpec {
  if (spec.runtime.type === "onnx") return spec.runtime;
  throw new ModelgateError(
    "model_invalid",
    `${where}: runtime.type is "${spec.runtime.type}", not "onnx"`,
  );
}
