import { describe, expect, it } from "vitest";
import { startScriptedServer } from "../test-support/scripted-server.js";
import { irisModel } from "../../runtimes/onnx/test-support/test-models.js";
import {
  fetchPackage,
  parseSource,
  probeSource,
  sourceRequirements,
  checkSource,
} from "../index.js";
import { column, mlmodelYaml } from "../../../test/support/fake-mlflow.js";
import { irisFiles, pickleFiles, useFakeMlflow } from "./test-support/models.js";

const t = useFakeMlflow();
let seq = 0;
const fresh = (base: string) => `${base}-${++seq}`;

async function refusal(source: string, ctx = t.ctx) {
  const err = await fetchPackage(source, "27", ctx).catch((e: unknown) => e);
  if (!(err instanceof Error)) throw new Error(`expected a refusal, got ${JSON.stringify(err)}`);
  return err as Error & { code: string; detail: string };
}

describe("models that cannot be served", () => {
  it("a pyfunc-only model: source_unsupported naming its flavors and how to export ONNX; the pickle is never fetched", async () => {
    const name = fresh("pickled");
    t.mlflow.register(name, pickleFiles());
    const err = await refusal(`models:/${name}/1`);
    expect(err.code).toBe("source_unsupported");
    expect(err.detail).toContain(
      `MLflow registered model ${name} version 1 was logged with the flavors python_function, sklearn and no onnx flavor`,
    );
    expect(err.detail).toMatch(/skl2onnx.*mlflow\.onnx\.log_model/);
    expect(t.mlflow.hits("model.pkl")).toBe(0);
  });

  it("an onnx flavor whose data path climbs out of the model's folder is refused before any download", async () => {
    const name = fresh("climb");
    const yaml = mlmodelYaml({
      flavors: { onnx: { data: "../../../../etc/passwd.onnx" } },
      inputs: [column("x")],
    });
    t.mlflow.register(name, { MLmodel: yaml, "model.onnx": Buffer.from(irisModel()) });
    const err = await refusal(`models:/${name}/1`);
    expect(err.code).toBe("model_invalid");
    expect(err.detail).toContain('names the file "../../../../etc/passwd.onnx"');
    expect(t.mlflow.hits("passwd")).toBe(0);
  });

  it("a model file that is not ONNX is model_invalid, named", async () => {
    const name = fresh("broken");
    t.mlflow.register(name, { ...irisFiles(), "model.onnx": "not an onnx file" });
    const err = await refusal(`models:/${name}/1`);
    expect(err.code).toBe("model_invalid");
    expect(err.detail).toContain("its model file model.onnx is not an ONNX model");
  });

  it("a package over MODEL_MAX_PACKAGE_MB is refused from the listing's sizes, before its download", async () => {
    const name = fresh("large");
    t.mlflow.register(name, { ...irisFiles(), "model.onnx": Buffer.alloc(64 * 1024, 1) });
    const small = { ...t.ctx, limits: { maxPackageBytes: 32 * 1024 } };
    const err = await refusal(`models:/${name}/1`, small);
    expect(err.code).toBe("source_too_large");
    expect(err.detail).toContain("MODEL_MAX_PACKAGE_MB");
    expect(
      t.mlflow.hits(`${name}`) >= 0 &&
        t.mlflow.requests.some(
          (r) =>
            r.path.endsWith("/model.onnx") &&
            r.path.includes(t.mlflow.versions.at(-1)?.runId ?? "?"),
        ),
    ).toBe(false);
  });

  it("artifacts in a store modelgate does not read (s3://) are named, with the fix", async () => {
    const name = fresh("s3");
    t.mlflow.register(name, irisFiles(), { downloadUri: "s3://bucket/1/abc/artifacts/model" });
    const err = await refusal(`models:/${name}/1`);
    expect(err.code).toBe("source_unsupported");
    expect(err.detail).toContain("stored at a s3: location");
    expect(err.detail).toContain("--serve-artifacts");
  });

  it("a version still registering is source_unreachable with Retry-After; a failed one is not found", async () => {
    const pending = fresh("pending");
    t.mlflow.register(pending, irisFiles(), { status: "PENDING_REGISTRATION" });
    expect(await refusal(`models:/${pending}/1`)).toMatchObject({
      code: "source_unreachable",
      headers: { "Retry-After": "30" },
    });
    const failed = fresh("failed");
    t.mlflow.register(failed, irisFiles(), { status: "FAILED_REGISTRATION" });
    expect((await refusal(`models:/${failed}/1`)).code).toBe("source_not_found");
  });

  it("an unknown model, version or alias is source_not_found with MLflow's words", async () => {
    const name = fresh("iris");
    t.mlflow.register(name, irisFiles());
    const version = await refusal(`models:/${name}/7`);
    expect(version.code).toBe("source_not_found");
    expect(version.detail).toContain(`has no ${name}/7 for model 27 (HTTP 404)`);
    expect(version.detail).toContain("RESOURCE_DOES_NOT_EXIST");
    expect((await refusal(`models:/${name}@champion`)).detail).toContain(
      "Registered model alias champion not found",
    );
    expect((await refusal("models:/nobody/latest")).code).toBe("source_not_found");
  });
});

