/**
 * Replicas on PostgreSQL without Redis: nothing tells a replica that another process (a CLI on
 * the database, another replica) registered or removed a model. A new model is found on its
 * first request; a removed one is refused once the registry's 2 s lifetime has passed
 * (the rules themselves, on a test clock: src/serving/service.test.ts).
 */
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BUILTIN_MODELS_DIR } from "../src/sources/index.js";
import { readSpecFile } from "../src/spec/index.js";
import type { Store } from "../src/store/index.js";
import { modelRepository, openStore } from "../src/store/index.js";
import { admin as adminSql, urlWithSchema } from "../src/store/test-support/backends.js";
import type { TestService } from "./support/service.js";
import { SEED_INPUT, postJson, startTestService } from "./support/service.js";

const schema = `mg_noredis_${randomBytes(6).toString("hex")}`;
let svc: TestService;
let elsewhere: Store;

beforeAll(async () => {
  await adminSql(`create schema ${schema}`);
  svc = await startTestService({ DATABASE_URL: urlWithSchema(schema) });
  elsewhere = await openStore({ databaseUrl: urlWithSchema(schema) });
});
afterAll(async () => {
  await elsewhere?.close();
  await svc?.close();
  await adminSql(`drop schema if exists ${schema} cascade`);
});

const predict = (id: string) =>
  postJson(
    `${svc.url}/api/v1/models/${id}/predict`,
    { inputs: SEED_INPUT },
    {
      "X-API-Key": svc.adminKey,
    },
  );

describe("the model registry without Redis", () => {
  it("serves a model another process registered, and refuses it after it removed it", async () => {
    const models = modelRepository(elsewhere.db);
    const spec = await readSpecFile(join(BUILTIN_MODELS_DIR, "lead-scoring"));
    expect((await predict("21")).status).toBe(200);
    // Past the 250 ms a replica waits between registry reads for unknown ids.
    await new Promise((r) => setTimeout(r, 300));
    await models.upsert({
      id: "nr-30",
      name: "registered elsewhere",
      version: "1",
      description: "",
      source: "builtin:lead-scoring",
      spec,
      maxBatchSize: 8,
    });
    expect((await predict("nr-30")).status).toBe(200);

    await models.remove("nr-30");
    const removedAt = Date.now();
    let status = 200;
    while (status === 200 && Date.now() - removedAt < 10_000) {
      status = (await predict("nr-30")).status;
      if (status === 200) await new Promise((r) => setTimeout(r, 50));
    }
    const res = await predict("nr-30");
    expect(res.status).toBe(404);
    expect(res.body.code).toBe("model_not_found");
  });
});
