import { Tensor } from "onnxruntime-node";
import type { GraphTensors, TensorRunner } from "../runtimes/onnx/index.js";

type Feeds = Record<string, Tensor>;
type Results = Record<string, Tensor>;
type TensorArray = Tensor["data"];

interface Pending {
  feeds: Feeds;
  fetches: readonly string[];
  /** The rows it sends (the inputs' shared first dimension). */
  rows: number;
  /** Inputs, datatypes, trailing dimensions and outputs: requests with the same key can merge. */
  key: string;
  resolve: (results: Results) => void;
  reject: (err: unknown) => void;
}

/** Whether the graph's inputs and outputs all take a batch as their first, dynamic dimension. */
function batchable(graph: GraphTensors): boolean {
  const batchFirst = (shape: readonly number[]) => shape.length > 0 && shape[0] === -1;
  return (
    graph.inputs.every((t) => t.type !== null && batchFirst(t.shape)) &&
    graph.outputs.every((t) => t.type === null || batchFirst(t.shape))
  );
}

/** The request's rows and merge key, or null when its inputs do not share a first dimension. */
function describe(feeds: Feeds, fetches: readonly string[]): { rows: number; key: string } | null {
  let rows = -1;
  const parts: string[] = [];
  for (const name of Object.keys(feeds).sort()) {
    const t = feeds[name];
    const n = t?.dims[0];
    if (!t || n === undefined || n < 1 || (rows !== -1 && n !== rows)) return null;
    rows = n;
    parts.push(`${name}:${t.type}:${t.dims.slice(1).join("x")}`);
  }
  return rows < 1 ? null : { rows, key: `${parts.join(",")}>${fetches.join(",")}` };
}

function concat(parts: readonly TensorArray[], total: number): TensorArray {
  const first = parts[0];
  if (Array.isArray(first)) return (parts as string[][]).flat();
  const Ctor = (first as Float32Array).constructor as new (n: number) => Float32Array;
  const out = new Ctor(total);
  let at = 0;
  for (const p of parts as Float32Array[]) {
    out.set(p, at);
    at += p.length;
  }
  return out as TensorArray;
}

function slice(data: TensorArray, from: number, to: number): TensorArray {
  return (data as Float32Array).slice(from, to) as TensorArray;
}

/**
 * Dynamic batching for tensors sent straight to a graph (the Open Inference Protocol), as the
 * predict route's batcher does for rows: requests with the same inputs (names, types, trailing
 * dimensions) and outputs that arrive during one turn of the event loop, or while a run is in
 * flight, go together in one run at the end of the turn,
 * concatenated along the first dimension (at most `maxBatch` rows, never splitting a request),
 * and each gets its rows of every output back. Only for a graph whose inputs and outputs all
 * have a dynamic first dimension; other graphs, and requests that cannot merge, run alone.
 */
export function createTensorBatcher(runner: TensorRunner, maxBatch: number): TensorRunner {
  if (!batchable(runner.graph)) return runner;
  const queue: Pending[] = [];
  let running = false;

  function takeBatch(): Pending[] {
    const first = queue.shift();
    if (!first) return [];
    const batch = [first];
    let size = first.rows;
    for (let i = 0; i < queue.length && size < maxBatch;) {
      const next = queue[i];
      if (next && next.key === first.key && size + next.rows <= maxBatch) {
        queue.splice(i, 1);
        batch.push(next);
        size += next.rows;
      } else i++;
    }
    return batch;
  }

  async function runAlone(batch: readonly Pending[]): Promise<void> {
    await Promise.all(batch.map((p) => runner.run(p.feeds, p.fetches).then(p.resolve, p.reject)));
  }

  async function runBatch(batch: readonly Pending[]): Promise<void> {
    const [first] = batch;
    if (!first) return;
    if (batch.length === 1) {
      first.resolve(await runner.run(first.feeds, first.fetches));
      return;
    }
    const total = batch.reduce((n, p) => n + p.rows, 0);
    const feeds: Feeds = {};
    for (const [name, t] of Object.entries(first.feeds)) {
      const parts = batch.map((p) => p.feeds[name]?.data ?? []);
      const data = concat(
        parts as TensorArray[],
        parts.reduce((n, d) => n + d.length, 0),
      );
      feeds[name] = new Tensor(t.type, data as Float32Array, [total, ...t.dims.slice(1)]);
    }
    let results: Results;
    try {
      results = await runner.run(feeds, first.fetches);
    } catch {
      // One request's values may be what the graph refused: each runs alone, so only it fails.
      await runAlone(batch);
      return;
    }
    // An output whose first dimension is not the rows cannot be split: each runs alone.
    if (first.fetches.some((name) => results[name]?.dims[0] !== total)) {
      await runAlone(batch);
      return;
    }
    let at = 0;
    for (const p of batch) {
      const own: Results = {};
      for (const name of first.fetches) {
        const t = results[name];
        if (!t) continue;
        const stride = t.data.length / total;
        const data = slice(t.data, at * stride, (at + p.rows) * stride);
        own[name] = new Tensor(t.type, data as Float32Array, [p.rows, ...t.dims.slice(1)]);
      }
      at += p.rows;
      p.resolve(own);
    }
  }

  function flush(): void {
    const batch = takeBatch();
    if (batch.length === 0) {
      running = false;
      return;
    }
    running = true;
    runBatch(batch).then(flush, (err: unknown) => {
      for (const p of batch) p.reject(err);
      flush();
    });
  }

  return {
    graph: runner.graph,
    run(feeds, fetches) {
      const shape = describe(feeds, fetches);
      if (!shape || shape.rows > maxBatch) return runner.run(feeds, fetches);
      return new Promise<Results>((resolve, reject) => {
        queue.push({ feeds, fetches, ...shape, resolve, reject });
        // Runs at the end of this turn of the event loop, with what else arrived during it.
        if (!running) {
          running = true;
          setImmediate(flush);
        }
      });
    },
  };
}
