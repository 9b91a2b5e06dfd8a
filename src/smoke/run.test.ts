/**
 * Smoke against a service that misbehaves on purpose (an HTTP server on 127.0.0.1 whose every
 * answer the test writes): each kind of failure is a failed check naming what was sent and what
 * came back, with the key masked; waiting for /ready follows the answers, on a test clock.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { runCli } from "../cli/main.js";
import type { ScriptedServer } from "../sources/test-support/scripted-server.js";
import { startScriptedServer } from "../sources/test-support/scripted-server.js";
import type { SmokeOptions } from "./run.js";
import { renderSmoke, runSmoke } from "./index.js";
import type { Clock } from "./wait.js";
import { xmlProblem } from "./test-support/xml.js";

const KEY = `hk_live_${"K".repeat(40)}`;

interface Behaviour {
  ready: () => [number, unknown];
  live: () => [number, unknown] | "hang";
  noKey: [number, unknown];
  predict: (body: string) => [number, unknown] | "slow";
  examples: unknown[] | undefined;
}

const good = (): Behaviour => ({
  ready: () => [200, { status: "ready", checks: [] }],
  live: () => [200, { status: "alive", uptime: 3 }],
  noKey: [401, { detail: "No API key", code: "api_key_missing", request_id: "req_1" }],
  predict: (body) =>
    body.includes("not an input object")
      ? [422, { detail: "Invalid request body", code: "invalid_request", request_id: "req_2" }]
      : [200, okPrediction({ score: 70, band: "Hot" })],
  examples: [{ a: 1 }],
});

function okPrediction(predictions: unknown) {
  return {
    model_id: "7",
    predictions,
    metadata: { api_version: "1.0", inference_method: "local", user_id: "u", api_key_id: "key_1" },
    timestamp: new Date().toISOString(),
  };
}

let server: ScriptedServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function fake(b: Behaviour): Promise<string> {
  server = await startScriptedServer((req: IncomingMessage, res: ServerResponse) => {
    const send = ([status, body]: [number, unknown]) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(typeof body === "string" ? body : JSON.stringify(body));
    };
    const keyed = req.headers["x-api-key"] === KEY;
    const url = req.url ?? "/";
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      if (url === "/ready") return send(b.ready());
      if (url === "/live") {
        const live = b.live();
        return live === "hang" ? undefined : send(live);
      }
      if (!keyed) return send(b.noKey);
      if (url === "/api/v1/models") return send([200, { models: [{ id: "7" }] }]);
      if (url === "/api/v1/models/7/info") {
        return send([
          200,
          {
            id: "7",
            name: "Seven",
            version: "1.0.0",
            status: "ready",
            input_schema: {
              type: "object",
              properties: { a: { type: "number" } },
              ...(b.examples ? { examples: b.examples } : {}),
            },
            outputs: [
              { name: "score", kind: "scale" },
              { name: "band", kind: "thresholds" },
            ],
          },
        ]);
      }
      if (url === "/api/v1/models/7/health") {
        return send([200, { model_id: "7", healthy: true, status: "ready", loaded: true }]);
      }
      if (url === "/api/v1/models/7/predict") {
        const p = b.predict(body);
        if (p === "slow") {
          setTimeout(() => send([200, okPrediction({ score: 1, band: "Cold" })]), 300);
          return;
        }
        return send(p);
      }
      send([404, { detail: "no", code: "not_found", request_id: "r" }]);
    });
  });
  return server.url;
}

/** A clock for the wait only: sleeping moves it on at once. */
function testClock(): Clock & { slept: number[] } {
  let t = 1_000_000;
  const slept: number[] = [];
  return {
    slept,
    now: () => t,
    sleep: async (ms) => {
      slept.push(ms);
      t += ms;
    },
  };
}

function options(url: string, more: Partial<SmokeOptions> = {}): SmokeOptions {
  return {
    url,
    apiKey: KEY,
    timeoutMs: 60_000,
    callTimeoutMs: 5_000,
    maxLatencyMs: 5_000,
    ...more,
  };
}

const check = (report: Awaited<ReturnType<typeof runSmoke>>, name: string) =>
  report.checks.find((c) => `${c.group} ${c.name}` === name);

