/**
 * One onnxruntime session, run synchronously on the calling thread.
 *
 * onnxruntime-node's `InferenceSession.run` is itself synchronous native work that it defers
 * with `setImmediate` behind a promise. For a server that batches requests, that deferral
 * costs a whole turn of the event loop per batch: the rows gathered during one turn ran in the
 * next, so under load each turn ran the batch gathered the turn before while the next one
 * queued (about 7 rows a run for model 21 at 16 connections). Run here, at the end of the turn
 * that gathered them (the batchers in src/serving schedule it), a batch holds about twice the
 * rows, and a run of a tree ensemble costs nearly the same for 1 row as for 15 (its trees are
 * read from memory either way): CPU per prediction fell ~8 % (bench/run.mjs, paired).
 *
 * It uses the package's own synchronous binding (`onnxruntime-node/dist/binding.js`, declared
 * in the package's typings as "a simple synchronized inference session object wrap"), with the
 * metadata read as `InferenceSession` reads it. The version is pinned in package-lock.json;
 * every ONNX test runs through this file.
 */
import { binding, initOrt } from "onnxruntime-node/dist/binding.js";
import type { InferenceSession, Tensor } from "onnxruntime-node";

export interface OrtSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  readonly inputMetadata: readonly InferenceSession.ValueMetadata[];
  readonly outputMetadata: readonly InferenceSession.ValueMetadata[];
  /** The fetched outputs; throws what onnxruntime refuses. */
  run(feeds: Record<string, Tensor>, fetches: readonly string[]): Record<string, Tensor>;
  /** Frees the native session; it cannot run afterwards. */
  release(): void;
}

/** onnxruntime's element types by their ONNX number, as onnxruntime-node names them. */
const ELEMENT_TYPES: readonly (Tensor.Type | undefined)[] = [
  undefined,
  "float32",
  "uint8",
  "int8",
  "uint16",
  "int16",
  "int32",
  "int64",
  "string",
  "bool",
  "float16",
  "float64",
  "uint32",
  "uint64",
  undefined,
  undefined,
  undefined,
  undefined,
  undefined,
  undefined,
  undefined,
  "uint4",
  "int4",
];

interface RawMetadata {
  name: string;
  isTensor: boolean;
  symbolicDimensions: string[];
  shape: number[];
  type: number;
}

function metadata(raw: readonly RawMetadata[]): InferenceSession.ValueMetadata[] {
  return raw.map((m) => {
    if (!m.isTensor) return { name: m.name, isTensor: false };
    const type = ELEMENT_TYPES[m.type];
    if (type === undefined)
      throw new TypeError(`"${m.name}" has an unsupported element type (${m.type})`);
    // -1: a dynamic dimension, named by its symbol.
    const shape = m.shape.map((d, i) => (d === -1 ? (m.symbolicDimensions[i] ?? "") : d));
    return { name: m.name, isTensor: true, type, shape };
  });
}

/** Loads the model's bytes; throws onnxruntime's own error for bytes it cannot load. */
export function openSession(
  bytes: Uint8Array,
  options: InferenceSession.SessionOptions,
): OrtSession {
  initOrt();
  const native = new binding.InferenceSession();
  native.loadModel(bytes.buffer as ArrayBuffer, bytes.byteOffset, bytes.byteLength, options);
  const inputMetadata = metadata(native.inputMetadata);
  const outputMetadata = metadata(native.outputMetadata);
  const noOptions = {};
  return {
    inputNames: inputMetadata.map((m) => m.name),
    outputNames: outputMetadata.map((m) => m.name),
    inputMetadata,
    outputMetadata,
    run(feeds, fetches) {
      const wanted: Record<string, null> = {};
      for (const name of fetches) wanted[name] = null;
      return native.run(feeds, wanted, noOptions) as Record<string, Tensor>;
    },
    release() {
      native.dispose();
    },
  };
}
