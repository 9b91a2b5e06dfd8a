import { constants } from "node:fs";
import { open } from "node:fs/promises";
import { join } from "node:path";
import { describeProblems, ModelgateError } from "../errors.js";
import { isModelId } from "../ids.js";
import { readFeatures } from "./parse-features.js";
import { readInputSchema } from "./parse-inputs.js";
import { readOutputs } from "./parse-outputs.js";
import { readKind, readRuntime } from "./parse-runtime.js";
import type { KindInfo } from "./parse-runtime.js";
import { checkSpecSize, SPEC_LIMITS } from "./limits.js";
import { describeValue, isObject, SpecReader } from "./reader.js";
import type { JsonObject } from "./reader.js";
import type {
  FeatureSpec,
  InputSchema,
  ModelKind,
  ModelSpec,
  OnnxRuntimeSpec,
  OutputSpec,
  RuntimeSpec,
  SpecFormatVersion,
} from "./types.js";

export const SPEC_FILE = "modelgate.json";
/** The newest format version; version 1 is still read, unchanged. */
export const SPEC_FORMAT_VERSION = 2;

const V1_KEYS = [
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
/** Top-level keys version 2 added. */
const V2_ONLY_KEYS = ["kind", "classes", "targets"];

/** The format version, or undefined (named) when it is missing or not one this modelgate reads. */
function readVersion(r: SpecReader, top: JsonObject): SpecFormatVersion | undefined {
  const value = top.modelgate;
  if (value === undefined) {
    r.add("modelgate", `is required (the format version, ${SPEC_FORMAT_VERSION})`);
    return undefined;
  }
  if (value === 1 || value === 2) return value;
  r.add(
    "modelgate",
    `format version ${describeValue(value)} is not supported; this modelgate reads versions 1 and ${SPEC_FORMAT_VERSION}`,
  );
  return undefined;
}

/** Version 1's keys, with a hint on the keys version 2 added. */
function checkTopKeys(r: SpecReader, top: JsonObject, version: SpecFormatVersion): void {
  if (version === 2) {
    r.onlyKeys(top, "", [...V1_KEYS, ...V2_ONLY_KEYS]);
    return;
  }
  for (const key of Object.keys(top)) {
    if (V2_ONLY_KEYS.includes(key)) {
      r.add(key, `is a version 2 field: set "modelgate": 2 to use it`);
    }
  }
  r.onlyKeys(
    Object.fromEntries(Object.entries(top).filter(([k]) => !V2_ONLY_KEYS.includes(k))),
    "",
    V1_KEYS,
  );
}

/** An empty inputs schema: a "tensor" model has no JSON inputs. */
const NO_INPUTS: InputSchema = {
  type: "object",
  properties: {},
  required: [],
  additionalProperties: false,
};

/**
 * A "tensor" model has no inputs, features or outputs. Leaving them out is the way to write it;
 * the empty forms its parsed spec holds (an inputs schema without properties, empty lists) are
 * read back too, so a stored spec parses again.
 */
function refuseFeatureSpec(r: SpecReader, top: JsonObject): void {
  const why =
    'does not apply to "kind": "tensor" (its inputs and outputs are the graph\'s own tensors): remove it';
  const inputs = top.inputs;
  if (inputs !== undefined) {
    const props = isObject(inputs) ? inputs.properties : undefined;
    if (!isObject(props) || Object.keys(props).length > 0) r.add("inputs", why);
  }
  for (const key of ["features", "outputs"]) {
    const value = top[key];
    if (value !== undefined && !(Array.isArray(value) && value.length === 0)) r.add(key, why);
  }
}

interface FeatureSpecParts {
  inputs?: InputSchema;
  features: FeatureSpec[];
  outputs: OutputSpec[];
}

function readFeatureSpec(
  r: SpecReader,
  top: JsonObject,
  version: SpecFormatVersion,
  info: KindInfo | undefined,
  runtime: RuntimeSpec | undefined,
): FeatureSpecParts {
  if (info?.kind === "tensor") {
    refuseFeatureSpec(r, top);
    return { inputs: NO_INPUTS, features: [], outputs: [] };
  }
  if (top.inputs === undefined) r.add("inputs", "is required");
  const { schema: inputs, declared } =
    top.inputs === undefined ? {} : readInputSchema(r, top.inputs, "inputs", version);
  // A remote model's inputs go upstream as they are: it has no feature pipeline, and its
  // outputs are optional (they map a probability the upstream answers).
  const remote = runtime?.type === "remote";
  if (remote && top.features !== undefined) {
    r.add(
      "features",
      "does not apply to a remote runtime (the upstream receives the inputs as they are)",
    );
  }
  const features = remote ? [] : readFeatures(r, top, declared, version);
  const outputs = remote && top.outputs === undefined ? [] : readOutputs(r, top, declared, info);
  return { ...(inputs ? { inputs } : {}), features, outputs };
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
  const version = readVersion(r, top);
  // An unreadable version is named; the rest is still checked, as the newest version.
  const v = version ?? SPEC_FORMAT_VERSION;
  checkTopKeys(r, top, v);
  const id = r.string(top, "id", "");
  if (id !== undefined && !isModelId(id)) {
    r.add("id", `must be 1–64 letters, digits, ".", "_" or "-", got "${id}"`);
  }
  const name = r.string(top, "name", "");
  const specVersion = r.string(top, "version", "");
  const description = r.string(top, "description", "", true);
  const info = readKind(r, top, v);
  const maxBatch = r.number(top, "max_batch_size", "", { integer: true, min: 1, max: 10_000 });
  if (top.runtime === undefined) r.add("runtime", "is required");
  const runtime = top.runtime === undefined ? undefined : readRuntime(r, top.runtime, info?.kind);
  const { inputs, features, outputs } = readFeatureSpec(r, top, v, info, runtime);

  if (r.problems.length > 0) throw specError(where, r);
  if (!version || !id || !name || !specVersion || !maxBatch || !runtime || !inputs || !info) {
    throw specError(where, r);
  }
  const spec: ModelSpec = {
    modelgate: version,
    id,
    name,
    version: specVersion,
    ...(description !== undefined ? { description } : {}),
    // A version 1 spec is kept as it was read: binary by definition, with no kind.
    ...(version === 2 ? { kind: info.kind } : {}),
    ...(info.classes ? { classes: info.classes } : {}),
    ...(info.targets ? { targets: info.targets } : {}),
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

/** The kind of a spec; specs stored before version 2 have none and are binary. */
export function modelKind(spec: Pick<ModelSpec, "kind">): ModelKind {
  return spec.kind ?? "binary";
}
