/**
 * Property-based fuzzing of every public route and every admin socket route, over real HTTP
 * written byte for byte (test/fuzz-requests.ts, test/fuzz-http.ts). For every answer: no 500
 * (a 5xx only as a 503 with a code of the catalogue, or /ready's and a model health's own
 * 503 bodies), every error in the `{detail, code, request_id}` envelope with its catalogue
 * status, error answers bounded, no API key anywhere in an answer, an answer (or a close) for
 * every connection, and the server still live after each property.
 *
 * Bounded to stay well under a minute on a 2-core machine: each property has a run count and a
 * time budget (reaching the budget ends the property early, it does not fail it).
 * Replay a failure with FUZZ_SEED=<seed> (printed with it); FUZZ_RUNS=<n> scales the runs.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { socketAdminOps } from "../src/cli/admin-client.js";
import type { CreateKeyRequest } from "../src/server/admin/ops.js";
import { adminSocketPath } from "../src/server/admin/socket.js";
import type { Endpoint, Exchange, SentRequest } from "./fuzz-http.js";
import { answerProblems, endpointOf, exchange } from "./fuzz-http.js";
import type { FuzzRequest, KeyRole } from "./fuzz-requests.js";
import { binaryInferRequest } from "./fuzz-oip-binary.js";
import {
  adminCall,
  adminRequest,
  describe as describeRequest,
  malformedBytes,
  modelRouteRequest,
  predictRequest,
  publicRequest,
  SEED_INPUT,
  toWire,
} from "./fuzz-requests.js";
import type { TestService } from "./support/service.js";
import { getJson, startTestService } from "./support/service.js";

const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : Date.now() % 2 ** 31;
const SCALE = process.env.FUZZ_RUNS ? Number(process.env.FUZZ_RUNS) / 100 : 1;
const runs = (n: number) => Math.max(1, Math.round(n * SCALE));
/** Longer than any time limit of the server below: a connection still silent then is a hang. */
const WAIT_MS = 15_000;

const LEAD_SCORING = fileURLToPath(new URL("../models/lead-scoring/", import.meta.url));
const SPEC = JSON.parse(readFileSync(`${LEAD_SCORING}modelgate.json`, "utf8")) as Record<
  string,
  unknown
>;
const SOURCES = [
  LEAD_SCORING,
  "builtin:lead-scoring",
  "/nonexistent/folder",
  "/dev",
  "/etc/passwd",
  "hf://org/repo",
  "hf://org/repo@main",
  "http://127.0.0.1:1/model.tar.gz",
  "https://127.0.0.1:1/model",
  "file:///etc",
  "mlflow://model/1",
];

/** The server's error log lines (a 500 logs its cause there), shown with a failure. */
const errorLines: string[] = [];
function keepErrorLines(line: string): void {
  if (errorLines.length < 20 && /"level":(50|60)/.test(line)) errorLines.push(line.slice(0, 3_000));
}

let svc: TestService;
let keys: Record<KeyRole, string>;
let secrets: string[];
let publicEndpoint: Endpoint;
let adminEndpoint: Endpoint;

beforeAll(async () => {
  svc = await startTestService(
    {
      // The smallest time limits allowed, so a request cut by them costs a second, not 30.
      MODELGATE_REQUEST_TIMEOUT_MS: "1000",
      MODELGATE_HEADERS_TIMEOUT_MS: "500",
      RATE_LIMIT_DEFAULT_PER_HOUR: "0",
      AUTH_FAILED_ATTEMPTS_PER_MINUTE: "1000000",
      // Sources the admin fuzz registers point here: refused at once, no DNS, no internet.
      HF_ENDPOINT: "http://127.0.0.1:1",
      MODELGATE_SOURCE_RETRIES: "0",
    },
    { logTo: { write: keepErrorLines } },
  );
  const admin = socketAdminOps(adminSocketPath(svc.dataDir));
  const make = async (name: string, extra: Omit<CreateKeyRequest, "name">) =>
    (await admin.createKey({ ...extra, name })).key;
  const revoked = await admin.createKey({ name: "revoked", scopes: ["predict"] });
  await admin.revokeKey(revoked.id);
  keys = {
    admin: svc.adminKey,
    predict: await make("predict", { scopes: ["predict"] }),
    reader: await make("reader", { scopes: ["models:read"] }),
    limited: await make("limited", { scopes: ["predict", "models:read"], rate_limit_per_hour: 1 }),
    restricted: await make("restricted", {
      scopes: ["predict", "models:read"],
      models: ["fz-1"],
    }),
    revoked: revoked.key,
  };
  secrets = Object.values(keys);
  publicEndpoint = endpointOf(svc.url);
  adminEndpoint = { socketPath: adminSocketPath(svc.dataDir) };
});
afterAll(async () => {
  if (process.env.FUZZ_STATS) {
    const lines = [...stats].sort((a, b) => a[0].localeCompare(b[0]));
    process.stderr.write(`${lines.map(([k, n]) => `${k}: ${n}`).join("\n")}\n`);
  }
  await svc.close();
});

