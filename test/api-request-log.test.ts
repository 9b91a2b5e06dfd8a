/**
 * What a request writes to the log: one access line each, carrying the request's id where its
 * own logger would put it (src/server/request-log.test.ts has the request's other lines).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestService } from "./support/service.js";
import { SEED_INPUT, postJson, startTestService } from "./support/service.js";

let svc: TestService;
const lines: string[] = [];
const entries = () => lines.map((line) => JSON.parse(line) as Record<string, unknown>);

beforeAll(async () => {
  svc = await startTestService({}, { logTo: { write: (line) => lines.push(line) } });
});
afterAll(async () => {
  await svc.close();
});

describe("request log lines", () => {
  it("writes one access line a request, its id after the logger's own fields", async () => {
    const res = await postJson(
      `${svc.url}/api/v1/models/21/predict`,
      { inputs: SEED_INPUT },
      { "X-API-Key": svc.adminKey, "X-Request-Id": "trace-0123456789" },
    );
    expect(res.status).toBe(200);
    const mine = entries().filter((e) => e.request_id === "trace-0123456789");
    expect(mine).toHaveLength(1);
    const line = mine[0] as Record<string, unknown>;
    expect(Object.keys(line)).toEqual([
      "level",
      "time",
      "pid",
      "hostname",
      "request_id",
      "method",
      "url",
      "status",
      "ms",
      "key_id",
      "msg",
    ]);
    expect(line).toMatchObject({
      level: 30,
      method: "POST",
      url: "/api/v1/models/:model_id/predict",
      status: 200,
      msg: "request",
    });
  });
});
