import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { churnModel, irisModel } from "../../runtimes/onnx/test-support/test-models.js";
import { parseSpec } from "../../spec/index.js";
import { multiclassSpecJson } from "../../spec/test-support/kind-specs.js";
import { IRIS_CLASSES, IRIS_FIELDS } from "../../spec/test-support/kind-specs.js";
import { fetchPackage, verifyCachedPackage } from "../index.js";
import { flightsInProgress } from "../single-flight.js";
import {
  CHURN_COLUMNS,
  CHURN_TARGET_NAMES,
  churnFiles,
  irisFiles,
  useFakeMlflow,
  withExternalData,
} from "./test-support/models.js";
import { mlmodelYaml, tensor } from "../../../test/support/fake-mlflow.js";
import { closeTo, float32Tensor, runtimeRun } from "../../../test/support/oip.js";
import { readOnnxGraph } from "./onnx-graph.js";

const t = useFakeMlflow();

function specOf(dir: string) {
  return parseSpec(JSON.parse(readFileSync(join(dir, "modelgate.json"), "utf8")));
}

/** Downloads of one artifact of a model's version (the fake server is shared by the file). */
function downloads(name: string, file: string, version = 1): number {
  const v = t.mlflow.versions.find((x) => x.name === name && x.version === version);
  return t.mlflow.requests.filter(
    (r) => r.path === `/api/2.0/mlflow-artifacts/artifacts/${v?.artifactPath}/${file}`,
  ).length;
}

let seq = 0;
/** A registered model name no other test uses (the fake server is shared by the file). */
const fresh = (base: string) => `${base}-${++seq}`;

