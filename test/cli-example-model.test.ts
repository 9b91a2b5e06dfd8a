/**
 * Model 21 on every new store, whatever the first command is; once removed it stays removed;
 * MODELGATE_REGISTER_EXAMPLE=false turns it off. Through the real CLI, on the embedded store
 * and on PostgreSQL.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { admin, urlWithSchema } from "../src/store/test-support/backends.js";
import { runCli } from "./support/cli.js";
import { startTestService } from "./support/service.js";

const dirs: string[] = [];
const schemas: string[] = [];
afterAll(async () => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  for (const schema of schemas) await admin(`drop schema if exists ${schema} cascade`);
});

function newDataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "mg-example-"));
  dirs.push(dir);
  return dir;
}

async function newPostgres(): Promise<string> {
  const schema = `mg_example_${Math.random().toString(16).slice(2, 10)}`;
  await admin(`create schema ${schema}`);
  schemas.push(schema);
  return urlWithSchema(schema);
}

async function modelIds(env: Record<string, string>): Promise<string[]> {
  const res = await runCli(["models", "list", "--json"], env);
  expect(res.code, res.stderr).toBe(0);
  return (JSON.parse(res.stdout) as { id: string }[]).map((m) => m.id).sort();
}

const OTHER_MODEL = join(process.cwd(), "models", "lead-scoring");
// Several CLI processes a test, each a cold tsx start: minutes on a loaded 2-core machine.
const SLOW = { timeout: 600_000 };

describe("model 21 on a new embedded store", SLOW, () => {
  it("is there when the first command registers another model", async () => {
    const env = { MODELGATE_DATA_DIR: newDataDir() };
    const res = await runCli(["models", "register", "30", "--source", OTHER_MODEL], env);
    expect(res.code, res.stderr).toBe(0);
    expect(await modelIds(env)).toEqual(["21", "30"]);
  });

  it("is there when the first command creates a key, and stays removed once removed (serve too)", async () => {
    const dataDir = newDataDir();
    const env = { MODELGATE_DATA_DIR: dataDir };
    const key = await runCli(["keys", "create", "--name", "first"], env);
    expect(key.code, key.stderr).toBe(0);
    expect(await modelIds(env)).toEqual(["21"]);
    const removed = await runCli(["models", "remove", "21"], env);
    expect(removed.code, removed.stderr).toBe(0);
    expect(await modelIds(env)).toEqual([]);
    // `serve` used to register the example whenever no model was registered.
    const svc = await startTestService({}, { dataDir });
    await svc.close();
    expect(await modelIds(env)).toEqual([]);
    const list = await runCli(["models", "list"], env);
    expect(list.stdout).toMatch(/models register 21 --source builtin:lead-scoring/);
  });

  it("is not registered with MODELGATE_REGISTER_EXAMPLE=false", async () => {
    const env = { MODELGATE_DATA_DIR: newDataDir(), MODELGATE_REGISTER_EXAMPLE: "false" };
    expect((await runCli(["keys", "create", "--name", "first"], env)).code).toBe(0);
    expect(await modelIds(env)).toEqual([]);
  });
});

describe("model 21 on a new PostgreSQL store", SLOW, () => {
  it("is there after a first `models register` of another model, and stays removed", async () => {
    const env = { MODELGATE_DATA_DIR: newDataDir(), DATABASE_URL: await newPostgres() };
    const res = await runCli(["models", "register", "30", "--source", OTHER_MODEL], env);
    expect(res.code, res.stderr).toBe(0);
    expect(await modelIds(env)).toEqual(["21", "30"]);
    expect((await runCli(["models", "remove", "21"], env)).code).toBe(0);
    expect((await runCli(["keys", "create", "--name", "later"], env)).code).toBe(0);
    expect(await modelIds(env)).toEqual(["30"]);
  });
});
