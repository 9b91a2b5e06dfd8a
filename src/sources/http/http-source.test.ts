import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { leadScoringFiles } from "../../../test/support/fake-hub-repos.js";
import type { ModelgateError } from "../../errors.js";
import { readSpecFile } from "../../spec/index.js";
import { MARKER } from "../cache/store.js";
import { checkSource, fetchPackage, probeSource } from "../index.js";
import type { StaticServer } from "../test-support/static-server.js";
import { startStaticServer } from "../test-support/static-server.js";
import type { TestContext } from "../test-support/context.js";
import { testContext } from "../test-support/context.js";
import { tarGzOf } from "../test-support/tar-writer.js";

const { spec, onnx } = leadScoringFiles();
const archive = tarGzOf([
  { path: "lead-scoring/", type: "directory" },
  { path: "lead-scoring/modelgate.json", content: spec },
  { path: "lead-scoring/model.onnx", content: onnx },
  { path: "lead-scoring/handler.py", content: "print('never')" },
]);
const archiveSha = createHash("sha256").update(archive).digest("hex");
const evil = tarGzOf([
  { path: "modelgate.json", content: spec },
  { path: "model.onnx", content: onnx },
  { path: "../escaped.txt", content: "out" },
]);

let server: StaticServer;
let ctx: TestContext;
beforeAll(async () => {
  server = await startStaticServer({
    "/pkg/lead-scoring.tar.gz": archive,
    "/pkg/evil.tgz": evil,
    "/pkg/not-gzip.tgz": "plain text",
    "/folder/modelgate.json": spec,
    "/folder/model.onnx": onnx,
  });
});
afterAll(() => server.close());
beforeEach(() => {
  server.status = null;
  ctx = testContext("http://unused.invalid");
  return () => ctx.cleanup();
});

const fail = (p: Promise<unknown>) =>
  p.then(
    () => null,
    (e: unknown) => e as ModelgateError,
  );

describe("http(s) sources", () => {
  it("fetches a .tar.gz package (single top folder), extracting only the package files", async () => {
    const pkg = await fetchPackage(`${server.url}/pkg/lead-scoring.tar.gz`, "21", ctx);
    expect(pkg).toMatchObject({ revision: `sha256:${archiveSha}`, fromCache: false });
    expect((await readdir(pkg.dir)).sort()).toEqual([MARKER, "model.onnx", "modelgate.json"]);
    expect((await readFile(join(pkg.dir, "model.onnx"))).equals(onnx)).toBe(true);
    expect((await readSpecFile(pkg.dir)).id).toBe("21");
  });

  it("a #sha256= pin is served from the cache without asking; other bytes are refused", async () => {
    const url = `${server.url}/pkg/lead-scoring.tar.gz#sha256=${archiveSha}`;
    await fetchPackage(url, "21", ctx);
    const hits = server.hits.get("/pkg/lead-scoring.tar.gz");
    expect(await fetchPackage(url, "21", ctx)).toMatchObject({ fromCache: true });
    expect(server.hits.get("/pkg/lead-scoring.tar.gz")).toBe(hits);
    const wrong = await fail(
      fetchPackage(`${server.url}/pkg/lead-scoring.tar.gz#sha256=${"0".repeat(64)}`, "21", ctx),
    );
    expect(wrong?.code).toBe("model_invalid");
    expect(wrong?.message).toContain("is not the pinned one");
  });

  it("fetches a folder URL: modelgate.json and the runtime file, relative to it", async () => {
    const pkg = await fetchPackage(`${server.url}/folder/`, "21", ctx);
    expect(pkg.revision).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect((await readFile(join(pkg.dir, "model.onnx"))).equals(onnx)).toBe(true);
    const again = await fetchPackage(`${server.url}/folder/modelgate.json`, "21", ctx);
    expect(again).toMatchObject({ dir: pkg.dir, fromCache: true });
  });

  it("refuses path traversal in an archive and writes nothing outside", async () => {
    const err = await fail(fetchPackage(`${server.url}/pkg/evil.tgz`, "21", ctx));
    expect(err?.code).toBe("model_invalid");
    expect(err?.message).toContain('"../escaped.txt" would be written outside the package folder');
    expect(existsSync(join(ctx.dataDir, "artifacts", "escaped.txt"))).toBe(false);
    const left = await readdir(join(ctx.dataDir, "artifacts"), { recursive: true });
    expect(left.filter((p) => p.includes("escaped") || p.includes(MARKER))).toEqual([]);
  });

  it("maps 404, garbage and an unreachable server to typed errors; serves the cache when down", async () => {
    expect((await fail(fetchPackage(`${server.url}/pkg/none.tgz`, "21", ctx)))?.code).toBe(
      "source_not_found",
    );
    expect((await fail(fetchPackage(`${server.url}/pkg/not-gzip.tgz`, "21", ctx)))?.code).toBe(
      "model_invalid",
    );
    const url = `${server.url}/pkg/lead-scoring.tar.gz`;
    const first = await fetchPackage(url, "21", ctx);
    server.status = 503;
    const pkg = await fetchPackage(url, "21", ctx);
    expect(pkg).toMatchObject({ dir: first.dir, fromCache: true });
    expect(pkg.refreshError?.code).toBe("source_unreachable");
    expect(await checkSource(url, "21", ctx)).toMatchObject({ ok: true, fromCache: true });
    const probe = await probeSource(url, "21", ctx);
    expect(!probe.ok && probe.error.code).toBe("source_unreachable");
  });
});