/** Path of a request target (still encoded), for the checks' route-specific rules. */
function pathOf(target: string): string {
  const path = target.split("?")[0] ?? "";
  return path.startsWith("http://") ? new URL(path).pathname : path;
}

function exchangeProblems(sent: SentRequest, ex: Exchange, expectAnswer: boolean): string[] {
  const problems: string[] = [];
  if (ex.timedOut) problems.push(`no answer and no close within ${WAIT_MS} ms`);
  if (ex.garbage) problems.push(`bytes that are not an HTTP answer: ${ex.garbage}`);
  if (expectAnswer && ex.answers.length === 0 && !ex.timedOut) {
    problems.push("the connection was closed without an answer");
  }
  ex.answers.forEach((answer, i) => {
    // A second answer is for the bytes read as a following request.
    const req = i === 0 ? sent : { ...sent, method: "GET", path: "" };
    for (const p of answerProblems(req, answer, secrets)) {
      problems.push(
        `${p} (answer ${i + 1}: ${answer.status} ${answer.body.subarray(0, 300).toString()})`,
      );
    }
  });
  return problems;
}

/** FUZZ_STATS=1: how many answers of each status each kind of route got (is the fuzz deep?). */
const stats = new Map<string, number>();
function tally(sent: SentRequest, ex: Exchange): void {
  if (!process.env.FUZZ_STATS) return;
  const route =
    /\/(predict|infer|info|health|usage|keys|models|live|ready|docs|revoke|pulled)\/?$/.exec(
      sent.path,
    )?.[1] ?? "other";
  const code = /"code":"([a-z_]+)"/.exec(ex.answers[0]?.body.toString() ?? "")?.[1] ?? "";
  const key = `${sent.surface} ${sent.method} ${route} ${ex.answers[0]?.status ?? "none"} ${code}`;
  stats.set(key, (stats.get(key) ?? 0) + 1);
}

/** Sends every request at once, each on its own connection; throws naming what went wrong. */
async function sendAll(
  endpoint: Endpoint,
  surface: SentRequest["surface"],
  requests: FuzzRequest[],
): Promise<void> {
  const found = await Promise.all(
    requests.map(async (req) => {
      const wire = toWire(req, keys);
      const ex = await exchange(endpoint, wire.bytes, {
        expect: wire.expect,
        methods: wire.methods,
        waitMs: WAIT_MS,
      });
      const sent = { method: req.method, path: pathOf(req.target), surface };
      tally(sent, ex);
      // A request whose body never ends is answered by the time limit; one whose framing
      // is broken may be dropped by Node's parser without an answer only if it is not HTTP.
      const problems = exchangeProblems(sent, ex, true);
      return problems.length > 0
        ? `${describeRequest(req)}\n    → ${problems.join("\n    → ")}`
        : null;
    }),
  );
  const failures = found.filter((f): f is string => f !== null);
  if (failures.length > 0) throw new Error(failures.join("\n"));
}