describe("smoke checks", () => {
  it("all pass against a healthy service; extra fields are accepted", async () => {
    const report = await runSmoke(options(await fake(good())), { clock: testClock() });
    expect(report.summary).toEqual({ total: 8, passed: 8, failed: 0, skipped: 0 });
  });

  it("a predict answering 500 fails with what was sent and what came back, the key masked", async () => {
    const b = good();
    b.predict = (body) =>
      body.includes("not an input object")
        ? [422, { detail: "x", code: "invalid_request", request_id: "r" }]
        : [
            500,
            {
              detail: `boom for ${KEY} and Bearer ${"t".repeat(20)}`,
              code: "internal_error",
              request_id: "r",
            },
          ];
    const report = await runSmoke(options(await fake(b)), { clock: testClock() });
    const predict = check(report, "model 7 predict");
    expect(predict).toMatchObject({
      status: "fail",
      problems: ["expected HTTP 200, got 500 (a 5xx other than 503 is a bug)"],
    });
    expect(predict?.sent).toBe(
      `POST ${server?.url}/api/v1/models/7/predict\nX-API-Key: *** (the key given, masked)\n{"inputs":{"a":1}}`,
    );
    expect(predict?.received).toBe(
      '500 {"detail":"boom for *** and Bearer ***","code":"internal_error","request_id":"r"}',
    );
    const all =
      renderSmoke(report, "text") + renderSmoke(report, "json") + renderSmoke(report, "junit");
    expect(all).not.toContain(KEY);
    expect(all).not.toContain("t".repeat(20));
  });

  it("names each output missing from a prediction or of the wrong type", async () => {
    const b = good();
    b.predict = (body) =>
      body.includes("not an input object")
        ? [422, { detail: "x", code: "invalid_request", request_id: "r" }]
        : [200, okPrediction({ score: "70" })];
    const report = await runSmoke(options(await fake(b)), { clock: testClock() });
    expect(check(report, "model 7 predict")?.problems).toEqual([
      'predictions."score" should be number (a scale output), got a string',
      'predictions has no "band" (a thresholds output in the spec)',
    ]);
  });

  it("fails when the API answers without a key, or a malformed body with 500", async () => {
    const b = good();
    b.noKey = [200, { models: [] }];
    b.predict = () => [500, { detail: "x", code: "internal_error", request_id: "r" }];
    const url = await fake(b);
    // Without a key the fake answers 200 everywhere: only the key-less check can see it.
    const report = await runSmoke(options(url, { models: ["7"] }), { clock: testClock() });
    expect(check(report, "service no key → 401")?.problems).toEqual([
      "expected HTTP 401, got 200",
      "the API answered without an API key: anyone can read it",
    ]);
    expect(check(report, "model 7 malformed body → 422")).toMatchObject({
      status: "fail",
      problems: ["expected HTTP 422, got 500 (a 5xx other than 503 is a bug)"],
    });
  });

  it("skips predict, saying why, when the spec declares no example", async () => {
    const b = good();
    b.examples = undefined;
    const report = await runSmoke(options(await fake(b)), { clock: testClock() });
    expect(check(report, "model 7 predict")).toMatchObject({
      status: "skip",
      summary: expect.stringContaining(
        'model 7\'s spec declares no example input: add "examples" to inputs',
      ) as unknown,
    });
    expect(report.summary.failed).toBe(0);
  });

  it("a slow answer fails the latency limit, naming it", async () => {
    const b = good();
    b.predict = (body) =>
      body.includes("not an input object")
        ? [422, { detail: "x", code: "invalid_request", request_id: "r" }]
        : "slow";
    const report = await runSmoke(options(await fake(b), { maxLatencyMs: 100 }), {
      clock: testClock(),
    });
    expect(check(report, "model 7 predict")?.problems[0]).toMatch(
      /^the prediction took \d+ ms, over the 100 ms allowed \(--max-latency\)$/,
    );
  });

  it("every call has a time limit: an answer that never comes is a failed check", async () => {
    const b = good();
    b.live = () => "hang";
    const report = await runSmoke(options(await fake(b), { callTimeoutMs: 1_000 }), {
      clock: testClock(),
    });
    expect(check(report, "service live")).toMatchObject({
      status: "fail",
      problems: [
        expect.stringMatching(
          /^no answer: no whole answer from 127\.0\.0\.1:\d+ within 1 s/,
        ) as unknown,
      ],
    });
    expect(report.summary.passed).toBe(7);
  });
});

