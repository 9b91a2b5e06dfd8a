import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { socketAdminOps } from "../src/cli/admin-client.js";
import { runCli } from "../src/cli/main.js";
import { adminSocketPath } from "../src/server/admin/socket.js";
import type { AdminOps } from "../src/server/admin/ops.js";
import type { UsageReport } from "../src/server/admin/usage.js";
import type { TestService } from "./support/service.js";
import { SEED_INPUT, getJson, postJson, startTestService } from "./support/service.js";

let svc: TestService;
let admin: AdminOps;
let partner: { id: string; key: string };
const answered: { status: number; requestId: string | null }[] = [];

const predict = async (key: string, body: unknown, model = "21") => {
  const res = await postJson(`${svc.url}/api/v1/models/${model}/predict`, body, {
    "X-API-Key": key,
  });
  answered.push({ status: res.status, requestId: res.headers.get("x-request-id") });
  return res;
};

beforeAll(async () => {
  // A long flush interval: the records below reach the store only because the report (and
  // the CLI through the admin socket) writes the buffer first.
  svc = await startTestService({ USAGE_FLUSH_MS: "60000" });
  admin = socketAdminOps(adminSocketPath(svc.dataDir));
  partner = await admin.createKey({ name: "partner", user_id: "user_7", scopes: ["predict"] });
  expect((await predict(partner.key, { inputs: SEED_INPUT })).status).toBe(200);
  expect(
    (await predict(partner.key, { inputs: [SEED_INPUT, SEED_INPUT, SEED_INPUT] })).status,
  ).toBe(200);
  expect((await predict(partner.key, { inputs: { company_size: "big" } })).status).toBe(422);
  expect((await predict(partner.key, { inputs: SEED_INPUT }, "nope")).status).toBe(404);
  expect((await predict(svc.adminKey, { inputs: SEED_INPUT })).status).toBe(200);
  // Not recorded: no key to count it against.
  expect((await predict("", { inputs: SEED_INPUT })).status).toBe(401);
});
afterAll(async () => {
  await svc.close();
});

/** Every usage record written so far (the report just flushed the buffer), oldest first. */
const usageRows = () =>
  svc.service.store.db
    .selectFrom("usage_events")
    .select(["key_id", "user_id", "status", "batch_size", "latency_ms", "request_id"])
    .orderBy("id")
    .execute();

const usage = (query = "", key = svc.adminKey) =>
  getJson(`${svc.url}/api/v1/usage${query}`, { "X-API-Key": key });

describe("usage records", () => {
  it("records every answer a recognised key got, with its request id, without waiting", async () => {
    const report = (await usage(`?key_id=${partner.id}`)).body as unknown as UsageReport;
    expect(report.usage).toEqual([
      expect.objectContaining({
        key_id: partner.id,
        model_id: "21",
        requests: 3,
        errors: 1,
        rows: 4, // 1 + a batch of 3; the 422 predicted nothing
      }),
      expect.objectContaining({ key_id: partner.id, model_id: "nope", requests: 1, errors: 1 }),
    ]);
    // The records themselves, one a request, in the store's usage_events table.
    const logged = await usageRows();
    const rows = logged.filter((r) => r.key_id === partner.id);
    expect(rows.map((r) => [r.status, r.batch_size, r.user_id])).toEqual([
      [200, 1, "user_7"],
      [200, 3, "user_7"],
      [422, 1, "user_7"],
      [404, 1, "user_7"],
    ]);
    const ids = answered.filter((a) => a.status !== 401).map((a) => a.requestId);
    expect(logged.map((r) => r.request_id).sort()).toEqual([...ids].sort());
    for (const r of rows) expect(r.latency_ms).toBeGreaterThan(0);
  });
});