/** fc.assert with the seed, a time budget, and a failure message that says how to replay it. */
async function check<T>(
  arbitrary: fc.Arbitrary<T>,
  property: (value: T) => Promise<void>,
  numRuns: number,
  budgetMs: number,
): Promise<void> {
  const details = await fc.check(fc.asyncProperty(arbitrary, property), {
    seed: SEED,
    numRuns,
    // A replay (FUZZ_SEED given) runs every run, so the state earlier properties leave is the same.
    ...(process.env.FUZZ_SEED ? {} : { interruptAfterTimeLimit: budgetMs }),
    markInterruptAsFailure: false,
    maxSkipsPerRun: 0,
  });
  if (details.failed) {
    const error = details.errorInstance instanceof Error ? details.errorInstance.message : "";
    const logged = errorLines.length > 0 ? `\nserver errors:\n${errorLines.join("\n")}` : "";
    throw new Error(
      `fuzz failure (replay: FUZZ_SEED=${details.seed} npx vitest run test/fuzz.test.ts; path ${details.counterexamplePath}) after ${details.numRuns} runs, ${details.numShrinks} shrinks:\n${error.slice(0, 8_000)}${logged}`,
    );
  }
}

async function expectLive(): Promise<void> {
  const res = await getJson(`${svc.url}/live`);
  expect(res.status).toBe(200);
}

describe(`fuzz (seed ${SEED})`, () => {
  it("the harness reaches the model: a request as the fuzzer writes it, unchanged, is a 200", async () => {
    const req: FuzzRequest = {
      method: "POST",
      target: "/api/v1/models/21/predict",
      headers: [
        ["X-API-Key", "\u0000K:predict\u0000"],
        ["Content-Type", "application/json"],
      ],
      body: new TextEncoder().encode(JSON.stringify({ inputs: SEED_INPUT })),
      framing: "length",
      keepAlive: true,
    };
    const wire = toWire(req, keys);
    const ex = await exchange(publicEndpoint, wire.bytes, { ...wire, waitMs: WAIT_MS });
    expect(ex.answers[0]?.body.toString()).toContain('"predictions"');
    expect(ex.answers[0]?.status).toBe(200);
  });

  it("public routes: no 500, every error in the envelope, no key in any answer", async () => {
    await check(
      fc.array(
        fc.oneof(
          { weight: 4, arbitrary: publicRequest },
          { weight: 2, arbitrary: predictRequest },
          { weight: 1, arbitrary: binaryInferRequest },
        ),
        {
          minLength: 1,
          maxLength: 8,
        },
      ),
      (requests) => sendAll(publicEndpoint, "public", requests),
      runs(120),
      20_000,
    );
    await expectLive();
  }, 120_000);

  it("malformed HTTP: an answer in the envelope (or a close), never a 500", async () => {
    await check(
      fc.array(malformedBytes, { minLength: 1, maxLength: 8 }),
      async (all) => {
        const failures: string[] = [];
        await Promise.all(
          all.map(async (bytes) => {
            const ex = await exchange(publicEndpoint, Buffer.from(bytes), {
              expect: 1,
              methods: ["GET"],
              waitMs: WAIT_MS,
            });
            const problems = exchangeProblems(
              { method: "GET", path: "", surface: "public" },
              ex,
              false,
            );
            if (problems.length > 0) {
              failures.push(
                `${JSON.stringify(Buffer.from(bytes).toString("latin1").slice(0, 200))} → ${problems.join("; ")}`,
              );
            }
          }),
        );
        if (failures.length > 0) throw new Error(failures.join("\n"));
      },
      runs(40),
      8_000,
    );
    await expectLive();
  }, 60_000);

  it("admin socket routes: no 500, every error in the envelope, no stored key shown", async () => {
    await check(
      fc.array(
        fc.oneof(
          { weight: 2, arbitrary: adminRequest(SPEC, SOURCES) },
          { weight: 1, arbitrary: adminCall(SPEC, SOURCES) },
        ),
        { minLength: 1, maxLength: 6 },
      ),
      (requests) => sendAll(adminEndpoint, "admin", requests),
      runs(100),
      15_000,
    );
    await expectLive();
  }, 120_000);

  it("public routes on whatever the admin fuzz stored: no 500", async () => {
    await check(
      fc.array(modelRouteRequest(["fz-1", "fz-2", "fz-3", "21"]), { minLength: 1, maxLength: 6 }),
      (requests) => sendAll(publicEndpoint, "public", requests),
      runs(40),
      8_000,
    );
    await expectLive();
  }, 60_000);
});
