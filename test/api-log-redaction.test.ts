/**
 * A key never appears in a log line: not for a valid key, an invalid one, a key sent in the
 * URL (refused), a key that went through the admin socket, or any error on the way. The
 * service's own logger output is captured and searched.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { socketAdminOps } from "../src/cli/admin-client.js";
import { adminSocketPath } from "../src/server/admin/socket.js";
import { rawRequest } from "./support/raw-http.js";
import type { TestService } from "./support/service.js";
import { SEED_INPUT, getJson, postJson, startTestService } from "./support/service.js";

let svc: TestService;
const lines: string[] = [];

beforeAll(async () => {
  svc = await startTestService(
    { RATE_LIMIT_DEFAULT_PER_HOUR: "2" },
    { logTo: { write: (line) => lines.push(line) } },
  );
});
afterAll(async () => {
  await svc.close();
});

describe("log redaction of keys", () => {
  it("no key, valid or not, shows up in any log line", async () => {
    const admin = socketAdminOps(adminSocketPath(svc.dataDir));
    const created = await admin.createKey({ name: "logged", scopes: ["predict", "models:read"] });
    const unknown = `${created.key.slice(0, 12)}${"Z".repeat(created.key.length - 12)}`;
    const predictUrl = `${svc.url}/api/v1/models/21/predict`;
    const keys = [created.key, unknown, svc.adminKey];

    for (const key of keys) {
      await postJson(predictUrl, { inputs: SEED_INPUT }, { "X-API-Key": key });
      await postJson(
        predictUrl,
        { inputs: { company_size: "x" } },
        { authorization: `Bearer ${key}` },
      );
      await postJson(predictUrl, "{broken", { "X-API-Key": key });
      await getJson(`${svc.url}/api/v1/models?api_key=${key}`);
      await getJson(`${svc.url}/api/v1/models/nope/info`, { "X-API-Key": key });
      await getJson(`${svc.url}/api/v1/usage?since=99999999w`, { "X-API-Key": key });
      await rawRequest(svc.url, [
        `GET /live HTTP/1.1\r\nHost: x\r\nX-API-Key: ${key}\r\nX-Filler: ${"f".repeat(20_000)}\r\n\r\n`,
      ]);
    }
    // Past the rate limit (2 an hour by default here): 429s are logged too.
    await postJson(predictUrl, { inputs: SEED_INPUT }, { "X-API-Key": created.key });
    await admin.revokeKey(created.id);
    await postJson(predictUrl, { inputs: SEED_INPUT }, { "X-API-Key": created.key });

    // The lines were written: this is not a search of an empty log.
    const entries = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    const statuses = new Set(entries.filter((e) => e.msg === "request").map((e) => e.status));
    for (const status of [200, 400, 401, 404, 422, 429]) expect(statuses).toContain(status);
    expect(entries.some((e) => e.msg === "request refused before routing")).toBe(true);

    const text = lines.join("");
    for (const key of keys) {
      expect(text).not.toContain(key);
      // Nor the secret part of it alone (everything after the prefix shown in `keys list`).
      expect(text).not.toContain(key.slice(16));
    }
  });
});