describe("GET /api/v1/usage", () => {
  it("summarises per key and model, filtered by key, model and since", async () => {
    const all = await usage();
    expect(all.status).toBe(200);
    const report = all.body as unknown as UsageReport;
    expect(report).toMatchObject({ key_id: null, model_id: null, since: null });
    expect(report.usage.map((r) => r.requests).reduce((a, b) => a + b)).toBe(5);

    const byModel = (await usage("?model_id=21&since=1h")).body as unknown as UsageReport;
    expect(byModel.model_id).toBe("21");
    expect(Date.parse(byModel.since ?? "")).toBeGreaterThan(Date.now() - 3_700_000);
    expect(byModel.usage.map((r) => r.model_id)).toEqual(["21", "21"]);

    const future = (await usage("?since=2999-01-01")).body as unknown as UsageReport;
    expect(future.usage).toEqual([]);
  });

  it("refuses a since that is neither a duration nor a date, and unknown parameters (422)", async () => {
    const bad = await usage("?since=yesterday");
    expect(bad.status).toBe(422);
    expect(bad.body.code).toBe("invalid_request");
    expect(bad.body.detail).toMatch(/since "yesterday" is not a duration or a date/);
    expect((await usage("?user=x")).status).toBe(422);
  });

  it("is for admin keys only", async () => {
    const denied = await usage("", partner.key);
    expect(denied.status).toBe(403);
    expect(denied.body.code).toBe("scope_missing");
    expect((await getJson(`${svc.url}/api/v1/usage`)).status).toBe(401);
    const revoked = await admin.createKey({ name: "short", scopes: ["admin"] });
    await admin.revokeKey(revoked.id);
    expect((await usage("", revoked.key)).body.code).toBe("api_key_revoked");
  });
});

describe("modelgate usage", () => {
  const cli = async (args: string[]) => {
    let stdout = "";
    let stderr = "";
    const code = await runCli(args, {
      cwd: svc.dataDir,
      env: { MODELGATE_DATA_DIR: svc.dataDir },
      stdout: { write: (t: string) => (stdout += t) },
      stderr: { write: (t: string) => (stderr += t) },
    });
    return { code, stdout, stderr };
  };

  it("prints the summary through the running server (embedded store)", async () => {
    const json = await cli(["usage", "--key", partner.id, "--model", "21", "--json"]);
    expect(json.code).toBe(0);
    const report = JSON.parse(json.stdout) as UsageReport;
    expect(report.usage).toEqual([expect.objectContaining({ requests: 3, rows: 4 })]);

    const text = await cli(["usage", "--since", "1h"]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^5 prediction requests \(since /);
    expect(text.stdout).toMatch(/KEY\s+MODEL\s+REQUESTS\s+ERRORS\s+ROWS\s+P50 MS\s+P95 MS\s+LAST/);
  });

  it("exit 2 for a --since it cannot read", async () => {
    const res = await cli(["usage", "--since", "soon"]);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/--since "soon" is not a duration or a date/);
  });
});

describe("usage records for 429 and 403 answers", () => {
  it("a rate-limited key's 429 and a model-limited key's 403 are recorded against the key", async () => {
    const limited = await admin.createKey({
      name: "one-an-hour",
      scopes: ["predict"],
      rate_limit_per_hour: 1,
    });
    expect((await predict(limited.key, { inputs: SEED_INPUT })).status).toBe(200);
    const refused = await predict(limited.key, { inputs: SEED_INPUT });
    expect(refused.status).toBe(429);
    const narrow = await admin.createKey({ name: "only-22", scopes: ["predict"], models: ["22"] });
    const forbidden = await predict(narrow.key, { inputs: SEED_INPUT });
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.code).toBe("model_forbidden");

    const report = (await usage("?since=1h")).body as unknown as UsageReport;
    const rowOf = (keyId: string) => report.usage.filter((r) => r.key_id === keyId);
    expect(rowOf(limited.id)).toEqual([
      expect.objectContaining({ model_id: "21", requests: 2, errors: 1, rows: 1 }),
    ]);
    expect(rowOf(narrow.id)).toEqual([
      expect.objectContaining({ model_id: "21", requests: 1, errors: 1, rows: 0 }),
    ]);
    const logged = await usageRows();
    const statuses = (keyId: string) =>
      logged.filter((r) => r.key_id === keyId).map((r) => [r.status, r.request_id]);
    expect(statuses(limited.id)).toEqual([
      [200, expect.any(String)],
      [429, refused.headers.get("x-request-id")],
    ]);
    expect(statuses(narrow.id)).toEqual([[403, forbidden.headers.get("x-request-id")]]);
  });
});
