import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { childEnv } from "../test/support/cli.js";
import { UNKNOWN_BUILD, readBuildInfo, readVersion } from "./version.js";

const SCRIPT = fileURLToPath(new URL("../scripts/build-info.mjs", import.meta.url));
const ROOT = fileURLToPath(new URL("..", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "mg-build-info-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function runScript(script: string, out: string, env: Record<string, string> = {}) {
  execFileSync(process.execPath, [script, out], {
    env: childEnv(env),
    stdio: "ignore",
  });
  return JSON.parse(readFileSync(out, "utf8")) as Record<string, string>;
}

describe("build info", () => {
  it("is recorded at build time from git: the commit checked out and the day", () => {
    const info = runScript(SCRIPT, join(dir, "a.json"));
    const head = execFileSync("git", ["rev-parse", "HEAD"], { cwd: ROOT, encoding: "utf8" }).trim();
    expect(info.git_commit).toBe(head);
    expect(info.build_date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(String(info.built_at).slice(0, 10)).toBe(info.build_date);
    expect(readBuildInfo(join(dir, "a.json"))).toEqual({
      gitCommit: head,
      buildDate: info.build_date,
      builtAt: info.built_at,
    });
  });

  it("takes GIT_COMMIT and SOURCE_DATE_EPOCH when given (a Docker build has no .git)", () => {
    const info = runScript(SCRIPT, join(dir, "b.json"), {
      GIT_COMMIT: "0123456789ABCDEF0123456789abcdef01234567",
      SOURCE_DATE_EPOCH: "1700000000",
    });
    expect(info).toMatchObject({
      git_commit: "0123456789abcdef0123456789abcdef01234567",
      build_date: "2023-11-14",
      built_at: "2023-11-14T22:13:20.000Z",
    });
  });

  it('says "unknown" outside a git checkout, and never fails the build', () => {
    const copy = join(dir, "pkg", "scripts", "build-info.mjs");
    mkdirSync(join(dir, "pkg", "scripts"), { recursive: true });
    copyFileSync(SCRIPT, copy);
    const info = runScript(copy, join(dir, "c.json"), { GIT_CEILING_DIRECTORIES: dir });
    expect(info.git_commit).toBe("unknown");
    expect(info.build_date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  it("reads a missing, malformed or oversized file as unknown, field by field", () => {
    expect(readBuildInfo(join(dir, "missing.json"))).toEqual(UNKNOWN_BUILD);
    writeFileSync(join(dir, "bad.json"), "{not json");
    expect(readBuildInfo(join(dir, "bad.json"))).toEqual(UNKNOWN_BUILD);
    writeFileSync(join(dir, "big.json"), JSON.stringify({ pad: "x".repeat(5000) }));
    expect(readBuildInfo(join(dir, "big.json"))).toEqual(UNKNOWN_BUILD);
    writeFileSync(
      join(dir, "partial.json"),
      JSON.stringify({ git_commit: "abc1234", build_date: "yesterday", built_at: 5 }),
    );
    expect(readBuildInfo(join(dir, "partial.json"))).toEqual({
      gitCommit: "abc1234",
      buildDate: "unknown",
      builtAt: "unknown",
    });
    expect(readVersion().build).toEqual(expect.objectContaining({ gitCommit: expect.any(String) }));
  });
});
