import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { admin, urlWithSchema } from "../src/store/test-support/backends.js";
import { getJson, startTestService } from "./support/service.js";

const schema = `mg_test_datadir_${process.pid}`;
const parent = mkdtempSync(join(tmpdir(), "mg-pgdir-"));

afterAll(async () => {
  await admin(`drop schema if exists ${schema} cascade`);
  rmSync(parent, { recursive: true, force: true });
});

describe("serve on PostgreSQL", () => {
  it("starts when the data dir does not exist yet, creating it owner-only for the admin socket", async () => {
    await admin(`create schema ${schema}`);
    const dataDir = join(parent, "not", "yet");
    expect(existsSync(dataDir)).toBe(false);
    const svc = await startTestService({ DATABASE_URL: urlWithSchema(schema) }, { dataDir });
    try {
      expect((await getJson(`${svc.url}/live`)).status).toBe(200);
      expect(statSync(dataDir).mode & 0o777).toBe(0o700);
      expect(statSync(join(dataDir, "admin.sock")).mode & 0o777).toBe(0o600);
    } finally {
      await svc.close();
    }
  });
});
