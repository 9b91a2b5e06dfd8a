/**
 * `modelgate doctor` through the CLI's own entry (in-process): exit 0 when nothing is wrong,
 * 1 with the problem on stderr, 2 with one sentence for bad usage; --json is the investigation.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "../main.js";
import type { DoctorResult } from "../../doctor/types.js";
import { parseTimeout } from "./doctor.js";

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A folder without a policy file: no configuration source unless a flag gives one. */
function cwd(): string {
  const dir = mkdtempSync(join(tmpdir(), "mg-doctor-cli-"));
  dirs.push(dir);
  return dir;
}

async function cli(args: string[], env: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, {
    cwd: cwd(),
    env,
    stdout: { write: (s: string) => out.push(s) },
    stderr: { write: (s: string) => err.push(s) },
  });
  return { code, stdout: out.join(""), stderr: err.join("") };
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as { port: number };
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

describe("modelgate doctor (CLI)", () => {
  it("exit 0 and the investigation as JSON when nothing is wrong", async () => {
    const res = await cli([
      "doctor",
      "--redis-url",
      "redis://127.0.0.1:6379",
      "--json",
      "--timeout",
      "15s",
    ]);
    expect(res.code, res.stderr).toBe(0);
    const result = JSON.parse(res.stdout) as DoctorResult;
    expect(result.exitCode).toBe(0);
    expect(result.rootCause).toBeNull();
    expect(result.probes.find((p) => p.id === "redis")?.state).toBe("ok");
    expect(result.probes.find((p) => p.id === "symptom")).toBeUndefined();
    expect(result.probes.find((p) => p.id === "ready")?.summary).toMatch(/No --url given/);
  });

  it("exit 1, the root cause on stdout and one line on stderr, when a dependency is down", async () => {
    const port = await closedPort();
    const res = await cli([
      "doctor",
      "--redis-url",
      `redis://:s3cr3t-pass@127.0.0.1:${port}`,
      "--timeout",
      "5s",
    ]);
    expect(res.code).toBe(1);
    expect(res.stdout).toContain(`Root cause (low confidence): Redis cannot be reached.`);
    expect(res.stdout).toContain(`127.0.0.1:${port}: connection refused`);
    expect(res.stderr).toBe("modelgate: doctor found a problem: Redis cannot be reached.\n");
    expect(res.stdout + res.stderr).not.toContain("s3cr3t-pass");
  });

  it("writes the three report files", async () => {
    const port = await closedPort();
    const dir = cwd();
    const res = await cli(["doctor", "--redis-url", `redis://127.0.0.1:${port}`, "--report", dir]);
    expect(res.code).toBe(1);
    expect(res.stdout).toContain(`Wrote ${dir}/investigation.md, hypotheses.md and root-cause.md.`);
  });

  it.each([
    [
      ["doctor", "--timeout", "forever"],
      '--timeout "forever" is not a duration between 100ms and 5m',
    ],
    [["doctor", "--timeout", "10m"], '--timeout "10m" is not a duration between 100ms and 5m'],
    [["doctor", "--url", "ftp://x"], "--url must be http:// or https://"],
    [["doctor", "--api-key", "hk_live_abc"], "--api-key needs --url"],
    [
      ["doctor", "--url", "http://127.0.0.1:1", "--model", "a/b"],
      '--model "a/b" is not a model id',
    ],
    [
      ["doctor", "--url", "http://127.0.0.1:1", "--input", "[1]"],
      "--input must be one JSON object",
    ],
    [["doctor", "--url", "http://127.0.0.1:1", "--input", "{"], "--input is not JSON"],
    [["doctor", "--redis-url", "http://x"], "--redis-url must be a redis or rediss URL"],
  ])("exit 2 with one sentence for %j", async (args, sentence) => {
    const res = await cli(args);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain(sentence);
    expect(res.stderr.trim().split("\n")).toHaveLength(1);
  });

  it("exit 2 when the report folder cannot be written", async () => {
    const file = join(cwd(), "a-file");
    writeFileSync(file, "");
    const res = await cli([
      "doctor",
      "--redis-url",
      "redis://127.0.0.1:6379",
      "--report",
      join(file, "sub"),
    ]);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/--report .*: cannot write the report there/);
  });

  it("--help shows an example and the exit codes", async () => {
    const res = await cli(["doctor", "--help"]);
    expect(res.code).toBe(0);
    expect(res.stdout).toContain("modelgate doctor --url https://api.example.com --model 21");
    expect(res.stdout).toContain(
      "Exit codes: 0 nothing wrong found, 1 a root cause found, 2 bad usage",
    );
    for (const flag of [
      "--terraform",
      "--task-definition",
      "--k8s",
      "--compose",
      "--env-example",
      "--report",
      "--json",
      "--timeout",
    ])
      expect(res.stdout).toContain(flag);
  });

  it("parseTimeout reads s, ms and m", () => {
    expect(parseTimeout(undefined)).toBe(5000);
    expect(parseTimeout("2s")).toBe(2000);
    expect(parseTimeout("750ms")).toBe(750);
    expect(parseTimeout("1m")).toBe(60_000);
    expect(parseTimeout("3")).toBe(3000);
  });
});