describe("an onnx-flavor model version", () => {
  it("becomes a verified package with a spec written from its signature", async () => {
    const name = fresh("iris");
    t.mlflow.register(name, irisFiles());
    const pkg = await fetchPackage(`models:/${name}/1`, "27", t.ctx);
    expect(pkg).toMatchObject({ revision: "v1", fromCache: false });
    const spec = specOf(pkg.dir);
    expect(spec).toMatchObject({
      kind: "multiclass",
      classes: [...IRIS_CLASSES],
      version: "1",
      runtime: { type: "onnx", file: "model.onnx", input: "input-0", output: "probabilities" },
    });
    expect(Object.keys(spec.inputs.properties)).toEqual([...IRIS_FIELDS]);
    expect(spec.features.map((f) => f.field)).toEqual([...IRIS_FIELDS]);
    expect(spec.outputs.map((o) => o.kind)).toEqual(["label", "probabilities", "confidence"]);
    // Only what is served was downloaded: no environment files.
    expect(readdirSync(pkg.dir).sort()).toEqual([
      ".modelgate-complete.json",
      "MLmodel",
      "model.onnx",
      "modelgate.json",
    ]);
    expect(await verifyCachedPackage(pkg.dir)).toEqual([]);
    expect(readFileSync(join(pkg.dir, "model.onnx"))).toEqual(Buffer.from(irisModel()));
  });

  it("a regressor's targets come from its metadata", async () => {
    const name = fresh("churn");
    t.mlflow.register(name, churnFiles());
    const spec = specOf((await fetchPackage(`models:/${name}/1`, "30", t.ctx)).dir);
    expect(spec).toMatchObject({ kind: "regression", targets: [...CHURN_TARGET_NAMES] });
    expect(spec.inputs.properties).toEqual({
      tenure_months: { type: "number" },
      monthly_spend: { type: "number" },
      support_calls: { type: "integer" },
    });
    expect(spec.inputs.required).toEqual([...CHURN_COLUMNS]);
  });

  it("a modelgate.json in the artifacts wins over the signature", async () => {
    const name = fresh("iris");
    const own = { ...multiclassSpecJson(), description: "the model's own spec" };
    t.mlflow.register(name, { ...irisFiles(), "modelgate.json": JSON.stringify(own) });
    const pkg = await fetchPackage(`models:/${name}/1`, "27", t.ctx);
    expect(specOf(pkg.dir)).toEqual(parseSpec(own));
    expect(downloads(name, "MLmodel")).toBe(0);
    expect(downloads(name, "modelgate.json")).toBe(1);
  });

  it("MLflow's saved input example becomes inputs.examples (what smoke predicts with), when it fits", async () => {
    const name = fresh("iris");
    const yaml = (example: string) =>
      mlmodelYaml({
        inputs: IRIS_FIELDS.map((f) => ({ type: "double", name: f, required: true })),
        metadata: { classes: [...IRIS_CLASSES] },
        inputExample: example,
      });
    const split = {
      columns: [...IRIS_FIELDS],
      data: [
        [6.8, 2.8, 4.8, 1.4],
        [5.1, 3.5, 1.4, 0.2],
      ],
    };
    t.mlflow.register(name, {
      ...irisFiles(),
      MLmodel: yaml("input_example.json"),
      "input_example.json": JSON.stringify(split),
    });
    const spec = specOf((await fetchPackage(`models:/${name}/1`, "27", t.ctx)).dir);
    expect(spec.inputs.examples).toEqual([
      { sepal_length: 6.8, sepal_width: 2.8, petal_length: 4.8, petal_width: 1.4 },
      { sepal_length: 5.1, sepal_width: 3.5, petal_length: 1.4, petal_width: 0.2 },
    ]);
    // An example that does not fit the signature is left out; the model is still served.
    const bad = fresh("iris");
    t.mlflow.register(bad, {
      ...irisFiles(),
      MLmodel: yaml("input_example.json"),
      "input_example.json": JSON.stringify({ ...split, data: [["x", 1, 2, 3]] }),
    });
    const plain = specOf((await fetchPackage(`models:/${bad}/1`, "27", t.ctx)).dir);
    expect(plain.kind).toBe("multiclass");
    expect(plain.inputs.examples).toBeUndefined();
  });

  it("a tensor-based signature is served with tensors only, saying why", async () => {
    const name = fresh("tensors");
    t.mlflow.register(name, {
      MLmodel: mlmodelYaml({
        inputs: [tensor("input-0", "float32", [-1, 4])],
        outputs: [tensor("probabilities", "float32", [-1, 3])],
      }),
      "model.onnx": Buffer.from(irisModel()),
    });
    const spec = specOf((await fetchPackage(`models:/${name}/1`, "m", t.ctx)).dir);
    expect(spec.kind).toBe("tensor");
    expect(spec.description).toMatch(/tensor-based/);
  });

  it("weights saved as external data are put inline: one self-contained model file", async () => {
    const name = fresh("external");
    const { onnx, data } = withExternalData(churnModel(), "7d1f3a2e-0c1b-11ef-9a3b-0242ac120002");
    t.mlflow.register(name, {
      ...churnFiles(onnx),
      "7d1f3a2e-0c1b-11ef-9a3b-0242ac120002": data,
    });
    const pkg = await fetchPackage(`models:/${name}/1`, "30", t.ctx);
    expect(readdirSync(pkg.dir)).not.toContain("7d1f3a2e-0c1b-11ef-9a3b-0242ac120002");
    expect(await verifyCachedPackage(pkg.dir)).toEqual([]);
    expect(downloads(name, "7d1f3a2e-0c1b-11ef-9a3b-0242ac120002")).toBe(1);
    expect((await readOnnxGraph(join(pkg.dir, "model.onnx"))).externalFiles).toEqual([]);
    // Same graph, same weights: onnxruntime answers as with the original single file.
    const feeds = () => ({ features: float32Tensor([[24, 79.5, 3]]) });
    const served = await runtimeRun(readFileSync(join(pkg.dir, "model.onnx")), feeds());
    const original = await runtimeRun(churnModel(), feeds());
    expect(closeTo(served.values?.data ?? [], original.values?.data ?? [])).toBe(true);
  });
});

