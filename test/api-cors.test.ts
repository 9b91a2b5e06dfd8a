/**
 * CORS_ORIGINS through the real service on 127.0.0.1: preflights answered without a key and
 * never counted as failed attempts, refusals readable by the page, a non-listed origin gets no
 * allow header, and with CORS_ORIGINS unset no CORS header at all.
 */
import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestService } from "./support/service.js";
import { startTestService } from "./support/service.js";

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
}

/** node:http, not fetch: a browser's Origin and preflight headers are sent as they are. */
function send(url: string, method: string, headers: Record<string, string>): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers }, (res) => {
      res.resume();
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
    });
    req.on("error", reject);
    req.end();
  });
}

const FRONT_END = "http://localhost:3000";
const PREFLIGHT = {
  origin: FRONT_END,
  "access-control-request-method": "POST",
  "access-control-request-headers": "x-api-key, content-type",
};
const corsHeaders = (a: Answer) => Object.keys(a.headers).filter((h) => h.startsWith("access-"));

describe("CORS_ORIGINS set to a list", () => {
  let svc: TestService;
  beforeAll(async () => {
    svc = await startTestService({
      CORS_ORIGINS: `${FRONT_END},https://app.example.com`,
      // A low failure budget: preflights must not spend it.
      AUTH_FAILED_ATTEMPTS_PER_MINUTE: "2",
    });
  });
  afterAll(async () => {
    await svc.close();
  });

  it("answers a preflight from a listed origin, without a key, with the allowed headers", async () => {
    const res = await send(`${svc.url}/api/v1/models/21/predict`, "OPTIONS", PREFLIGHT);
    expect(res.status).toBe(204);
    expect(res.headers["access-control-allow-origin"]).toBe(FRONT_END);
    expect(String(res.headers["access-control-allow-methods"]).split(", ")).toEqual(
      expect.arrayContaining(["GET", "POST"]),
    );
    expect(String(res.headers["access-control-allow-headers"]).split(", ")).toEqual(
      expect.arrayContaining(["X-API-Key", "Authorization", "Content-Type"]),
    );
    expect(res.headers["access-control-max-age"]).toBe("600");
    expect(res.headers["access-control-allow-credentials"]).toBeUndefined();
    expect(String(res.headers.vary)).toMatch(/Origin/);
  });

  it("never counts preflights as failed key attempts", async () => {
    for (let i = 0; i < 5; i++) {
      const res = await send(`${svc.url}/api/v1/models/21/info`, "OPTIONS", PREFLIGHT);
      expect(res.status).toBe(204);
    }
    // Had the 5 preflights counted, this address would be over its budget of 2 (429).
    const res = await send(`${svc.url}/api/v1/models/21/info`, "GET", {
      origin: FRONT_END,
      "x-api-key": "hk_live_notakeyatallnotakeyatall00",
    });
    expect(res.status).toBe(401);
  });

  it("lets the page read answers and refusals, with the headers it needs exposed", async () => {
    const ok = await send(`${svc.url}/api/v1/models/21/info`, "GET", {
      origin: FRONT_END,
      authorization: `ApiKey ${svc.adminKey}`,
    });
    expect(ok.status).toBe(200);
    expect(ok.headers["access-control-allow-origin"]).toBe(FRONT_END);
    expect(String(ok.headers["access-control-expose-headers"])).toMatch(/X-Request-Id/);
    const noKey = await send(`${svc.url}/api/v1/models/21/info`, "GET", { origin: FRONT_END });
    expect(noKey.status).toBe(401);
    expect(noKey.headers["access-control-allow-origin"]).toBe(FRONT_END);
    const inQuery = await send(`${svc.url}/api/v1/models/21/info?api_key=x`, "GET", {
      origin: FRONT_END,
    });
    expect(inQuery.status).toBe(401);
    expect(inQuery.headers["access-control-allow-origin"]).toBe(FRONT_END);
  });

  it("sends no allow header to an origin that is not listed", async () => {
    const pre = await send(`${svc.url}/api/v1/models/21/predict`, "OPTIONS", {
      ...PREFLIGHT,
      origin: "http://evil.example",
    });
    expect(pre.headers["access-control-allow-origin"]).toBeUndefined();
    const get = await send(`${svc.url}/live`, "GET", { origin: "http://evil.example" });
    expect(get.status).toBe(200);
    expect(get.headers["access-control-allow-origin"]).toBeUndefined();
  });
});

describe("CORS_ORIGINS=*", () => {
  let svc: TestService;
  beforeAll(async () => {
    svc = await startTestService({ CORS_ORIGINS: "*", MODELGATE_REGISTER_EXAMPLE: "false" });
  });
  afterAll(async () => {
    await svc.close();
  });

  it("allows any origin, without credentials", async () => {
    const res = await send(`${svc.url}/api/v1/models/21/predict`, "OPTIONS", {
      ...PREFLIGHT,
      origin: "https://anywhere.example",
    });
    expect(res.status).toBe(204);
    expect(res.headers["access-control-allow-origin"]).toBe("*");
    expect(res.headers["access-control-allow-credentials"]).toBeUndefined();
  });
});

describe("CORS_ORIGINS unset", () => {
  let svc: TestService;
  beforeAll(async () => {
    svc = await startTestService({ MODELGATE_REGISTER_EXAMPLE: "false" });
  });
  afterAll(async () => {
    await svc.close();
  });

  it("sends no CORS header at all, to a preflight or a request", async () => {
    const pre = await send(`${svc.url}/api/v1/models/21/predict`, "OPTIONS", PREFLIGHT);
    expect(pre.status).toBe(404);
    expect(corsHeaders(pre)).toEqual([]);
    const get = await send(`${svc.url}/live`, "GET", { origin: FRONT_END });
    expect(get.status).toBe(200);
    expect(corsHeaders(get)).toEqual([]);
  });
});
