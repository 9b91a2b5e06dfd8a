/**
 * `modelgate smoke` end to end, on the seeds' incident: model 21 registered from a private
 * repository on a fake Hub, the service started (not strict) without HUGGINGFACE_API_KEY. Smoke
 * must exit 1 naming model 21's predict with the 503 code and its reason — and exit 0 once the
 * token is set. The key used never appears in what smoke prints.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { runCli as runInProcess } from "../src/cli/main.js";
import type { SmokeReport } from "../src/smoke/index.js";
import { runCli } from "./support/cli.js";
import type { FakeHub } from "./support/fake-hub.js";
import { PRIVATE_REPO, startFakeHub } from "./support/fake-hub.js";
import type { TestService } from "./support/service.js";
import { startTestService } from "./support/service.js";

let hub: FakeHub;
let dataDir: string;
/** A partner's key, limited to model 21: what a post-deploy check would be given. */
let key: string;
const open: TestService[] = [];

const INCIDENT = `HUGGINGFACE_API_KEY is not set; model 21 is stored in a private Hugging Face repository ${PRIVATE_REPO}`;

/** The real CLI code, in this process (setting up is not what is tested here). */
async function cli(args: string[], env: Record<string, string>) {
  let stdout = "";
  let stderr = "";
  const code = await runInProcess(args, {
    cwd: dataDir,
    env,
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
  });
  return { code, stdout, stderr };
}

beforeAll(async () => {
  hub = await startFakeHub();
  dataDir = mkdtempSync(join(tmpdir(), "mg-smoke-"));
  const env = {
    MODELGATE_DATA_DIR: dataDir,
    HF_ENDPOINT: hub.url,
    MODELGATE_REGISTER_EXAMPLE: "false",
  };
  // Registered by someone who has the token; the service is then deployed without it.
  const registered = await cli(
    ["models", "register", "21", "--source", `hf://${PRIVATE_REPO}`, "--json"],
    { ...env, HUGGINGFACE_API_KEY: hub.tokens.read },
  );
  expect(registered.code, registered.stderr).toBe(0);
  const created = await cli(
    [
      "keys",
      "create",
      "--name",
      "smoke",
      "--models",
      "21",
      "--scopes",
      "predict,models:read",
      "--json",
    ],
    env,
  );
  expect(created.code, created.stderr).toBe(0);
  key = (JSON.parse(created.stdout) as { key: string }).key;
}, 120_000);

afterAll(async () => {
  await hub.close();
  rmSync(dataDir, { recursive: true, force: true });
});

afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

/** A fresh replica: the data dir's store (model 21, the key), an empty package cache. */
async function serve(env: Record<string, string> = {}): Promise<TestService> {
  // Registering downloaded the package into this data dir; a deployed container has no copy,
  // and a cached copy would be served without the token (docs/sources.md).
  rmSync(join(dataDir, "artifacts"), { recursive: true, force: true });
  const svc = await startTestService(
    { HF_ENDPOINT: hub.url, MODELGATE_REGISTER_EXAMPLE: "false", ...env },
    { dataDir },
  );
  open.push(svc);
  return svc;
}

describe("modelgate smoke against the seeds' incident", () => {
  it("exits 1 naming model 21's predict with the 503 code and reason; the key is never printed", async () => {
    const svc = await serve();
    const res = await runCli(["smoke", "--url", svc.url], { MODELGATE_API_KEY: key });
    expect(res.code, res.stderr).toBe(1);
    const predictLine = res.stdout.split("\n").find((l) => l.startsWith("FAIL  model 21: predict"));
    expect(predictLine).toContain(`503 source_credentials_missing: ${INCIDENT}`);
    // What was sent and what came back, the key masked.
    expect(res.stdout).toContain(`POST ${svc.url}/api/v1/models/21/predict`);
    expect(res.stdout).toContain("X-API-Key: *** (the key given, masked)");
    expect(res.stdout).toContain('"code":"source_credentials_missing"');
    expect(res.stderr).toContain(
      "smoke: 3 check(s) failed: ready, model 21 health, model 21 predict.",
    );
    // /ready gave the same failing check over and over: smoke stopped waiting and said why.
    expect(res.stderr).toContain("its answer has not changed");
    expect(res.stderr).toContain(INCIDENT);
    expect(res.stdout + res.stderr).not.toContain(key);
    expect(res.stdout + res.stderr).not.toContain(key.slice(8));
  }, 60_000);

  it("says the same in JSON: every other check passes", async () => {
    const svc = await serve();
    const res = await cli(["smoke", "--url", svc.url, "--json", "--timeout", "2s"], {
      MODELGATE_API_KEY: key,
    });
    expect(res.code, res.stderr).toBe(1);
    expect(res.stdout, res.stderr).not.toBe("");
    const report = JSON.parse(res.stdout) as SmokeReport;
    const status = Object.fromEntries(report.checks.map((c) => [`${c.group} ${c.name}`, c.status]));
    expect(status).toEqual({
      "service live": "pass",
      "service ready": "fail",
      "service no key → 401": "pass",
      "service key accepted (model list)": "pass",
      "model 21 info": "pass",
      "model 21 health": "fail",
      "model 21 predict": "fail",
      "model 21 malformed body → 422": "pass",
    });
    expect(report.models).toEqual({ ids: ["21"], from: "api" });
    const predict = report.checks.find((c) => c.group === "model 21" && c.name === "predict");
    expect(predict?.problems).toEqual(["expected HTTP 200, got 503"]);
    expect(predict?.received).toMatch(/^503 \{"detail":"HUGGINGFACE_API_KEY is not set/);
    expect(predict?.sent).toContain('{"inputs":{"company_size":1000,"industry":"Technology"');
    expect(res.stdout).not.toContain(key);
  }, 60_000);

  it("exits 0 once the service has the token", async () => {
    const svc = await serve({ HUGGINGFACE_API_KEY: hub.tokens.read });
    const res = await cli(["smoke", "--url", svc.url, "--models", "21"], {
      MODELGATE_API_KEY: key,
    });
    expect(res.code, res.stdout + res.stderr).toBe(0);
    expect(res.stdout).toContain("8 checks, 8 passed, 0 failed, 0 skipped");
    expect(res.stdout).toMatch(/PASS {2}model 21: predict +200 \{"lead_score":\d+/);
    expect(res.stdout).toContain("All checks passed.");
    expect(res.stdout + res.stderr).not.toContain(key);
  }, 60_000);
});