describe("aliases and versions", () => {
  it("an alias resolves each time; a moved alias is a new version", async () => {
    const name = fresh("churn");
    t.mlflow.register(name, churnFiles());
    t.mlflow.setAlias(name, "production", 1);
    const first = await fetchPackage(`models:/${name}@production`, "30", t.ctx);
    expect(first.revision).toBe("v1");
    t.mlflow.register(name, churnFiles());
    t.mlflow.setAlias(name, "production", 2);
    const second = await fetchPackage(`models:/${name}@production`, "30", t.ctx);
    expect(second).toMatchObject({ revision: "v2", fromCache: false });
    expect(specOf(second.dir).version).toBe("2");
  });

  it("latest is the newest version", async () => {
    const name = fresh("iris");
    t.mlflow.register(name, irisFiles());
    t.mlflow.register(name, irisFiles());
    expect((await fetchPackage(`models:/${name}/latest`, "27", t.ctx)).revision).toBe("v2");
  });

  it("a cached version number is served without asking MLflow", async () => {
    const name = fresh("iris");
    t.mlflow.register(name, irisFiles());
    await fetchPackage(`models:/${name}/1`, "27", t.ctx);
    const before = t.mlflow.requests.length;
    await t.mlflow.down();
    const again = await fetchPackage(`models:/${name}/1`, "27", t.ctx);
    expect(again).toEqual({ dir: again.dir, revision: "v1", fromCache: true });
    expect(t.mlflow.requests.length).toBe(before);
  });

  it("MLflow down: an alias is served from its last verified version, with the reason", async () => {
    const name = fresh("iris");
    t.mlflow.register(name, irisFiles());
    t.mlflow.setAlias(name, "production", 1);
    await fetchPackage(`models:/${name}@production`, "27", t.ctx);
    await t.mlflow.down();
    const pkg = await fetchPackage(`models:/${name}@production`, "27", t.ctx);
    expect(pkg).toMatchObject({ revision: "v1", fromCache: true });
    expect(pkg.refreshError).toMatchObject({ code: "source_unreachable" });
    expect(pkg.refreshError?.detail).toContain(
      `The MLflow tracking server at ${t.mlflow.url} is unavailable`,
    );
  });

  it("MLflow down and nothing cached: 503 source_unreachable with Retry-After", async () => {
    await t.mlflow.down();
    const err = await fetchPackage("models:/nothing@production", "27", t.ctx).catch(
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ code: "source_unreachable", headers: { "Retry-After": "30" } });
    expect(String((err as Error).message)).toContain("connection refused");
  });

  it("HF_HUB_OFFLINE: MLflow is never asked; the cached version is served, or the variable named", async () => {
    const name = fresh("iris");
    t.mlflow.register(name, irisFiles());
    t.mlflow.setAlias(name, "production", 1);
    await fetchPackage(`models:/${name}@production`, "27", t.ctx);
    const before = t.mlflow.requests.length;
    const offline = { ...t.ctx, offline: true };
    const pkg = await fetchPackage(`models:/${name}@production`, "27", offline);
    expect(pkg).toMatchObject({ revision: "v1", fromCache: true });
    expect(pkg.refreshError?.detail).toMatch(/^HF_HUB_OFFLINE is set/);
    const err = await fetchPackage(`models:/${name}@staging`, "27", offline).catch(
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ code: "source_unreachable" });
    expect(t.mlflow.requests.length).toBe(before);
  });

  it("a failing server is retried with backoff, then source_unreachable naming the status", async () => {
    t.mlflow.fault({ kind: "status", status: 503 });
    const err = await fetchPackage("models:/any@production", "27", t.ctx).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "source_unreachable" });
    expect(String((err as Error).message)).toContain("(HTTP 503, 3 attempts)");
    expect(t.ctx.delays).toHaveLength(2);
  });

  it("concurrent first fetches share one resolution and one download", async () => {
    const name = fresh("iris");
    t.mlflow.register(name, irisFiles());
    t.mlflow.setAlias(name, "production", 1);
    const all = await Promise.all(
      Array.from({ length: 20 }, () => fetchPackage(`models:/${name}@production`, "27", t.ctx)),
    );
    expect(new Set(all.map((p) => p.revision))).toEqual(new Set(["v1"]));
    expect(t.mlflow.hits(`registered-models/alias?name=${name}`)).toBe(1);
    expect(downloads(name, "model.onnx")).toBe(1);
    expect(flightsInProgress()).toBe(0);
  });
});