describe("waiting for /ready", () => {
  it("polls with backoff while a model loads, saying what it waits for, until 200", async () => {
    const b = good();
    let n = 0;
    b.ready = () =>
      ++n < 3
        ? [
            503,
            {
              status: "not_ready",
              checks: [{ name: "model:7", ok: false, reason: "model 7 is loading" }],
            },
          ]
        : [200, { status: "ready", checks: [] }];
    const clock = testClock();
    const lines: string[] = [];
    const report = await runSmoke(options(await fake(b), { onProgress: (l) => lines.push(l) }), {
      clock,
    });
    expect(report.wait).toMatchObject({ ready: true, stopped: "ready", attempts: 3 });
    expect(clock.slept).toEqual([500, 1_000]);
    expect(lines[0]).toMatch(
      /^waiting for http:\/\/127\.0\.0\.1:\d+\/ready \(60s left, next try in 0\.5s\): model:7: model 7 is loading$/,
    );
    expect(check(report, "service ready")?.status).toBe("pass");
  });

  it("stops early once the failing checks stop changing (a setting is missing, not a deploy in progress)", async () => {
    const b = good();
    const reason =
      "HUGGINGFACE_API_KEY is not set; model 7 is stored in a private Hugging Face repository";
    b.ready = () => [
      503,
      { status: "not_ready", checks: [{ name: "model:7", ok: false, reason }] },
    ];
    const clock = testClock();
    const report = await runSmoke(options(await fake(b)), { clock });
    expect(report.wait).toMatchObject({ ready: false, stopped: "settled", attempts: 5 });
    expect(clock.slept).toEqual([500, 1_000, 2_000, 4_000]);
    expect(check(report, "service ready")).toMatchObject({
      status: "fail",
      problems: [`not ready, and its failing checks stopped changing: model:7: ${reason}`],
    });
  });

  it("waits out the timeout for a service that does not answer, and says so", async () => {
    // A port nothing listens on any more.
    const gone = await startScriptedServer(() => undefined);
    await gone.close();
    const port = new URL(gone.url).port;
    const clock = testClock();
    const lines: string[] = [];
    const report = await runSmoke(
      options(gone.url, {
        timeoutMs: 3_000,
        callTimeoutMs: 1_000,
        onProgress: (l) => lines.push(l),
      }),
      { clock },
    );
    expect(report.wait).toMatchObject({ ready: false, stopped: "timeout" });
    expect(lines[0]).toContain(`connection refused by 127.0.0.1:${port} (nothing listens there)`);
    expect(check(report, "service ready")?.problems[0]).toMatch(
      /^not ready within --timeout: connection refused/,
    );
    expect(report.summary.passed).toBe(0);
  });
});

describe("report formats", () => {
  it("junit is well-formed XML whatever the service answers", async () => {
    const b = good();
    const nasty = "a<b>&c\"d'e]]>\u0001\u0007\uFFFE\u{1F600}";
    b.predict = () => [500, nasty];
    const report = await runSmoke(options(await fake(b)), { clock: testClock() });
    const xml = renderSmoke(report, "junit");
    expect(xmlProblem(xml)).toBeNull();
    expect(xml).toContain("a&lt;b&gt;&amp;c&quot;d&apos;e]]&gt;\u{1F600}");
    expect(xml).toMatch(
      /<testsuites name="modelgate smoke" tests="8" failures="2" errors="0" skipped="0"/,
    );
    expect(xml).toContain('<testcase classname="model 7" name="predict"');
    // The checker itself refuses what is broken.
    expect(xmlProblem(xml.replace("&amp;", "&"))).toMatch(/bare &/);
    expect(xmlProblem(xml.replace("</testsuite>", ""))).not.toBeNull();
    expect(xmlProblem(`${xml}\u0001`)).not.toBeNull();
  });
});

describe("modelgate smoke: usage (exit 2)", () => {
  async function cli(args: string[], env: Record<string, string> = {}) {
    let stderr = "";
    const code = await runCli(args, {
      cwd: "/",
      env,
      stdout: { write: () => true },
      stderr: { write: (s: string) => (stderr += s) },
    });
    return { code, stderr };
  }

  it.each([
    [
      ["smoke", "--url", "http://127.0.0.1:1"],
      {},
      "smoke needs an API key: set MODELGATE_API_KEY (kept out of shell history) or pass --api-key KEY.",
    ],
    [["smoke"], { MODELGATE_API_KEY: KEY }, "smoke needs --url URL"],
    [
      ["smoke", "--url", "ftp://x"],
      { MODELGATE_API_KEY: KEY },
      "--url must be http:// or https://",
    ],
    [
      ["smoke", "--url", "http://x/?api_key=1"],
      { MODELGATE_API_KEY: KEY },
      "without a query or fragment",
    ],
    [
      ["smoke", "--url", "http://x", "--format", "xml"],
      { MODELGATE_API_KEY: KEY },
      '--format "xml" is not one of: text, json, junit.',
    ],
    [
      ["smoke", "--url", "http://x", "--timeout", "soon"],
      { MODELGATE_API_KEY: KEY },
      '--timeout "soon" is not a duration',
    ],
    [
      ["smoke", "--url", "http://x", "--models", "21,a b"],
      { MODELGATE_API_KEY: KEY },
      'not ids: "a b"',
    ],
  ])("%j", async (args, env, message) => {
    const res = await cli(args, env);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain(message);
    expect(res.stderr).not.toContain(KEY);
  });
});
