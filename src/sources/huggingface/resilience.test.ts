import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { leadScoringFiles, PRIVATE_REPO, PUBLIC_REPO } from "../../../test/support/fake-hub.js";
import type { ModelgateError } from "../../errors.js";
import { fetchPackage, SourceAbortedError } from "../index.js";
import { flightsInProgress } from "../single-flight.js";
import { testContext } from "../test-support/context.js";
import { useFakeHub } from "../test-support/hub.js";

const fake = useFakeHub();

const main = () => fake.hub.repos.get(PUBLIC_REPO)?.branches.get("main") ?? "";
const source = `hf://${PUBLIC_REPO}`;
const fail = (p: Promise<unknown>) =>
  p.then(
    () => null,
    (e: unknown) => e as ModelgateError,
  );

describe("hf:// sources: retries, timeouts, cut connections", () => {
  it("retries a 500 and succeeds", async () => {
    fake.hub.fault({ fault: { kind: "status", status: 500 }, match: "/api/models/", times: 1 });
    fake.hub.fault({ fault: { kind: "status", status: 502 }, match: "/lfs/", times: 1 });
    const pkg = await fetchPackage(source, "21", fake.ctx);
    expect(pkg.revision).toBe(main());
    expect(fake.ctx.delays).toHaveLength(2);
  });

  it("honours Retry-After on a 429", async () => {
    fake.hub.fault({ fault: { kind: "status", status: 429, retryAfter: 2 }, times: 1 });
    await fetchPackage(source, "21", fake.ctx);
    expect(fake.ctx.delays).toEqual([2000]);
  });

  it("gives up at once when Retry-After is longer than it may wait, and passes it on", async () => {
    fake.hub.fault({ fault: { kind: "status", status: 429, retryAfter: 120 } });
    const err = await fail(fetchPackage(source, "21", fake.ctx));
    expect(err?.code).toBe("source_unreachable");
    expect(err?.headers).toEqual({ "Retry-After": "120" });
    expect(fake.hub.hits("/api/models/")).toBeGreaterThan(0);
    expect(fake.ctx.delays).toEqual([]);
  });

  it("bounds a slow Hub: source_unreachable with Retry-After after the attempts", async () => {
    fake.hub.fault({ fault: { kind: "delay", ms: 400 } });
    const slow = testContext(
      fake.hub.url,
      { timeoutMs: 100, retry: { attempts: 2 } },
      fake.ctx.dataDir,
    );
    const err = await fail(fetchPackage(source, "21", slow));
    expect(err?.code).toBe("source_unreachable");
    expect(err?.message).toContain("timed out after 100 ms, 2 attempts");
    expect(err?.headers?.["Retry-After"]).toMatch(/^\d+$/);
  });

  it("resumes a cut download with a ranged request, and verifies the result", async () => {
    fake.hub.fault({ fault: { kind: "cut" }, match: "/lfs/", times: 1 });
    const before = fake.hub.requests.length;
    const pkg = await fetchPackage(source, "21", fake.ctx);
    expect(pkg.fromCache).toBe(false);
    const cdn = fake.hub.requests.slice(before).filter((r) => r.server === "cdn");
    expect(cdn.map((r) => r.range)).toEqual([null, expect.stringMatching(/^bytes=\d+-$/)]);
    // Conditional on the version begun: the CDN's ETag (the LFS sha256).
    expect(cdn[1]?.ifRange).toMatch(/^"[0-9a-f]{64}"$/);
  });

  it("checks the package size the Hub announces before downloading (MODEL_MAX_PACKAGE_MB)", async () => {
    const small = testContext(
      fake.hub.url,
      { limits: { maxPackageBytes: 100_000 } },
      fake.ctx.dataDir,
    );
    const lfs = fake.hub.hits("/lfs/");
    const resolves = fake.hub.hits(/\/resolve\/[0-9a-f]{40}\/model\.onnx$/);
    const err = await fail(fetchPackage(source, "21", small));
    expect(err?.code).toBe("source_too_large");
    expect(err?.message).toMatch(/over the 0\.1 MiB a package may take \(MODEL_MAX_PACKAGE_MB/);
    expect(fake.hub.hits("/lfs/")).toBe(lfs);
    expect(fake.hub.hits(/\/resolve\/[0-9a-f]{40}\/model\.onnx$/)).toBe(resolves);
  });

  it("a caller's abort ends its own wait only; the shared download goes on for the others", async () => {
    fake.hub.fault({ fault: { kind: "delay", ms: 300 }, match: "/lfs/", times: 1 });
    const lfs = fake.hub.hits("/lfs/");
    const impatient = new AbortController();
    const first = fail(fetchPackage(source, "21", fake.ctx, { signal: impatient.signal }));
    const second = fetchPackage(source, "21", fake.ctx);
    setTimeout(() => impatient.abort(), 100);
    expect(await first).toBeInstanceOf(SourceAbortedError);
    expect((await second).revision).toBe(main());
    expect(fake.hub.hits("/lfs/") - lfs).toBe(1);
    expect(fake.ctx.delays).toEqual([]);
  });

  it("a caller's abort alone stops the download, without a retry", async () => {
    fake.hub.fault({ fault: { kind: "delay", ms: 2_000 }, match: "/lfs/" });
    const lfs = fake.hub.hits("/lfs/");
    const err = await fail(
      fetchPackage(source, "21", fake.ctx, { signal: AbortSignal.timeout(200) }),
    );
    expect(err).toBeInstanceOf(SourceAbortedError);
    expect(fake.hub.hits("/lfs/") - lfs).toBe(1);
    expect(fake.ctx.delays).toEqual([]);
    // The shared run had no other caller: it is aborted too, and ends (its cleanup is async).
    await vi.waitFor(() => expect(flightsInProgress()).toBe(0));
  });

  it("a cut connection never leaves a file that is served; the next fetch recovers", async () => {
    fake.hub.fault({ fault: { kind: "cut" }, match: "/lfs/" });
    const err = await fail(fetchPackage(source, "21", fake.ctx));
    expect(err?.code).toBe("source_unreachable");
    const dir = join(fake.ctx.dataDir, "artifacts", "hf--modelgate--lead-scoring", main());
    // The spec was complete and verified; the model file never reached its name; no marker.
    expect((await readdir(dir)).sort()).toEqual(["modelgate.json"]);

    fake.hub.clearFaults();
    const pkg = await fetchPackage(source, "21", fake.ctx);
    expect(pkg).toMatchObject({ dir, revision: main(), fromCache: false });
  });

  it("serves the cached copy when the Hub is down, and says why it was not refreshed", async () => {
    const first = await fetchPackage(source, "21", fake.ctx);
    await fake.hub.down();
    const pkg = await fetchPackage(source, "21", fake.ctx);
    expect(pkg).toMatchObject({ dir: first.dir, revision: main(), fromCache: true });
    expect(pkg.refreshError?.code).toBe("source_unreachable");
    const other = testContext(fake.hub.url);
    const cold = await fail(fetchPackage(source, "21", other));
    expect(cold?.code).toBe("source_unreachable");
    other.cleanup();
  });

  it("keeps serving the cached commit when a new one on the branch cannot be downloaded", async () => {
    const { spec, onnx } = leadScoringFiles();
    const files = { "modelgate.json": spec, "model.onnx": onnx };
    const repo = fake.hub.addRepo({
      name: "modelgate/moving",
      commits: [{ files }, { files }],
      branches: { main: 0 },
    });
    const old = await fetchPackage("hf://modelgate/moving", "21", fake.ctx);
    repo.branches.set("main", repo.commits[1]?.sha ?? "");
    fake.hub.fault({ fault: { kind: "close" }, match: "/lfs/" });
    const pkg = await fetchPackage("hf://modelgate/moving", "21", fake.ctx);
    expect(pkg).toMatchObject({ dir: old.dir, revision: old.revision, fromCache: true });
    expect(pkg.refreshError?.code).toBe("source_unreachable");
    fake.hub.clearFaults();
    expect((await fetchPackage("hf://modelgate/moving", "21", fake.ctx)).revision).toBe(
      repo.commits[1]?.sha,
    );
  });

  it("HF_HUB_OFFLINE: serves only verified cached copies, never asks the Hub", async () => {
    const first = await fetchPackage(source, "21", fake.ctx);
    const offline = testContext(fake.hub.url, { offline: true }, fake.ctx.dataDir);
    const before = fake.hub.requests.length;
    const pkg = await fetchPackage(source, "21", offline);
    expect(pkg).toMatchObject({ dir: first.dir, fromCache: true });
    expect(pkg.refreshError?.message).toContain("HF_HUB_OFFLINE is set");
    const cold = await fail(fetchPackage(`hf://${PUBLIC_REPO}@v0.9.0`, "21", offline));
    expect(cold?.code).toBe("source_unreachable");
    expect(fake.hub.requests.length).toBe(before);
  });

  it("serves a cached private package when the token is gone, naming the variable", async () => {
    const withToken = testContext(fake.hub.url, { token: fake.hub.tokens.read }, fake.ctx.dataDir);
    const first = await fetchPackage(`hf://${PRIVATE_REPO}`, "21", withToken);
    const pkg = await fetchPackage(`hf://${PRIVATE_REPO}`, "21", fake.ctx);
    expect(pkg).toMatchObject({ dir: first.dir, fromCache: true });
    expect(pkg.refreshError?.code).toBe("source_credentials_missing");
    expect(pkg.refreshError?.message).toContain("HUGGINGFACE_API_KEY is not set");
    // Pinned to the commit: no Hub at all, still told why it could not be refreshed.
    const before = fake.hub.requests.length;
    const pinned = await fetchPackage(`hf://${PRIVATE_REPO}@${first.revision}`, "21", fake.ctx);
    expect(pinned.fromCache).toBe(true);
    expect(pinned.refreshError?.code).toBe("source_credentials_missing");
    expect(fake.hub.requests.length).toBe(before);
  });

  it("100 concurrent cold fetches cause one resolution and one download per file", async () => {
    const before = fake.hub.requests.length;
    const results = await Promise.all(
      Array.from({ length: 100 }, () => fetchPackage(source, "21", fake.ctx)),
    );
    expect(new Set(results.map((r) => r.dir)).size).toBe(1);
    const seen = fake.hub.requests.slice(before).map((r) => `${r.server} ${r.method} ${r.path}`);
    const count = (re: RegExp) => seen.filter((s) => re.test(s)).length;
    expect(count(/^hub GET \/api\/models\/modelgate\/lead-scoring/)).toBe(1);
    expect(count(/\/resolve\/[0-9a-f]{40}\/modelgate\.json$/)).toBe(1);
    expect(count(/\/resolve\/[0-9a-f]{40}\/model\.onnx$/)).toBe(1);
    expect(count(/^cdn GET \/lfs\//)).toBe(1);
    expect(flightsInProgress()).toBe(0);
  });
});
