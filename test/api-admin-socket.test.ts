/**
 * The admin socket checks every body like the HTTP API does, answers in the same envelope and
 * logs what it refused: a malformed body is a 422 naming the field, never a 500 or a record
 * stored wrong.
 */
import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminSocketPath } from "../src/server/admin/socket.js";
import type { TestService } from "./support/service.js";
import { getJson, startTestService } from "./support/service.js";

let svc: TestService;
const logLines: string[] = [];

beforeAll(async () => {
  svc = await startTestService({}, { logTo: { write: (line) => logLines.push(line) } });
});
afterAll(async () => {
  await svc.close();
});

interface Answer {
  status: number;
  body: { code?: string; detail?: string; errors?: { field: string }[] } & Record<string, unknown>;
}

function admin(method: string, path: string, body?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        socketPath: adminSocketPath(svc.dataDir),
        method,
        path,
        headers: body === undefined ? {} : { "content-type": "application/json" },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            body: JSON.parse(Buffer.concat(chunks).toString("utf8")) as Answer["body"],
          }),
        );
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

describe("admin socket bodies", () => {
  it("POST /keys {} is 422 naming the missing name (was a 500)", async () => {
    const res = await admin("POST", "/keys", "{}");
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ code: "invalid_request", request_id: expect.any(String) });
    expect(res.body.errors?.[0]?.field).toBe("name");
  });

  it('"models": "21" is refused, not stored as ["2", "1"]', async () => {
    const res = await admin("POST", "/keys", JSON.stringify({ name: "x", models: "21" }));
    expect(res.status).toBe(422);
    expect(res.body.detail).toMatch(/models/);
    const keys = await admin("GET", "/keys");
    expect(JSON.stringify(keys.body)).not.toContain('"2","1"');
  });

  it("an unknown field, a bad id or a bad type is 422", async () => {
    const cases = [
      ["POST", "/keys", JSON.stringify({ name: "x", scope: ["admin"] })],
      ["POST", "/keys", JSON.stringify({ name: 5 })],
      ["POST", "/keys", "[]"],
      [
        "POST",
        "/models",
        JSON.stringify({ id: "a b", source: "builtin:lead-scoring", spec: null }),
      ],
      ["POST", "/models", JSON.stringify({ id: "x".repeat(65), source: "s", spec: null })],
      ["POST", "/models", JSON.stringify({ id: "m", source: "s", spec: null, warm: "yes" })],
      ["POST", "/models/21/pulled", JSON.stringify({ revision: 5 })],
      ["DELETE", `/models/${"x".repeat(200)}`, undefined],
    ] as const;
    for (const [method, path, body] of cases) {
      const res = await admin(method, path, body);
      expect(res.status, `${method} ${path} ${body ?? ""}`).toBe(422);
      expect(res.body.code).toBe("invalid_request");
    }
  });

  it('a spec {"x": 1} is refused as spec_invalid, and /info keeps working (was a 500)', async () => {
    const res = await admin(
      "POST",
      "/models",
      JSON.stringify({ id: "broken", source: "builtin:lead-scoring", spec: { x: 1 } }),
    );
    expect(res.status).toBe(422);
    expect(res.body.code).toBe("spec_invalid");
    expect(res.body.detail).toMatch(/x: is not a known field/);
    const info = await getJson(`${svc.url}/api/v1/models/broken/info`, {
      "X-API-Key": svc.adminKey,
    });
    expect(info.status).toBe(404);
    const list = await getJson(`${svc.url}/api/v1/models`, { "X-API-Key": svc.adminKey });
    expect(list.status).toBe(200);
  });

  it("malformed JSON is 400 and an unknown route 404, in the envelope", async () => {
    expect((await admin("POST", "/keys", "{")).body.code).toBe("bad_request");
    expect((await admin("GET", "/nothing")).body).toMatchObject({ code: "not_found" });
  });

  it("logs what it refused, with the admin component", () => {
    const refused = logLines
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((entry) => entry.component === "admin" && entry.msg === "admin request refused");
    expect(refused.length).toBeGreaterThanOrEqual(5);
    expect(refused[0]).toMatchObject({ method: "POST", url: "/keys", status: 422 });
  });
});
