import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { leadScoringFiles, PRIVATE_REPO, PUBLIC_REPO } from "../../../test/support/fake-hub.js";
import { readSpecFile } from "../../spec/index.js";
import { MARKER } from "../cache/store.js";
import { fetchPackage } from "../index.js";
import type { ProgressEvent } from "../types.js";
import { testContext } from "../test-support/context.js";
import { useFakeHub } from "../test-support/hub.js";

const fake = useFakeHub();

const commitOf = (repo: string, ref: string) => {
  const r = fake.hub.repos.get(repo);
  const sha = r?.branches.get(ref) ?? r?.tags.get(ref);
  if (!sha) throw new Error(`no ${ref} in ${repo}`);
  return sha;
};
const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");

describe("hf:// sources: fetching", () => {
  it("resolves a branch to its commit, records it, and downloads only the package files", async () => {
    const main = commitOf(PUBLIC_REPO, "main");
    const before = fake.hub.requests.length;
    const pkg = await fetchPackage(`hf://${PUBLIC_REPO}`, "21", fake.ctx);
    expect(pkg).toMatchObject({ revision: main, fromCache: false });
    expect(pkg.dir).toBe(join(fake.ctx.dataDir, "artifacts", "hf--modelgate--lead-scoring", main));
    expect((await readdir(pkg.dir)).sort()).toEqual([MARKER, "model.onnx", "modelgate.json"]);
    expect(sha256(await readFile(join(pkg.dir, "model.onnx")))).toBe(
      sha256(leadScoringFiles().onnx),
    );
    expect((await readSpecFile(pkg.dir)).id).toBe("21");
    const ref = await readFile(
      join(fake.ctx.dataDir, "artifacts/hf--modelgate--lead-scoring/refs/HEAD"),
    );
    expect(ref.toString().trim()).toBe(main);
    // Never a README, a pickle or a Python file.
    const paths = fake.hub.requests.slice(before).map((r) => r.path);
    expect(paths.filter((p) => /README|\.py$|\.pkl$/.test(p))).toEqual([]);
  });

  it("pins tags and commits, and serves a cached commit without asking the Hub", async () => {
    const old = commitOf(PUBLIC_REPO, "v0.9.0");
    const tagged = await fetchPackage(`hf://${PUBLIC_REPO}@v0.9.0`, "21", fake.ctx);
    expect(tagged.revision).toBe(old);
    expect((await readSpecFile(tagged.dir)).version).toBe("0.9.0");

    const before = fake.hub.requests.length;
    const pinned = await fetchPackage(`hf://${PUBLIC_REPO}@${old}`, "21", fake.ctx);
    expect(pinned).toEqual({ dir: tagged.dir, revision: old, fromCache: true });
    expect(fake.hub.requests.length).toBe(before);
  });

  it("asks the Hub for a branch again but downloads nothing when the commit is cached", async () => {
    await fetchPackage(`hf://${PUBLIC_REPO}@main`, "21", fake.ctx);
    const downloads = fake.hub.hits("/resolve/");
    const again = await fetchPackage(`hf://${PUBLIC_REPO}@main`, "21", fake.ctx);
    expect(again.fromCache).toBe(true);
    expect(again.refreshError).toBeUndefined();
    expect(fake.hub.hits("/resolve/")).toBe(downloads);
  });

  it("fetches a private repository with a token, which never reaches the CDN", async () => {
    const tokenCtx = testContext(fake.hub.url, { token: fake.hub.tokens.read }, fake.ctx.dataDir);
    const events: ProgressEvent[] = [];
    const before = fake.hub.requests.length;
    const pkg = await fetchPackage(`hf://${PRIVATE_REPO}`, "21", tokenCtx, {
      onProgress: (e) => events.push(e),
    });
    expect(pkg.revision).toBe(commitOf(PRIVATE_REPO, "main"));
    const cdn = fake.hub.requests.slice(before).filter((r) => r.server === "cdn");
    expect(cdn.length).toBeGreaterThan(0);
    expect(cdn.every((r) => !r.authorization)).toBe(true);
    const last = events.filter((e) => e.file === "model.onnx").at(-1);
    expect(last).toEqual({
      file: "model.onnx",
      bytes: leadScoringFiles().onnx.length,
      total: leadScoringFiles().onnx.length,
    });
  });

  it("verifies what it downloads: bytes that differ from the Hub's sha256 are never cached", async () => {
    fake.hub.addRepo({
      name: "modelgate/tampered",
      commits: [
        {
          files: {
            "modelgate.json": leadScoringFiles().spec,
            "model.onnx": leadScoringFiles().onnx,
          },
        },
      ],
    });
    const repo = fake.hub.repos.get("modelgate/tampered");
    const file = repo?.commits[0]?.files.get("model.onnx");
    if (!file) throw new Error("no file");
    file.content = Buffer.from(file.content);
    file.content[1000] = (file.content[1000] ?? 0) ^ 0xff; // the CDN now serves other bytes
    const err = await fetchPackage("hf://modelgate/tampered", "21", fake.ctx).catch(
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ code: "source_unreachable" });
    expect((err as Error).message).toMatch(/model\.onnx.*corrupted.*sha256/);
    const dir = join(
      fake.ctx.dataDir,
      "artifacts",
      "hf--modelgate--tampered",
      repo?.commits[0]?.sha ?? "",
    );
    expect((await readdir(dir)).sort()).toEqual(["modelgate.json"]);
  });
});
