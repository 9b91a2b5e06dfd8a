/**
 * modelgate in front of the seeds' auth service (a fake of it on 127.0.0.1, real HTTP): its keys
 * predict and read models whatever their scopes, every authenticated answer is reported to
 * POST /api/v1/usage/{key_id} off the request path, reports survive the usage endpoint going
 * down (counted when the queue cannot hold them), and debit mode refuses what is not paid for.
 * Everything is asserted by counts; waits are for events, never timing assertions.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { FakeAuth } from "./support/fake-auth.js";
import { startFakeAuth } from "./support/fake-auth.js";
import type { TestService } from "./support/service.js";
import { SEED_INPUT, getJson, postJson, startTestService } from "./support/service.js";

// The seeds' keys, as its auth service knows them: scopes of the old registry, the user nested.
const PARTNER = "hk_live_partner0000000000000000000001";
const OPS = "hk_live_ops000000000000000000000000001";
const BULK = "hk_live_bulk00000000000000000000000001";
const PAYING = "hk_live_paying000000000000000000000001";
const NARROW = "hk_live_narrow000000000000000000000001";
const REPORTED = "hk_live_reported0000000000000000000001";

const KEYS = {
  [PARTNER]: {
    user: { id: "acct_42", email: "partner@example.com" },
    key_id: "b84f0026-039f-4693-b6bd-c29820222802",
    scopes: ["mlflow:write", "inference:run"],
    rate_limit_per_hour: 1000,
  },
  [OPS]: { user_id: "ops", key_id: "key_ops", scopes: ["admin"], rate_limit_per_hour: 0 },
  [BULK]: { user_id: "bulk", key_id: "key_bulk", scopes: [], rate_limit_per_hour: 0 },
  [REPORTED]: {
    user: { id: "acct_7" },
    key_id: "key/reported 1", // reported in the path, encoded
    scopes: ["unknown:scope"],
    rate_limit_per_hour: null,
  },
};

const predictUrl = (svc: TestService) => `${svc.url}/api/v1/models/21/predict`;
const predict = (svc: TestService, key: string, inputs: unknown = SEED_INPUT) =>
  postJson(predictUrl(svc), { inputs }, { "X-API-Key": key });

/** Resolves once `done()` holds; fails with `what` if it never does within `ms`. */
async function until(done: () => boolean | Promise<boolean>, what: string, ms = 30_000) {
  const end = Date.now() + ms;
  while (!(await done())) {
    if (Date.now() > end) throw new Error(`gave up waiting: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

interface ReportCounts {
  sent: number;
  retried: number;
  dropped: number;
  queued: number;
  in_flight: number;
  dropped_queue_full: number;
  debits?: { accepted: number; refused: number; unavailable: number; served_unpaid: number };
}

async function reportCounts(svc: TestService): Promise<ReportCounts> {
  const health = await getJson(`${svc.url}/health`);
  return health.body.usage_reports as unknown as ReportCounts;
}

/** `n` requests, `concurrency` at a time; every status is returned. */
async function sendMany(n: number, concurrency: number, send: () => Promise<number>) {
  const statuses: number[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) {
        next += 1;
        statuses.push(await send());
      }
    }),
  );
  return statuses;
}

describe("the seeds' auth service: validation and usage reports", () => {
  let auth: FakeAuth;
  let svc: TestService;
  beforeAll(async () => {
    auth = await startFakeAuth(KEYS);
    svc = await startTestService({
      HOKUSAI_AUTH_SERVICE_URL: auth.url, // the seeds' name for AUTH_SERVICE_URL
      AUTH_SERVICE_ID: "platform-test",
    });
  });
  afterAll(async () => {
    await svc.close();
    await auth.close();
  });

  it("a key it accepts predicts and reads models whatever its scopes; admin only when named", async () => {
    const res = await predict(svc, PARTNER);
    expect(res.status).toBe(200);
    expect(res.body.metadata).toMatchObject({
      user_id: "acct_42", // from the nested user.id
      api_key_id: "b84f0026-039f-4693-b6bd-c29820222802",
    });
    const headers = { "X-API-Key": PARTNER };
    expect((await getJson(`${svc.url}/api/v1/models`, headers)).status).toBe(200);
    expect((await getJson(`${svc.url}/api/v1/models/21/info`, headers)).status).toBe(200);
    expect((await getJson(`${svc.url}/api/v1/models/21/health`, headers)).status).toBe(200);
    // Unknown scopes grant nothing more: the admin endpoint stays closed to it.
    const denied = await getJson(`${svc.url}/api/v1/usage`, headers);
    expect(denied.status).toBe(403);
    expect(denied.body.code).toBe("scope_missing");
    expect((await getJson(`${svc.url}/api/v1/usage`, { "X-API-Key": OPS })).status).toBe(200);
    const call = auth.requests.at(-1);
    expect(JSON.parse(call?.body ?? "{}")).toEqual({ service_id: "platform-test" });
  });

  it("reports each authenticated answer with the seeds' fields, and none for a refused key", async () => {
    const mine = () => auth.usage.filter((row) => row.keyId === "key/reported 1");
    const ok = await predict(svc, REPORTED);
    const invalid = await predict(svc, REPORTED, { company_size: "many" });
    const missing = await getJson(`${svc.url}/api/v1/models/nope/info?x=1`, {
      "X-API-Key": REPORTED,
    });
    const refused = await predict(svc, "hk_live_unknown000000000000000000000001");
    expect([ok.status, invalid.status, missing.status, refused.status]).toEqual([
      200, 422, 404, 401,
    ]);
    await until(() => mine().length >= 3, "three usage reports");
    // Give a fourth (wrong) report every chance to arrive before counting.
    await until(async () => {
      const c = await reportCounts(svc);
      return c.queued === 0 && c.in_flight === 0;
    }, "an empty queue");
    const rows = mine();
    expect(rows).toHaveLength(3);
    for (const row of rows) {
      expect(Object.keys(row.body).sort()).toEqual([
        "endpoint",
        "response_time_ms",
        "service_id",
        "status_code",
      ]);
      expect(row.body.service_id).toBe("platform-test");
      expect(Number.isInteger(row.body.response_time_ms)).toBe(true);
      expect(row.body.response_time_ms).toBeGreaterThanOrEqual(0);
      expect(row.headers["content-type"]).toBe("application/json");
      expect(row.headers.authorization).toBeUndefined(); // the key never travels with a report
      expect(JSON.stringify(row)).not.toContain(REPORTED);
    }
    const seen = rows.map((r) => [r.body.endpoint, r.body.status_code]);
    expect(seen).toEqual(
      expect.arrayContaining([
        ["/api/v1/models/21/predict", 200],
        ["/api/v1/models/21/predict", 422],
        ["/api/v1/models/nope/info", 404],
      ]),
    );
  });

  it("shows the reports' counts on /health", async () => {
    const counts = await reportCounts(svc);
    expect(counts).toMatchObject({ dropped: 0, queued: 0, in_flight: 0 });
    expect(counts.sent).toBe(auth.usage.length);
    expect(counts.debits).toBeUndefined(); // USAGE_DEBIT is off
  });
});

describe("5,000 requests with the usage endpoint down for part of the run", () => {
  let auth: FakeAuth;
  let svc: TestService | undefined;
  beforeAll(async () => {
    auth = await startFakeAuth(KEYS);
  });
  afterEach(async () => {
    await svc?.close();
    svc = undefined;
    auth.usageMode = "normal";
  });
  afterAll(() => auth.close());

  async function runWithOutage(queueMax: number) {
    svc = await startTestService({
      AUTH_SERVICE_URL: auth.url,
      AUTH_SERVICE_CACHE_TTL_MS: "3600000", // the key stays accepted while the circuit is open
      USAGE_REPORT_QUEUE_MAX: String(queueMax),
      USAGE_REPORT_CONCURRENCY: "8",
    });
    const s = svc;
    const before = auth.usage.length;
    const info = async () =>
      (await fetch(`${s.url}/api/v1/models/21/info`, { headers: { "X-API-Key": BULK } })).status;
    // Every answer's report queued (its onResponse may run just after the client has the
    // answer), then sent or dropped.
    const drained = (answered: number) =>
      until(async () => {
        const c = await reportCounts(s);
        return c.queued === 0 && c.in_flight === 0 && c.sent + c.dropped === answered;
      }, `the reports of ${answered} answers sent or dropped`);
    const statuses = await sendMany(1_000, 16, info);
    await drained(1_000);
    const beforeOutage = await reportCounts(s);
    auth.usageMode = "down"; // every report's connection is reset, none is recorded
    statuses.push(...(await sendMany(3_000, 16, info)));
    auth.usageMode = "normal";
    await drained(4_000);
    const afterOutage = await reportCounts(s);
    statuses.push(...(await sendMany(1_000, 16, info)));
    expect(statuses).toHaveLength(5_000);
    expect(statuses.every((status) => status === 200)).toBe(true); // never failing the request
    await drained(5_000);
    return {
      beforeOutage,
      afterOutage,
      counts: await reportCounts(s),
      received: auth.usage.length - before,
    };
  }

  // 5,000 real requests on a shared 2-core machine: a generous bound, not a timing assertion.
  it("loses no report when the queue can hold the outage's", { timeout: 300_000 }, async () => {
    const { beforeOutage, afterOutage, counts, received } = await runWithOutage(10_000);
    expect(beforeOutage).toMatchObject({ sent: 1_000, dropped: 0 });
    expect(afterOutage.retried).toBeGreaterThan(0); // the outage was felt
    expect(afterOutage).toMatchObject({ sent: 4_000, dropped: 0 });
    expect(counts).toMatchObject({ sent: 5_000, dropped: 0 });
    expect(received).toBe(5_000);
  });

  it(
    "drops the oldest, counted, when it cannot; every report is sent or counted",
    {
      timeout: 300_000,
    },
    async () => {
      const concurrency = 8; // USAGE_REPORT_CONCURRENCY here: reports out of the queue
      const { beforeOutage, afterOutage, counts, received } = await runWithOutage(500);
      expect(beforeOutage).toMatchObject({ sent: 1_000, dropped: 0 });
      // Through the outage the queue kept the newest 500 (and those on the wire), no more.
      const survived = afterOutage.sent - 1_000;
      expect(survived).toBeGreaterThanOrEqual(500);
      expect(survived).toBeLessThanOrEqual(500 + concurrency);
      expect(afterOutage.dropped).toBe(3_000 - survived);
      expect(afterOutage.dropped).toBe(afterOutage.dropped_queue_full);
      // After it: the last 1,000 sent, or dropped and counted when they came faster than they
      // could be sent (the service, the clients and modelgate share this one process here).
      expect(counts.sent - afterOutage.sent + (counts.dropped - afterOutage.dropped)).toBe(1_000);
      expect(counts.sent + counts.dropped).toBe(5_000);
      expect(received).toBe(counts.sent);
    },
  );
});

describe("debit mode (USAGE_DEBIT=true)", () => {
  let auth: FakeAuth;
  let svc: TestService;
  let failOpen: TestService;
  beforeAll(async () => {
    auth = await startFakeAuth({
      ...KEYS,
      [PAYING]: {
        user_id: "payer",
        key_id: "key_paying",
        scopes: [],
        rate_limit_per_hour: 0,
        balance: 3,
      },
      [NARROW]: {
        user_id: "narrow",
        key_id: "key_narrow",
        scopes: [],
        rate_limit_per_hour: 0,
        model_ids: ["27"],
        balance: 5,
      },
    });
    const env = { AUTH_SERVICE_URL: auth.url, USAGE_DEBIT: "true", AUTH_SERVICE_TIMEOUT_MS: "300" };
    svc = await startTestService(env);
    failOpen = await startTestService({ ...env, USAGE_DEBIT_FAIL_OPEN: "true" });
  });
  afterAll(async () => {
    await svc.close();
    await failOpen.close();
    await auth.close();
  });
  afterEach(() => {
    auth.debitMode = "normal";
  });

  it("debits each prediction before it runs, and answers 402 with the service's reason", async () => {
    const first = await predict(svc, PAYING);
    expect(first.status).toBe(200);
    const debit = auth.debits.at(-1);
    expect(debit?.keyId).toBe("key_paying");
    expect(debit?.body).toMatchObject({
      model_id: "21",
      endpoint: "/api/v1/models/21/predict",
      service_id: "platform",
      predictions_count: 1,
      idempotency_key: first.headers.get("x-request-id"),
    });
    // A batch of 3 costs 3; 2 are left: refused, and the model never ran for it.
    const batch = await predict(svc, PAYING, [SEED_INPUT, SEED_INPUT, SEED_INPUT]);
    expect(batch.status).toBe(402);
    expect(batch.body.code).toBe("insufficient_balance");
    expect(batch.body.detail).toContain("Insufficient balance: 2 credits left, 3 needed");
    expect(batch.body.detail).toContain("INSUFFICIENT_BALANCE");
    expect(batch.body.request_id).toBe(batch.headers.get("x-request-id"));
    expect((await predict(svc, PAYING, [SEED_INPUT, SEED_INPUT])).status).toBe(200);
    expect((await predict(svc, PAYING)).status).toBe(402);
  });

  it("debits an Open Inference Protocol inference by its rows before it runs; a refused one is not charged", async () => {
    const key = auth.keys.get(PAYING);
    if (key) key.balance = 3;
    const tensors = (rows: number) => ({
      inputs: Object.entries(SEED_INPUT).map(([name, value]) => ({
        name,
        shape: [rows],
        datatype:
          typeof value === "string" ? "BYTES" : typeof value === "boolean" ? "BOOL" : "INT64",
        data: Array<unknown>(rows).fill(value),
      })),
    });
    const infer = (body: unknown) =>
      postJson(`${svc.url}/v2/models/21/infer`, body, { "X-API-Key": PAYING });
    const before = auth.debits.length;
    const two = await infer(tensors(2));
    expect(two.status).toBe(200);
    expect(auth.debits.at(-1)?.body).toMatchObject({
      model_id: "21",
      endpoint: "/v2/models/21/infer",
      predictions_count: 2,
      idempotency_key: two.headers.get("x-request-id"),
    });
    // A malformed tensor is the protocol's 400, and nothing is charged for it.
    const broken = tensors(1);
    (broken.inputs[0] as { data: unknown[] }).data = [1, 2];
    const bad = await infer(broken);
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/shape \[1\] holds 1 elements but data has/);
    expect(auth.debits.length).toBe(before + 1);
    // One credit left: two rows are refused in the protocol's error body; one is served.
    const refused = await infer(tensors(2));
    expect(refused.status).toBe(402);
    expect(refused.body.error).toMatch(/Insufficient balance: 1 credits left, 2 needed/);
    expect((await infer(tensors(1))).status).toBe(200);
    expect((await infer(tensors(1))).status).toBe(402);
  });

  it("a prediction refused for the key's models or an unknown model is never charged", async () => {
    const before = auth.debits.length;
    const forbidden = await predict(svc, NARROW);
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.code).toBe("model_forbidden");
    const unknown = await postJson(
      `${svc.url}/api/v1/models/99/predict`,
      { inputs: SEED_INPUT },
      { "X-API-Key": PAYING },
    );
    expect(unknown.status).toBe(404);
    const inferAs = (model: string, key: string) =>
      postJson(
        `${svc.url}/v2/models/${model}/infer`,
        { inputs: [{ name: "company_size", shape: [1], datatype: "INT64", data: [1] }] },
        { "X-API-Key": key },
      );
    expect((await inferAs("21", NARROW)).status).toBe(403);
    expect((await inferAs("99", NARROW)).status).toBe(403);
    const unknownModel = await inferAs("99", PAYING);
    expect(unknownModel.status).toBe(404);
    expect(unknownModel.body.error).toMatch(/99/);
    expect(auth.debits.length).toBe(before);
  });

  it.each(["down", "slow", "error"] as const)(
    "a debit that cannot be made (%s) is 503 auth_unavailable: no free prediction",
    async (mode) => {
      auth.debitMode = mode;
      auth.slowMs = 2_000;
      const res = await predict(svc, BULK);
      expect(res.status).toBe(503);
      expect(res.body.code).toBe("auth_unavailable");
      expect(res.body.detail).toMatch(/could not be paid for/);
      expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
    },
  );

  it("with USAGE_DEBIT_FAIL_OPEN=true it serves, and counts what was served unpaid", async () => {
    auth.debitMode = "down";
    const res = await predict(failOpen, BULK);
    expect(res.status).toBe(200);
    const counts = await reportCounts(failOpen);
    expect(counts.debits).toMatchObject({ served_unpaid: 1, unavailable: 1 });
    // A refusal is an answer, not an outage: still 402 when failing open.
    auth.debitMode = "normal";
    const key = auth.keys.get(PAYING);
    if (key) key.balance = 0;
    const refused = await predict(failOpen, PAYING);
    expect(refused.status).toBe(402);
  });
});
