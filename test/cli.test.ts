import { mkdtempSync, rmSync, statSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { bannerKey, runCli, startServe } from "./support/cli.js";
import { SEED_INPUT, postJson } from "./support/service.js";

let dataDir: string;
let env: Record<string, string>;

beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), "mg-cli-"));
  env = { MODELGATE_DATA_DIR: dataDir };
});
afterEach(() => {
  rmSync(dataDir, { recursive: true, force: true });
});

async function predict(url: string, key: string) {
  return postJson(`${url}/api/v1/models/21/predict`, { inputs: SEED_INPUT }, { "X-API-Key": key });
}

async function eventually(check: () => Promise<boolean>, withinMs: number): Promise<number> {
  const start = Date.now();
  while (Date.now() - start < withinMs) {
    if (await check()) return Date.now() - start;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`not within ${withinMs} ms`);
}

describe("modelgate keys (no server running)", () => {
  it("creates, lists and revokes keys in the store; the key is shown once", async () => {
    const created = await runCli(
      [
        "keys",
        "create",
        "--name",
        "partner",
        "--scopes",
        "predict",
        "--models",
        "21",
        "--expires",
        "30d",
        "--json",
      ],
      env,
    );
    expect(created.code).toBe(0);
    const key = JSON.parse(created.stdout) as Record<string, unknown>;
    expect(key).toMatchObject({
      name: "partner",
      scopes: ["predict"],
      models: ["21"],
      status: "active",
    });
    expect(key.key).toMatch(/^hk_live_[0-9A-Za-z]{40}$/);
    expect(key.id).toMatch(/^key_/);
    const expires = Date.parse(String(key.expires_at)) - Date.now();
    expect(expires).toBeGreaterThan(29.9 * 86_400_000);

    const list = await runCli(["keys", "list", "--json"], env);
    expect(list.code).toBe(0);
    expect(list.stdout).not.toContain(String(key.key));
    expect(JSON.parse(list.stdout)).toEqual([
      expect.objectContaining({ id: key.id, status: "active" }),
    ]);

    const revoked = await runCli(["keys", "revoke", String(key.id)], env);
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toMatch(/Revoked API key key_/);
    const after = await runCli(["keys", "list"], env);
    expect(after.stdout).toMatch(/revoked/);
  });

  it("exit 2 with one actionable sentence on bad usage", async () => {
    const noName = await runCli(["keys", "create"], env);
    expect(noName.code).toBe(2);
    expect(noName.stderr).toMatch(/--name/);
    const badScope = await runCli(["keys", "create", "--name", "x", "--scopes", "everything"], env);
    expect(badScope.code).toBe(2);
    expect(badScope.stderr).toMatch(/unknown scope "everything"/);
    const badExpiry = await runCli(["keys", "create", "--name", "x", "--expires", "soon"], env);
    expect(badExpiry.code).toBe(2);
    expect(badExpiry.stderr).toMatch(/--expires "soon"/);
    const unknown = await runCli(["keys", "revoke", "key_nope"], env);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/No API key has the id key_nope/);
    const badConfig = await runCli(["keys", "list"], { ...env, PORT: "eighty" });
    expect(badConfig.code).toBe(2);
    expect(badConfig.stderr).toMatch(/PORT must be a whole number/);
  });

  it("--help shows an example", async () => {
    const help = await runCli(["keys", "create", "--help"], env);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Example:\n\s+\$ modelgate keys create/);
  });
});

