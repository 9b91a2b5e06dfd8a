/**
 * What a hostile or clumsy client can make the server do: every answer is in the one envelope
 * (including those Node and Fastify give before modelgate's handlers), error answers are
 * bounded, slow requests are cut, ids are checked by one rule, and no input is a 500.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { socketAdminOps } from "../src/cli/admin-client.js";
import { adminSocketPath } from "../src/server/admin/socket.js";
import { rawRequest } from "./support/raw-http.js";
import type { TestService } from "./support/service.js";
import { SEED_INPUT, getJson, postJson, startTestService } from "./support/service.js";

let svc: TestService;
let key: string;
let predictUrl: string;

beforeAll(async () => {
  // The smallest time limits the configuration allows, so the slow-body test is short.
  svc = await startTestService({
    MODELGATE_REQUEST_TIMEOUT_MS: "1000",
    MODELGATE_HEADERS_TIMEOUT_MS: "500",
  });
  const admin = socketAdminOps(adminSocketPath(svc.dataDir));
  key = (await admin.createKey({ name: "hostile", scopes: ["predict", "models:read"] })).key;
  predictUrl = `${svc.url}/api/v1/models/21/predict`;
});
afterAll(async () => {
  await svc.close();
});

function expectEnvelope(body: unknown, code: string): void {
  expect(body).toMatchObject({
    code,
    detail: expect.stringMatching(/\w.{15,}/),
    request_id: expect.stringMatching(/^req_/),
  });
}

function parsed(text: string): unknown {
  return JSON.parse(text) as unknown;
}

describe("bounded error answers", () => {
  it("a batch with thousands of unknown fields gets 20 problems and the count of the rest", async () => {
    const input: Record<string, unknown> = { ...SEED_INPUT };
    for (let i = 0; i < 200; i++) input[`unknown_field_number_${i}`] = i;
    const body = JSON.stringify({ inputs: Array.from({ length: 64 }, () => input) });
    expect(body.length).toBeGreaterThan(350_000);
    const res = await fetch(predictUrl, {
      method: "POST",
      headers: { "content-type": "application/json", "X-API-Key": key },
      body,
    });
    const text = await res.text();
    expect(res.status).toBe(422);
    // Before: every field listed, a 21 MB answer for a 683 KB body.
    expect(text.length).toBeLessThan(16_000);
    const answer = parsed(text) as { errors: unknown[]; errors_omitted: number; detail: string };
    expectEnvelope(answer, "invalid_input");
    expect(answer.errors).toHaveLength(20);
    expect(answer.errors_omitted).toBe(64 * 200 - 20);
    expect(answer.detail).toMatch(/^Invalid inputs: 12800 problems, the first 10: inputs\[0\]\./);
  });

  // (Past 10,000 fields an object is refused before it is parsed: test/fuzz-regressions.test.ts.)
  it("a body of 9,000 unknown top-level keys is one problem, not 9,000", async () => {
    const body: Record<string, unknown> = { inputs: SEED_INPUT };
    for (let i = 0; i < 9_000; i++) body[`k${i}`] = 1;
    const res = await postJson(predictUrl, body, { "X-API-Key": key });
    expect(res.status).toBe(422);
    expectEnvelope(res.body, "invalid_request");
    expect(res.body.errors).toHaveLength(1);
  });
});

describe("errors raised before modelgate's handlers are in the envelope", () => {
  it("400 for a body that is not JSON, 415 for one that is not sent as JSON", async () => {
    const bad = await postJson(predictUrl, "{nope", { "X-API-Key": key });
    expect(bad.status).toBe(400);
    expectEnvelope(bad.body, "bad_request");
    const res = await fetch(predictUrl, {
      method: "POST",
      headers: { "content-type": "text/plain", "X-API-Key": key },
      body: "company_size=50",
    });
    expect(res.status).toBe(415);
    expectEnvelope(await res.json(), "unsupported_media_type");
  });

  it("414 for a URL longer than the server reads, 431 for headers too large", async () => {
    const longUrl = await rawRequest(svc.url, [
      `GET /api/v1/models/${"a".repeat(20_000)}/info HTTP/1.1\r\nHost: x\r\n\r\n`,
    ]);
    expect(longUrl.status).toBe(414);
    expectEnvelope(parsed(longUrl.body), "uri_too_long");
    expect(longUrl.headers["x-request-id"]).toMatch(/^req_/);
    const bigHeader = await rawRequest(svc.url, [
      `GET /live HTTP/1.1\r\nHost: x\r\nX-Filler: ${"b".repeat(20_000)}\r\n\r\n`,
    ]);
    expect(bigHeader.status).toBe(431);
    expectEnvelope(parsed(bigHeader.body), "headers_too_large");
  });

  it("400 for a request that is not HTTP, and for a URL that is not valid percent-encoding", async () => {
    const garbage = await rawRequest(svc.url, ["NOT HTTP AT ALL\r\n\r\n"]);
    expect(garbage.status).toBe(400);
    expectEnvelope(parsed(garbage.body), "bad_request");
    const badUrl = await getJson(`${svc.url}/api/v1/models/%E0%A4%A/info`, { "X-API-Key": key });
    expect(badUrl.status).toBe(400);
    expectEnvelope(badUrl.body, "bad_request");
  });

  it("404 for a docs path that climbs out of its folder (was a 500)", async () => {
    const res = await rawRequest(svc.url, [
      "GET /docs/static/../x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    ]);
    expect(res.status).toBe(404);
    expectEnvelope(parsed(res.body), "not_found");
  });

  it("413 for a body over the limit", async () => {
    const res = await postJson(
      predictUrl,
      { inputs: { ...SEED_INPUT, title: "x".repeat(1_100_000) } },
      { "X-API-Key": key },
    );
    expect(res.status).toBe(413);
    expectEnvelope(res.body, "payload_too_large");
  });
});

describe("request time limits", () => {
  it("a body that stalls after a valid key is cut with 408 in the envelope", async () => {
    const res = await rawRequest(
      svc.url,
      [
        `POST /api/v1/models/21/predict HTTP/1.1\r\nHost: x\r\nX-API-Key: ${key}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"inputs":`,
        " ",
        " ",
      ],
      // One byte every 400 ms would keep an idle timer happy forever; the whole-request limit
      // (1 s here) does not care.
      { gapMs: 400, waitMs: 20_000 },
    );
    expect(res.status).toBe(408);
    expectEnvelope(parsed(res.body), "request_timeout");
    expect(JSON.stringify(parsed(res.body))).toContain("MODELGATE_REQUEST_TIMEOUT_MS");
  });

  it("headers that never end are cut with 408", async () => {
    const res = await rawRequest(svc.url, ["GET /live HTTP/1.1\r\nHost: x\r\n"], {
      waitMs: 20_000,
    });
    expect(res.status).toBe(408);
    expectEnvelope(parsed(res.body), "request_timeout");
  });
});

describe("ids are checked by one rule", () => {
  it.each([65, 101, 128, 1_000])(
    "a %i-character model id is a 422 in the envelope, never 414",
    async (n) => {
      const id = "a".repeat(n);
      for (const path of [`/api/v1/models/${id}/info`, `/api/v1/models/${id}/health`]) {
        const res = await getJson(`${svc.url}${path}`, { "X-API-Key": key });
        expect(res.status, path).toBe(422);
        expectEnvelope(res.body, "invalid_request");
        expect(res.body.detail).toMatch(/model_id/);
      }
      const predict = await postJson(
        `${svc.url}/api/v1/models/${id}/predict`,
        { inputs: SEED_INPUT },
        {
          "X-API-Key": key,
        },
      );
      expect(predict.status).toBe(422);
      const usage = await getJson(`${svc.url}/api/v1/usage?model_id=${id}`, {
        "X-API-Key": svc.adminKey,
      });
      expect(usage.status).toBe(422);
    },
  );

  it("a 64-character id that is not registered is a plain 404", async () => {
    const res = await getJson(`${svc.url}/api/v1/models/${"a".repeat(64)}/info`, {
      "X-API-Key": key,
    });
    expect(res.status).toBe(404);
    expectEnvelope(res.body, "model_not_found");
  });
});

describe("a key in the query string is refused whatever its spelling", () => {
  it.each([
    "api_key",
    "API_KEY",
    "apiKey",
    "api-key",
    "x-api-key",
    "X-Api-Key",
    "Token",
    "access_token",
  ])("?%s=", async (name) => {
    for (const path of ["/api/v1/models", "/api/v1/models/21/info", "/live"]) {
      const res = await getJson(`${svc.url}${path}?${name}=${key}`, { "X-API-Key": key });
      expect(res.status, path).toBe(401);
      expectEnvelope(res.body, "api_key_in_query");
      expect(res.body.detail).toMatch(/send the key in the X-API-Key header/);
      expect(JSON.stringify(res.body)).not.toContain(key);
    }
  });
});

describe("durations past the maximum are refused, not 500s", () => {
  it("GET /api/v1/usage?since=99999999w is 422 naming the maximum", async () => {
    const res = await getJson(`${svc.url}/api/v1/usage?since=99999999w`, {
      "X-API-Key": svc.adminKey,
    });
    expect(res.status).toBe(422);
    expectEnvelope(res.body, "invalid_request");
    expect(res.body.detail).toMatch(/longer than 3650d \(10 years\)/);
  });
});

describe("the server still answers after all of the above", () => {
  it("/live is 200", async () => {
    expect((await getJson(`${svc.url}/live`)).status).toBe(200);
  });
});
