import { randomBytes } from "node:crypto";
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { leadScoringFiles } from "../../../test/support/fake-hub-repos.js";
import type { ModelgateError } from "../../errors.js";
import { fetchPackage } from "../index.js";
import type { ScriptedServer } from "../test-support/scripted-server.js";
import { startScriptedServer } from "../test-support/scripted-server.js";
import type { StaticServer } from "../test-support/static-server.js";
import { startStaticServer } from "../test-support/static-server.js";
import type { TestContext } from "../test-support/context.js";
import { testContext } from "../test-support/context.js";
import { tarGzOf, tarOf } from "../test-support/tar-writer.js";

const MiB = 1024 * 1024;
const { spec, onnx } = leadScoringFiles();

/**
 * A .tar.gz of a few MB that decompresses to GiBs: modelgate.json, then a model.onnx of zeros,
 * written as gzip members of 64 MiB of zeros each (gunzip reads concatenated members as one).
 */
function gzipBomb(members: number): Buffer {
  const head = tarOf([
    { path: "modelgate.json", content: spec },
    { path: "model.onnx", content: "", claimedSize: members * 64 * MiB, headerOnly: true },
  ]);
  const zeros = gzipSync(Buffer.alloc(64 * MiB), { level: 9 });
  return Buffer.concat([gzipSync(head), ...Array.from({ length: members }, () => zeros)]);
}

/** Every regular file under the data dir's artifacts, with its size. */
async function filesLeft(dataDir: string): Promise<string[]> {
  const root = join(dataDir, "artifacts");
  const names = await readdir(root, { recursive: true }).catch(() => [] as string[]);
  const out: string[] = [];
  for (const name of names) {
    const info = await stat(join(root, name));
    if (info.isFile()) out.push(`${name} ${info.size}`);
  }
  return out;
}

const fail = (p: Promise<unknown>) =>
  p.then(
    () => null,
    (e: unknown) => e as ModelgateError,
  );

let server: StaticServer;
let endless: ScriptedServer;
let ctx: TestContext;
const bomb = gzipBomb(48); // 3 MB → 3 GiB
const quietBomb = gzipBomb(24); // 1.5 MB → 1.5 GiB: its header is within the package limit
/** 40 files of 4 MiB of zeros: each small, 160 MiB together. */
const manySmall = tarGzOf([
  { path: "modelgate.json", content: spec },
  ...Array.from({ length: 40 }, (_, i) => ({
    path: `pad${i}.bin`,
    content: Buffer.alloc(4 * MiB),
  })),
]);
beforeAll(async () => {
  server = await startStaticServer({
    "/bomb.tgz": bomb,
    "/quiet-bomb.tgz": quietBomb,
    "/many.tgz": manySmall,
    "/big.tgz": tarGzOf([
      { path: "modelgate.json", content: spec },
      { path: "model.onnx", content: randomBytes(2 * MiB) },
    ]),
    "/folder/modelgate.json": spec,
    "/folder/model.onnx": onnx,
  });
  endless = await startScriptedServer((_req, res) => {
    res.writeHead(200); // no Content-Length: chunked, and it never ends
    const chunk = Buffer.alloc(64 * 1024, 1);
    const more = () => {
      while (!res.destroyed && res.write(chunk));
      if (!res.destroyed) res.once("drain", more);
    };
    more();
  });
});
afterAll(async () => {
  await server.close();
  await endless.close();
});
beforeEach(() => {
  ctx = testContext("http://unused.invalid");
  return () => ctx.cleanup();
});

describe("http(s) packages are bounded", () => {
  it("a 3 MB gzip bomb whose header claims 3 GiB is refused at that header, nothing on disk", async () => {
    expect(bomb.length).toBeLessThan(4 * MiB);
    const err = await fail(fetchPackage(`${server.url}/bomb.tgz`, "21", ctx));
    expect(err?.code).toBe("source_too_large");
    expect(err?.status).toBe(503);
    expect(err?.message).toContain(`Model 21 cannot be served: its source ${server.url}/bomb.tgz`);
    expect(err?.message).toMatch(
      /model\.onnx" is 3072 MiB, over the 2048 MiB.*MODEL_MAX_PACKAGE_MB/,
    );
    expect(await filesLeft(ctx.dataDir)).toEqual([]);
  });

  it("a bomb within the package limit stops early on the ratio, nothing on disk", async () => {
    const err = await fail(fetchPackage(`${server.url}/quiet-bomb.tgz`, "21", ctx));
    expect(err?.code).toBe("source_too_large");
    expect(err?.message).toContain("over MODEL_MAX_ARCHIVE_RATIO (100)");
    expect(await filesLeft(ctx.dataDir)).toEqual([]);
  });

  it("with a ratio it accepts, decompression stops at MODEL_MAX_PACKAGE_MB", async () => {
    const lax = testContext(ctx.hubUrl, {
      limits: { maxArchiveRatio: 100_000, maxPackageBytes: 64 * MiB },
    });
    const err = await fail(fetchPackage(`${server.url}/many.tgz`, "21", lax));
    expect(err?.code).toBe("source_too_large");
    expect(err?.message).toContain(
      "the archive's decompressed content is more than that, over the 64 MiB a package may take (MODEL_MAX_PACKAGE_MB",
    );
    expect(await filesLeft(lax.dataDir)).toEqual([]);
    lax.cleanup();
  });

  it("an archive larger than MODEL_MAX_PACKAGE_MB is refused from its Content-Length", async () => {
    const small = testContext(ctx.hubUrl, { limits: { maxPackageBytes: MiB } });
    const err = await fail(fetchPackage(`${server.url}/big.tgz`, "21", small));
    expect(err?.code).toBe("source_too_large");
    expect(err?.message).toMatch(/the archive is 2\.0 MiB, over the 1 MiB a package may take/);
    expect(err?.message).toContain("MODEL_MAX_PACKAGE_MB");
    expect(await filesLeft(small.dataDir)).toEqual([]);
    small.cleanup();
  });

  it("an endless body stops at MODEL_MAX_PACKAGE_MB, and the partial file is removed", async () => {
    const small = testContext(ctx.hubUrl, { limits: { maxPackageBytes: 4 * MiB } });
    const err = await fail(fetchPackage(`${endless.url}/pkg.tgz`, "21", small));
    expect(err?.code).toBe("source_too_large");
    expect(err?.message).toContain("more than that, over the 4 MiB a package may take");
    expect(await filesLeft(small.dataDir)).toEqual([]);
    small.cleanup();
  });

  it("a folder URL's files share the package budget", async () => {
    const small = testContext(ctx.hubUrl, { limits: { maxPackageBytes: onnx.length } });
    const err = await fail(fetchPackage(`${server.url}/folder/`, "21", small));
    expect(err?.code).toBe("source_too_large");
    expect(await filesLeft(small.dataDir)).toEqual([]);
    small.cleanup();
  });
});