describe("modelgate serve", () => {
  it("first start prints one admin key; keys made through the CLI apply within 1 s; SIGTERM stops cleanly", async () => {
    const server = await startServe(env);
    try {
      const admin = bannerKey(server.stderr());
      expect(admin).toBeDefined();
      expect(server.stdout()).not.toContain(admin);
      expect((await predict(server.url, admin ?? "")).status).toBe(200);

      // The data dir is held by the server: the CLI goes through its owner-only admin socket.
      expect(statSync(join(dataDir, "admin.sock")).mode & 0o777).toBe(0o600);
      const created = await runCli(["keys", "create", "--name", "live", "--json"], env);
      expect(created.code).toBe(0);
      const { key, id } = JSON.parse(created.stdout) as { key: string; id: string };
      await eventually(async () => (await predict(server.url, key)).status === 200, 1_000);

      const revoked = await runCli(["keys", "revoke", id], env);
      expect(revoked.code).toBe(0);
      await eventually(async () => (await predict(server.url, key)).status === 401, 1_000);

      const models = await runCli(["models", "list", "--json"], env);
      expect(JSON.parse(models.stdout)).toEqual([
        expect.objectContaining({ id: "21", source: "builtin:lead-scoring", loaded: true }),
      ]);
    } finally {
      expect(await server.stop()).toBe(0);
    }
    expect(server.stdout()).toMatch(/"msg":"stopped"/);

    // Second start: same store, no new admin key, the first one still works.
    const again = await startServe(env);
    try {
      expect(bannerKey(again.stderr())).toBeUndefined();
      const list = await runCli(["keys", "list", "--json"], env);
      expect((JSON.parse(list.stdout) as unknown[]).length).toBe(2);
    } finally {
      expect(await again.stop()).toBe(0);
    }
  });

  it("on SIGTERM, finishes a request already in flight and reports not ready while draining", async () => {
    const server = await startServe(env);
    const admin = bannerKey(server.stderr()) ?? "";
    await eventually(async () => (await fetch(`${server.url}/ready`)).status === 200, 10_000);
    const { hostname, port } = new URL(server.url);
    const body = JSON.stringify({ inputs: SEED_INPUT });
    // A request whose body is still arriving when SIGTERM lands: it is in flight for certain.
    const answer = new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(
        {
          host: hostname,
          port,
          method: "POST",
          path: "/api/v1/models/21/predict",
          headers: {
            "x-api-key": admin,
            "content-type": "application/json",
            "content-length": Buffer.byteLength(body),
          },
        },
        (res) => {
          let text = "";
          res.on("data", (d: Buffer) => (text += d.toString()));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
        },
      );
      req.on("error", reject);
      req.write(body.slice(0, 20));
      setTimeout(() => {
        const stopped = server.stop();
        setTimeout(() => {
          void fetch(`${server.url}/ready`).then(async (r) =>
            readyDuringDrain.push(r.status, await r.text()),
          );
          req.end(body.slice(20));
        }, 200);
        void stopped.then((code) => exitCode.push(code));
      }, 100);
    });
    const readyDuringDrain: (number | string)[] = [];
    const exitCode: (number | null)[] = [];
    const res = await answer;
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({
      model_id: "21",
      predictions: { factors: ["Demo requested", "High engagement"] },
    });
    await eventually(async () => exitCode.length === 1, 10_000);
    expect(exitCode).toEqual([0]);
    expect(readyDuringDrain[0]).toBe(503);
    expect(readyDuringDrain[1]).toMatch(/shutting down/);
  });

  it("refuses an invalid configuration with exit 2, naming each variable", async () => {
    const res = await runCli(["serve"], { ...env, PORT: "99999", LOG_LEVEL: "chatty" });
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/PORT must be at most 65535/);
    expect(res.stderr).toMatch(/LOG_LEVEL must be one of/);
  });
});

describe("modelgate config show", () => {
  it("masks secrets and says where each value came from", async () => {
    const res = await runCli(["config", "show"], {
      ...env,
      HF_TOKEN: "hf_verysecret",
      PORT: "9999",
    });
    expect(res.code).toBe(0);
    expect(res.stdout).not.toContain("hf_verysecret");
    expect(res.stdout).toMatch(/HUGGINGFACE_API_KEY\s+\*\*\*\*\s+env \(alias HF_TOKEN\)/);
    expect(res.stdout).toMatch(/PORT\s+9999\s+env/);
    const json = await runCli(["config", "show", "--json"], env);
    expect(JSON.parse(json.stdout)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: "PORT", value: 8001, source: "default" }),
      ]),
    );
  });
});