describe("the tracking server's credentials", () => {
  it("MLFLOW_TRACKING_URI not set: source_credentials_missing naming it", async () => {
    const ctx = { ...t.ctx, mlflow: { trackingUri: undefined } };
    const err = await refusal("models:/churn@production", ctx);
    expect(err.code).toBe("source_credentials_missing");
    expect(err.detail).toMatch(
      /^MLFLOW_TRACKING_URI is not set; model 27 is stored in an MLflow registry/,
    );
  });

  it("a tracking URI that is not a server (a local store, credentials in it) is refused, named", async () => {
    const file = await refusal("models:/x/1", {
      ...t.ctx,
      mlflow: { trackingUri: "file:///mlruns" },
    });
    expect(file).toMatchObject({ code: "source_unsupported" });
    expect(file.detail).toContain("MLFLOW_TRACKING_URI is a file: URI");
    const creds = await refusal("models:/x/1", {
      ...t.ctx,
      mlflow: { trackingUri: "https://bob:hunter2@mlflow.example" },
    });
    expect(creds.detail).toContain("carries credentials in the URL");
    expect(creds.detail).not.toContain("hunter2");
  });

  it("no token for a server that wants one: source_credentials_missing naming MLFLOW_TRACKING_TOKEN; recorded for /ready", async () => {
    const name = fresh("iris");
    t.mlflow.register(name, irisFiles());
    t.mlflow.auth = true;
    const err = await refusal(`models:/${name}/1`);
    expect(err.code).toBe("source_credentials_missing");
    expect(err.detail).toMatch(
      new RegExp(
        `^MLFLOW_TRACKING_TOKEN is not set; model 27 is stored in the MLflow registry at ${t.mlflow.url}, which requires credentials`,
      ),
    );
    // Learnt: the offline checks now name the variable too.
    const req = await sourceRequirements(`models:/${name}/1`, "27", t.ctx);
    expect(req.requirements).toContainEqual(
      expect.objectContaining({ variable: "MLFLOW_TRACKING_TOKEN", met: false }),
    );
    const check = await checkSource(`models:/${name}/1`, "27", t.ctx);
    expect(check).toMatchObject({ ok: false, error: { code: "source_credentials_missing" } });
  });

  it("a rejected token: source_unauthorized naming MLFLOW_TRACKING_TOKEN, never the token", async () => {
    const name = fresh("iris");
    t.mlflow.register(name, irisFiles());
    t.mlflow.auth = true;
    const ctx = {
      ...t.ctx,
      mlflow: { trackingUri: t.mlflow.url, token: "mlflow-wrong-token-123456" },
    };
    const err = await refusal(`models:/${name}/1`, ctx);
    expect(err.code).toBe("source_unauthorized");
    expect(err.detail).toContain(
      `The MLflow tracking server at ${t.mlflow.url} rejected MLFLOW_TRACKING_TOKEN (HTTP 401)`,
    );
    expect(JSON.stringify(err)).not.toContain("mlflow-wrong-token");
    const denied = await refusal(`models:/${name}/1`, {
      ...ctx,
      mlflow: { trackingUri: t.mlflow.url, token: t.mlflow.tokens.noPermission },
    });
    expect(denied.code).toBe("source_unauthorized");
    expect(denied.detail).toContain(`MLFLOW_TRACKING_TOKEN may not read registered model ${name}`);
  });

  it("the token or basic auth is accepted; the probe says which", async () => {
    const name = fresh("iris");
    t.mlflow.register(name, irisFiles());
    t.mlflow.auth = true;
    const token = { ...t.ctx, mlflow: { trackingUri: t.mlflow.url, token: t.mlflow.tokens.read } };
    expect((await fetchPackage(`models:/${name}/1`, "27", token)).revision).toBe("v1");
    const basic = {
      ...t.ctx,
      mlflow: { trackingUri: t.mlflow.url, ...t.mlflow.basic },
    };
    const probe = await probeSource(`models:/${name}/1`, "27", basic);
    expect(probe).toMatchObject({ ok: true, revision: "v1" });
    expect(probe.ok && probe.detail).toContain(
      "MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD accepted",
    );
    // Half of basic auth: the cached version is still served, and why it cannot be refreshed.
    const half = await fetchPackage(`models:/${name}/1`, "27", {
      ...t.ctx,
      mlflow: { trackingUri: t.mlflow.url, username: "modelgate" },
    });
    expect(half).toMatchObject({
      fromCache: true,
      refreshError: { code: "source_credentials_missing" },
    });
    expect(half.refreshError?.detail).toMatch(
      /^MLFLOW_TRACKING_PASSWORD is not set but MLFLOW_TRACKING_USERNAME is/,
    );
  });

  it("a token goes to the tracking server only: direct http(s) artifacts elsewhere get none", async () => {
    const name = fresh("direct");
    const files = irisFiles();
    const cdn = await startScriptedServer((req, res) => {
      const file = files[(req.url ?? "").replace(/^\/models\/iris\//, "")];
      if (file === undefined) return void res.writeHead(404).end();
      const body = Buffer.from(file);
      res.writeHead(200, { "Content-Length": body.length }).end(body);
    });
    try {
      t.mlflow.register(name, {}, { downloadUri: `${cdn.url}/models/iris` });
      t.mlflow.auth = true;
      const ctx = { ...t.ctx, mlflow: { trackingUri: t.mlflow.url, token: t.mlflow.tokens.read } };
      const pkg = await fetchPackage(`models:/${name}/1`, "27", ctx);
      expect(pkg.revision).toBe("v1");
      expect(cdn.requests.length).toBeGreaterThanOrEqual(3); // modelgate.json (404), MLmodel, model.onnx
      expect(cdn.requests.every((h) => h.authorization === undefined)).toBe(true);
    } finally {
      await cdn.close();
    }
  });
});

describe("source text", () => {
  it("models:/ and mlflow:// are read the same and stored canonically", () => {
    expect(parseSource("mlflow://churn@production", "/")).toEqual({
      kind: "mlflow",
      name: "churn",
      version: null,
      alias: "production",
    });
    expect(parseSource("models:/churn/LATEST", "/")).toMatchObject({ version: "latest" });
    for (const [text, problem] of [
      ["models:/churn", "names no version"],
      ["models:/churn/Production", "stages"],
      ["models:/churn/0", "must be a version number"],
      ["models:/churn@v2", "reserved"],
      ["models:/../x/1", "must be 1–256"],
      ["models://profile@databricks/churn/1", "models:/NAME/VERSION"],
    ] as const) {
      expect(() => parseSource(text, "/"), text).toThrow(problem);
    }
  });
});
