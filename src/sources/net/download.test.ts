import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { SourceAbortedError } from "../limits.js";
import type { ScriptedServer } from "../test-support/scripted-server.js";
import { drip, startScriptedServer } from "../test-support/scripted-server.js";
import { testContext } from "../test-support/context.js";
import { downloadToFile } from "./download.js";
import { resilientFetch, TransportError } from "./transport.js";

const open: ScriptedServer[] = [];
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function serve(...args: Parameters<typeof startScriptedServer>) {
  const server = await startScriptedServer(...args);
  open.push(server);
  return server;
}

function folder(): string {
  const dir = mkdtempSync(join(tmpdir(), "mg-download-"));
  dirs.push(dir);
  return dir;
}

const unpinned = { size: null, sha256: null, gitSha1: null };
const failure = (p: Promise<unknown>) =>
  p.then(
    () => null,
    (e: unknown) => e as Error,
  );

describe("downloads are bounded in time", () => {
  it("a source dripping a byte at a time stops at the download deadline, named", async () => {
    const server = await serve((_req, res) => {
      res.writeHead(200, { "Content-Length": "1000000" });
      drip(res, Buffer.from("x"), 50);
    });
    const ctx = testContext(server.url, { timeoutMs: 5_000, limits: { downloadTimeoutMs: 600 } });
    const dir = folder();
    const err = await failure(
      downloadToFile(ctx, {
        url: `${server.url}/model.onnx`,
        dest: join(dir, "m"),
        expected: unpinned,
      }),
    );
    expect(err).toBeInstanceOf(TransportError);
    expect(err?.message).toContain(
      "did not finish within 0.6 s (MODELGATE_SOURCE_DOWNLOAD_TIMEOUT_S",
    );
    expect(readdirSync(dir)).toEqual([]); // the partial file is gone
    ctx.cleanup();
  });

  it("a source that goes silent stops after MODELGATE_SOURCE_TIMEOUT_MS and is retried", async () => {
    const server = await serve((_req, res) => {
      res.writeHead(200, { "Content-Length": "10" });
      res.write("abc"); // then nothing
    });
    const ctx = testContext(server.url, { timeoutMs: 200, retry: { attempts: 2 } });
    const dir = folder();
    const err = await failure(
      downloadToFile(ctx, { url: `${server.url}/f`, dest: join(dir, "f"), expected: unpinned }),
    );
    expect(err?.message).toContain("no byte for 200 ms (MODELGATE_SOURCE_TIMEOUT_MS)");
    expect(server.requests).toHaveLength(2);
    expect(readdirSync(dir)).toEqual([]);
    ctx.cleanup();
  });
});

describe("resuming a cut download", () => {
  it("sends If-Range, so a file that changed meanwhile starts over instead of being spliced", async () => {
    const v1 = Buffer.alloc(200_000, "a");
    const v2 = Buffer.alloc(200_000, "b");
    const server = await serve((req, res, index) => {
      const [body, etag] = index === 0 ? [v1, '"v1"'] : [v2, '"v2"'];
      const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? "");
      // Like any HTTP cache or server: a Range applies only while If-Range still matches.
      if (range && req.headers["if-range"] === etag) {
        const start = Number(range[1]);
        res.writeHead(206, {
          ETag: etag,
          "Content-Range": `bytes ${start}-${body.length - 1}/${body.length}`,
          "Content-Length": String(body.length - start),
        });
        return void res.end(body.subarray(start));
      }
      res.writeHead(200, { ETag: etag, "Content-Length": String(body.length) });
      if (index > 0 || range) return void res.end(body);
      res.write(body.subarray(0, 100_000), () => setTimeout(() => res.destroy(), 20));
    });
    const ctx = testContext(server.url);
    const dest = join(folder(), "model.onnx");
    await downloadToFile(ctx, { url: `${server.url}/m`, dest, expected: unpinned });
    expect(server.requests[1]?.range).toMatch(/^bytes=\d+-$/);
    expect(server.requests[1]?.["if-range"]).toBe('"v1"');
    expect(readFileSync(dest).equals(v2)).toBe(true);
    ctx.cleanup();
  });

  it("without an ETag or Last-Modified to make it conditional, starts over from zero", async () => {
    const body = Buffer.alloc(200_000, "c");
    const server = await serve((_req, res, index) => {
      res.writeHead(200, { "Content-Length": String(body.length) });
      if (index > 0) return void res.end(body);
      res.write(body.subarray(0, 100_000), () => setTimeout(() => res.destroy(), 20));
    });
    const ctx = testContext(server.url);
    const dest = join(folder(), "model.onnx");
    await downloadToFile(ctx, { url: `${server.url}/m`, dest, expected: unpinned });
    expect(server.requests.map((h) => h.range ?? null)).toEqual([null, null]);
    expect(readFileSync(dest).equals(body)).toBe(true);
    ctx.cleanup();
  });
});

describe("a caller's own abort", () => {
  const slow = () =>
    serve((_req, res) => {
      setTimeout(() => res.writeHead(200, { "Content-Length": "2" }).end("ok"), 2_000).unref();
    });

  it("is not retried as a timeout by resilientFetch", async () => {
    const server = await slow();
    const ctx = testContext(server.url, { timeoutMs: 5_000 });
    const err = await failure(
      resilientFetch(ctx)(`${server.url}/api`, { signal: AbortSignal.timeout(100) }),
    );
    expect(err).toBeInstanceOf(SourceAbortedError);
    expect(server.requests).toHaveLength(1);
    expect(ctx.delays).toEqual([]);
    ctx.cleanup();
  });

  it("ends a download at once, without a retry, and leaves no partial file", async () => {
    const server = await slow();
    const ctx = testContext(server.url, { timeoutMs: 5_000 });
    const dir = folder();
    const err = await failure(
      downloadToFile(ctx, {
        url: `${server.url}/m`,
        dest: join(dir, "m"),
        expected: unpinned,
        signal: AbortSignal.timeout(100),
      }),
    );
    expect(err).toBeInstanceOf(SourceAbortedError);
    expect(server.requests).toHaveLength(1);
    expect(ctx.delays).toEqual([]);
    expect(readdirSync(dir)).toEqual([]);
    ctx.cleanup();
  });
});
