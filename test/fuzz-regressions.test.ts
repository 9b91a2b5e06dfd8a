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
  svc = await startTestService({}, { logTo: { write: (line) => logLines.push(line) } });
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
