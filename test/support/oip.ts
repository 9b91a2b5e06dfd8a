/**
 * A running modelgate with the Open Inference Protocol test models registered beside model 21:
 * iris (multiclass), churn (regression on a vector), mymodel (the protocol's example, tensors
 * only) and types (one Identity per datatype, tensors only). ONNX files are built by the tests'
 * writer (src/runtimes/onnx/test-support), packages written to a temp folder.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { InferenceSession, Tensor } from "onnxruntime-node";
import { socketAdminOps } from "../../src/cli/admin-client.js";
import type { AdminOps } from "../../src/server/admin/ops.js";
import { adminSocketPath } from "../../src/server/admin/socket.js";
import {
  churnModel,
  irisModel,
  specExampleModel,
  typesModel,
  writePackage,
} from "../../src/runtimes/onnx/test-support/test-models.js";
import { parseSpec } from "../../src/spec/index.js";
import {
  multiclassSpecJson,
  regressionSpecJson,
  tensorSpecJson,
} from "../../src/spec/test-support/kind-specs.js";
import type { TestService } from "./service.js";
import { startTestService } from "./service.js";

export interface OipService {
  svc: TestService;
  admin: AdminOps;
  /** predict + models:read, every model. */
  key: string;
  close(): Promise<void>;
}

export async function startOipService(env: Record<string, string> = {}): Promise<OipService> {
  const svc = await startTestService(env);
  const admin = socketAdminOps(adminSocketPath(svc.dataDir));
  const packages = mkdtempSync(join(tmpdir(), "mg-oip-"));
  const models: [string, Record<string, unknown>, Uint8Array][] = [
    ["iris", multiclassSpecJson(), irisModel()],
    ["churn", regressionSpecJson(), churnModel()],
    ["mymodel", tensorSpecJson("mymodel"), specExampleModel()],
    ["types", { ...tensorSpecJson("types"), max_batch_size: 100 }, typesModel()],
  ];
  for (const [id, json, onnx] of models) {
    const dir = await writePackage(join(packages, id), json, onnx);
    await admin.registerModel({ id, source: `file://${dir}`, spec: parseSpec(json) });
  }
  const { key } = await admin.createKey({ name: "oip", user_id: "oip-user" });
  return {
    svc,
    admin,
    key,
    async close() {
      await svc.close();
      rmSync(packages, { recursive: true, force: true });
    },
  };
}

export interface Answer {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
  text: string;
}

export async function call(
  url: string,
  init: { method?: string; body?: unknown; key?: string; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { ...init.headers };
  if (init.key !== undefined) headers["x-api-key"] = init.key;
  let body: string | undefined;
  if (init.body !== undefined) {
    headers["content-type"] ??= "application/json";
    body = typeof init.body === "string" ? init.body : JSON.stringify(init.body);
  }
  const res = await fetch(url, { method: init.method ?? (body ? "POST" : "GET"), headers, body });
  const text = await res.text();
  let parsed: Record<string, unknown> = {};
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // Left empty: the test looks at `text`.
  }
  return { status: res.status, headers: res.headers, body: parsed, text };
}

/** What onnxruntime itself answers: the reference every API answer is compared with. */
export async function runtimeRun(
  model: Uint8Array,
  feeds: Record<string, Tensor>,
): Promise<Record<string, { dims: readonly number[]; data: number[] }>> {
  const session = await InferenceSession.create(model);
  try {
    const out = await session.run(feeds);
    return Object.fromEntries(
      Object.entries(out).map(([name, t]) => [
        name,
        { dims: t.dims, data: Array.from(t.data as ArrayLike<number | bigint>, Number) },
      ]),
    );
  } finally {
    await session.release();
  }
}

export function float32Tensor(rows: readonly (readonly number[])[]): Tensor {
  return new Tensor("float32", Float32Array.from(rows.flat()), [rows.length, rows[0]?.length ?? 0]);
}

/** Every element of `actual` within 1e-6 of `expected`'s. */
export function closeTo(actual: readonly number[], expected: readonly number[]): boolean {
  return (
    actual.length === expected.length &&
    actual.every((x, i) => Math.abs(x - (expected[i] ?? Number.NaN)) <= 1e-6)
  );
}

/** One pair of extreme elements per datatype, with the types model's input/output suffix. */
export const EVERY_DATATYPE: [string, string, unknown[]][] = [
  ["bool", "BOOL", [true, false]],
  ["int8", "INT8", [-128, 127]],
  ["uint8", "UINT8", [0, 255]],
  ["int16", "INT16", [-32768, 32767]],
  ["uint16", "UINT16", [0, 65535]],
  ["int32", "INT32", [-2147483648, 2147483647]],
  ["uint32", "UINT32", [0, 4294967295]],
  ["int64", "INT64", [-9007199254740991, 9007199254740991]],
  ["uint64", "UINT64", [0, 9007199254740991]],
  ["float16", "FP16", [1.5, -0.25]],
  ["float32", "FP32", [0.5, -3.25]],
  ["float64", "FP64", [0.1, 1e300]],
  ["string", "BYTES", ["héllo", ""]],
];
