import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseSpec } from "../../spec/index.js";
import type { ModelSpec } from "../../spec/index.js";
import { exampleSpecJson } from "../../spec/test-support/example-spec.js";
import { createRemoteModel } from "./index.js";

/** A real upstream on 127.0.0.1 whose answer each test chooses by path. */
let base = "";
const seen: { auth: string | undefined; body: unknown }[] = [];
const server = createServer((req, res) => {
  let text = "";
  req.on("data", (d: Buffer) => (text += d.toString()));
  req.on("end", () => {
    const body = JSON.parse(text) as { inputs: unknown[] };
    seen.push({ auth: req.headers.authorization, body });
    const send = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { "content-type": "application/json", ...headers });
      res.end(JSON.stringify(payload));
    };
    switch (req.url) {
      case "/objects":
        return send(
          200,
          body.inputs.map((_, i) => ({ label: "yes", index: i })),
        );
      case "/probabilities":
        return send(200, { predictions: body.inputs.map(() => 0.8) });
      case "/unauthorized":
        return send(401, { error: "Invalid credentials in Authorization header" });
      case "/missing":
        return send(404, { error: "Model not found" });
      case "/limited":
        return send(429, { error: "Rate limit reached" }, { "retry-after": "7" });
      case "/loading":
        return send(503, { error: "Model acme/x is currently loading", estimated_time: 20.5 });
      case "/short":
        return send(200, []);
      case "/slow":
        setTimeout(() => send(200, body.inputs), 1_000);
        return;
      default:
        return send(500, { error: "boom" });
    }
  });
});

beforeAll(async () => {
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
});

function remoteSpec(path: string, extra: Record<string, unknown> = {}): ModelSpec {
  const json = exampleSpecJson() as Record<string, unknown>;
  delete json.features;
  json.runtime = { type: "remote", url: `${base}${path}`, timeout_ms: 300, ...extra };
  return parseSpec(json);
}

const row = {
  company_size: 10,
  industry: "Technology",
  engagement_score: 80,
  demo_requested: true,
};

describe("remote runtime (spec)", () => {
  it("parses a remote runtime without features, defaulting auth and timeout", () => {
    const json = exampleSpecJson() as Record<string, unknown>;
    delete json.features;
    delete json.outputs;
    json.runtime = { type: "remote", url: "https://api-inference.huggingface.co/models/acme/lead" };
    expect(parseSpec(json).runtime).toEqual({
      type: "remote",
      url: "https://api-inference.huggingface.co/models/acme/lead",
      auth: "none",
      timeout_ms: 30_000,
    });
  });

  it("refuses features on a remote runtime and a non-http url, naming the fields", () => {
    const json = exampleSpecJson() as Record<string, unknown>;
    json.runtime = { type: "remote", url: "ftp://x" };
    expect(() => parseSpec(json)).toThrow(
      /runtime\.url: must be an http\(s\) URL.*features: does not apply/,
    );
  });
});

describe("remote runtime (calls)", () => {
  it("posts the inputs and passes objects through, one per input", async () => {
    const model = createRemoteModel(remoteSpec("/objects"), { modelId: "r1" });
    expect(await model.predict([row, row])).toEqual([
      { label: "yes", index: 0 },
      { label: "yes", index: 1 },
    ]);
    expect(seen.at(-1)).toEqual({ auth: undefined, body: { inputs: [row, row] } });
  });

  it("maps a probability with the spec's outputs", async () => {
    const model = createRemoteModel(remoteSpec("/probabilities"), { modelId: "r1" });
    const [out] = await model.predict([row]);
    expect(out).toMatchObject({ lead_score: 80, recommendation: "Hot" });
  });

  it("sends HUGGINGFACE_API_KEY as a Bearer token, and names it when it is missing", async () => {
    const spec = remoteSpec("/objects", { auth: "huggingface" });
    await createRemoteModel(spec, { modelId: "r1", token: "hf_abc" }).predict([row]);
    expect(seen.at(-1)?.auth).toBe("Bearer hf_abc");
    await expect(createRemoteModel(spec, { modelId: "r1" }).predict([row])).rejects.toMatchObject({
      code: "source_credentials_missing",
      status: 503,
      message: expect.stringMatching(/^HUGGINGFACE_API_KEY is not set; model r1/),
    });
  });

  it.each([
    ["/unauthorized", "source_unauthorized", undefined],
    ["/missing", "source_not_found", undefined],
    ["/limited", "source_unreachable", "7"],
    ["/loading", "model_unavailable", "21"],
    ["/boom", "source_unreachable", "5"],
    ["/short", "model_unavailable", undefined],
    ["/slow", "source_unreachable", "5"],
  ])("maps upstream %s to 503 %s, never 500", async (path, code, retryAfter) => {
    const model = createRemoteModel(remoteSpec(path), { modelId: "r1" });
    const err = await model.predict([row]).catch((e: unknown) => e);
    expect(err).toMatchObject({ code, status: 503 });
    expect((err as { headers?: Record<string, string> }).headers?.["Retry-After"]).toBe(retryAfter);
  });
});
