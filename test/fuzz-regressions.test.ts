/**
 * What the fuzz suite (test/fuzz.test.ts) found, pinned down one request at a time so each
 * stays fixed whatever seed the fuzzer draws.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { socketAdminOps } from "../src/cli/admin-client.js";
import { adminSocketPath } from "../src/server/admin/socket.js";
import type { Endpoint } from "./fuzz-http.js";
import { answerProblems, endpointOf, exchange } from "./fuzz-http.js";
import type { TestService } from "./support/service.js";
import { startTestService } from "./support/service.js";

let svc: TestService;
let key: string;
let publicEndpoint: Endpoint;
let adminEndpoint: Endpoint;
const logLines: string[] = [];

beforeAll(async () => {
  svc = await startTestService(
    // The smallest time limits allowed, so a stalled request is cut within seconds.
    { MODELGATE_REQUEST_TIMEOUT_MS: "1000", MODELGATE_HEADERS_TIMEOUT_MS: "500" },
    { logTo: { write: (line) => logLines.push(line) } },
  );
  key = (
    await socketAdminOps(adminSocketPath(svc.dataDir)).createKey({
      name: "fuzz-regressions",
      scopes: ["predict", "models:read"],
    })
  ).key;
  publicEndpoint = endpointOf(svc.url);
  adminEndpoint = { socketPath: adminSocketPath(svc.dataDir) };
});
afterAll(async () => {
  await svc.close();
});

async function send(endpoint: Endpoint, text: string) {
  const ex = await exchange(endpoint, Buffer.from(text), {
    expect: 1,
    methods: ["GET"],
    waitMs: 15_000,
  });
  expect(ex.timedOut).toBe(false);
  expect(ex.answers).toHaveLength(1);
  const answer = ex.answers[0];
  if (!answer) throw new Error("no answer");
  return {
    ...answer,
    json: () => JSON.parse(answer.body.toString("utf8")) as Record<string, unknown>,
  };
}

describe.each([
  ["public HTTP", () => publicEndpoint],
  ["admin socket", () => adminEndpoint],
])("%s", (_name, endpoint) => {
  it("CONNECT is a 404 in the envelope (Node dropped the connection unanswered)", async () => {
    const res = await send(endpoint(), "CONNECT 127.0.0.1:1 HTTP/1.1\r\nHost: 127.0.0.1:1\r\n\r\n");
    expect(res.status).toBe(404);
    expect(res.json()).toMatchObject({
      code: "not_found",
      detail: expect.stringMatching(/not a proxy/),
      request_id: expect.stringMatching(/^req_/),
    });
  });

  it("an Expect other than 100-continue is ignored (was a 417 with an empty body)", async () => {
    const path = endpoint() === adminEndpoint ? "/models" : "/live";
    const res = await send(
      endpoint(),
      `GET ${path} HTTP/1.1\r\nHost: x\r\nExpect: gzip\r\nConnection: close\r\n\r\n`,
    );
    expect(res.status).toBe(200);
  });

  it("a header line Node refuses is a 400 in the envelope", async () => {
    const res = await send(endpoint(), "GET /models HTTP/1.1\r\nHost: x\r\n: \r\n\r\n");
    expect(res.status).toBe(400);
    expect(answerProblems({ method: "GET", path: "/models", surface: "public" }, res, [])).toEqual(
      [],
    );
    expect(res.json()).toMatchObject({ code: "bad_request" });
  });
});

describe("the admin socket's time limits", () => {
  it("a body that never comes is cut with 408 by MODELGATE_REQUEST_TIMEOUT_MS (it waited a minute and more)", async () => {
    const res = await send(
      adminEndpoint,
      "POST /keys HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 10\r\n\r\n{",
    );
    expect(res.status).toBe(408);
    expect(res.json()).toMatchObject({
      code: "request_timeout",
      detail: expect.stringMatching(/MODELGATE_REQUEST_TIMEOUT_MS/),
    });
  });
});

describe("an API key sent as X-Request-Id", () => {
  it("is not taken as the request id: not echoed, not logged", async () => {
    const res = await fetch(`${svc.url}/api/v1/models/21/info`, {
      headers: { "X-Request-Id": key, "X-API-Key": key },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-request-id")).toMatch(/^req_/);
    const wrong = await fetch(`${svc.url}/api/v1/models/nope/info`, {
      headers: { "X-Request-Id": key, "X-API-Key": key },
    });
    const text = await wrong.text();
    expect(wrong.status).toBe(404);
    expect(text).not.toContain(key);
    expect(wrong.headers.get("x-request-id")).not.toBe(key);
    expect(logLines.join("\n")).not.toContain(key);
  });

  it("an id that is not a key is still kept, so traces join up", async () => {
    const res = await fetch(`${svc.url}/live`, { headers: { "X-Request-Id": "trace-1234abcd" } });
    expect(res.headers.get("x-request-id")).toBe("trace-1234abcd");
  });
});

describe("CONNECT with a key in its query", () => {
  it("does not echo the query (the key) in its 404", async () => {
    const res = await send(
      publicEndpoint,
      `CONNECT /api/v1/models?api_key=${key} HTTP/1.1\r\nHost: x\r\n\r\n`,
    );
    expect(res.status).toBe(404);
    expect(res.raw.toString()).not.toContain(key);
  });
});

describe("JSON bodies bounded in shape before they are parsed (src/server/json-body.ts)", () => {
  const post = async (body: string) => {
    const res = await fetch(`${svc.url}/api/v1/models/21/predict`, {
      method: "POST",
      headers: { "content-type": "application/json", "X-API-Key": key },
      body,
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const seed =
    '"company_size":1000,"industry":"Technology","engagement_score":75,"demo_requested":true,"budget_confirmed":false';

  it.each([
    // Each parsed for seconds of one core before (a megabyte of nesting took 4 s here).
    [
      "500,000 levels of nesting",
      `{"inputs":{${seed},"title":${"[".repeat(500_000)}${"]".repeat(500_000)}}}`,
      /nests deeper than 64 levels/,
    ],
    [
      "a batch of 150,000 inputs",
      `{"inputs":[${new Array<string>(150_000).fill("{}").join(",")}]}`,
      /more than 100,000 objects and arrays/,
    ],
    [
      "an input of 60,000 fields",
      `{"inputs":{${seed},${Array.from({ length: 60_000 }, (_, i) => `"f${i}":1`).join(",")}}}`,
      /an object of more than 10,000 fields/,
    ],
  ])("%s is a 413 naming the limit", async (_name, body, detail) => {
    const res = await post(body);
    expect(res.status).toBe(413);
    expect(res.body).toMatchObject({
      code: "payload_too_large",
      detail: expect.stringMatching(detail),
    });
  });

  it("a large body within the limits is still parsed and checked (64 inputs, 500 unknown fields each)", async () => {
    const extra = Array.from({ length: 500 }, (_, i) => `"unknown_${i}":${i}`).join(",");
    const res = await post(
      `{"inputs":[${new Array<string>(64).fill(`{${seed},${extra}}`).join(",")}]}`,
    );
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ code: "invalid_input", errors_omitted: 64 * 500 - 20 });
  });
});
