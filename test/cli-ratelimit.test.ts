import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../src/cli/main.js";

let dataDir: string;

beforeAll(() => {
  dataDir = mkdtempSync(join(tmpdir(), "mg-cli-limit-"));
});
afterAll(() => {
  rmSync(dataDir, { recursive: true, force: true });
});

/** The CLI in this process, on an embedded store no server holds (opened directly). */
async function cli(args: string[], env: Record<string, string> = {}) {
  let stdout = "";
  let stderr = "";
  const code = await runCli(args, {
    cwd: dataDir,
    env: { MODELGATE_DATA_DIR: dataDir, ...env },
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
  });
  return { code, stdout, stderr };
}

describe("keys create --rate-limit-per-hour", () => {
  it("stores the key's own limit, 0 for unlimited, or none (the deployment's default)", async () => {
    const own = await cli([
      "keys",
      "create",
      "--name",
      "own",
      "--rate-limit-per-hour",
      "5",
      "--json",
    ]);
    expect(own.code, own.stderr).toBe(0);
    expect(JSON.parse(own.stdout)).toMatchObject({ name: "own", rate_limit_per_hour: 5 });

    const unlimited = await cli(["keys", "create", "--name", "ops", "--rate-limit-per-hour", "0"]);
    expect(unlimited.stdout).toMatch(/rate limit: unlimited\./);

    const byDefault = await cli(["keys", "create", "--name", "plain"], {
      RATE_LIMIT_DEFAULT_PER_HOUR: "250",
    });
    expect(byDefault.stdout).toMatch(/rate limit: default \(250\/h\)\./);

    const list = await cli(["keys", "list"]);
    expect(list.stdout).toMatch(/LIMIT/);
    expect(list.stdout).toMatch(/own .* 5\/h /);
    expect(list.stdout).toMatch(/ops .* unlimited /);
    expect(list.stdout).toMatch(/plain .* default \(1000\/h\) /);
  });

  it("exit 2 for a limit that is not a whole number ≥ 0", async () => {
    for (const bad of ["-5", "1.5", "lots"]) {
      const res = await cli(["keys", "create", "--name", "x", "--rate-limit-per-hour", bad]);
      expect(res.code).toBe(2);
      expect(res.stderr).toMatch(/--rate-limit-per-hour ".*" is not a whole number/);
    }
  });

  it("modelgate usage reads the embedded store directly when no server runs", async () => {
    const res = await cli(["usage", "--json"]);
    expect(res.code, res.stderr).toBe(0);
    expect(JSON.parse(res.stdout)).toEqual({
      key_id: null,
      model_id: null,
      since: null,
      usage: [],
    });
    expect((await cli(["usage", "--model", "21"])).stdout).toBe(
      "No predictions recorded (model 21).\n",
    );
  });
});
