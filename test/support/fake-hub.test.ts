/**
 * The fake Hub answers @huggingface/hub as the real Hub does: if these pass, a client written
 * against the library works against the fake, and the fake's errors look like the Hub's.
 */
import { createHash } from "node:crypto";
import {
  downloadFile,
  fileDownloadInfo,
  HubApiError,
  listFiles,
  modelInfo,
  pathsInfo,
  whoAmI,
} from "@huggingface/hub";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { FakeHub } from "./fake-hub.js";
import { leadScoringFiles, PRIVATE_REPO, PUBLIC_REPO, startFakeHub } from "./fake-hub.js";

let hub: FakeHub;
beforeAll(async () => {
  hub = await startFakeHub();
});
afterAll(() => hub.close());
beforeEach(() => hub.clearFaults());

const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");

async function statusOf(p: Promise<unknown>): Promise<number> {
  try {
    await p;
    return 200;
  } catch (err) {
    if (err instanceof HubApiError) return err.statusCode;
    throw err;
  }
}

describe("fake Hub, through @huggingface/hub", () => {
  it("resolves branches, tags and commits to a sha, and tells private from public", async () => {
    const main = await modelInfo({ name: PUBLIC_REPO, hubUrl: hub.url, additionalFields: ["sha"] });
    const tag = await modelInfo({
      name: PUBLIC_REPO,
      hubUrl: hub.url,
      revision: "v0.9.0",
      additionalFields: ["sha"],
    });
    expect(main.sha).toMatch(/^[0-9a-f]{40}$/);
    expect(tag.sha).not.toBe(main.sha);
    expect(main.private).toBe(false);
    const priv = await modelInfo({
      name: PRIVATE_REPO,
      hubUrl: hub.url,
      accessToken: hub.tokens.read,
      additionalFields: ["sha"],
    });
    expect(priv.private).toBe(true);
  });

  it("lists the tree and path infos with LFS sha256 oids", async () => {
    const entries = [];
    for await (const e of listFiles({ repo: PUBLIC_REPO, hubUrl: hub.url, recursive: true })) {
      entries.push(e);
    }
    expect(entries.map((e) => e.path)).toEqual(
      expect.arrayContaining(["modelgate.json", "model.onnx", "extras", "extras/train.pkl"]),
    );
    const [onnx] = await pathsInfo({ repo: PUBLIC_REPO, hubUrl: hub.url, paths: ["model.onnx"] });
    expect(onnx?.lfs?.oid).toBe(sha256(leadScoringFiles().onnx));
  });

  it("downloads through the redirect to the CDN, with ranged requests", async () => {
    const info = await fileDownloadInfo({ repo: PUBLIC_REPO, path: "model.onnx", hubUrl: hub.url });
    expect(info?.size).toBe(leadScoringFiles().onnx.length);
    expect(info?.etag).toBe(`"${sha256(leadScoringFiles().onnx)}"`);
    const blob = await downloadFile({ repo: PUBLIC_REPO, path: "model.onnx", hubUrl: hub.url });
    const bytes = Buffer.from((await blob?.arrayBuffer()) ?? new ArrayBuffer(0));
    expect(bytes.equals(leadScoringFiles().onnx)).toBe(true);
    expect(hub.requests.some((r) => r.server === "cdn" && r.range === "bytes=0-0")).toBe(true);
  });

  it("answers like the real Hub: 401 without a token, 404 without access, 401 for a bad token", async () => {
    expect(await statusOf(modelInfo({ name: PRIVATE_REPO, hubUrl: hub.url }))).toBe(401);
    const res = await fetch(`${hub.url}/api/models/${PRIVATE_REPO}`);
    expect(res.headers.get("x-error-code")).toBe("RepoNotFound");
    expect(await res.json()).toEqual({ error: "Invalid username or password." });
    expect(
      await statusOf(
        modelInfo({ name: PRIVATE_REPO, hubUrl: hub.url, accessToken: hub.tokens.noAccess }),
      ),
    ).toBe(404);
    expect(
      await statusOf(modelInfo({ name: PUBLIC_REPO, hubUrl: hub.url, accessToken: "hf_nope" })),
    ).toBe(401);
    expect(await statusOf(whoAmI({ hubUrl: hub.url, accessToken: "hf_nope" }))).toBe(401);
    const me = await whoAmI({ hubUrl: hub.url, accessToken: hub.tokens.read });
    expect(me.name).toBe("acme-bot");
    const rev = await fetch(`${hub.url}/api/models/${PUBLIC_REPO}/revision/nope`);
    expect([rev.status, rev.headers.get("x-error-code")]).toEqual([404, "RevisionNotFound"]);
    const entry = await fetch(`${hub.url}/${PUBLIC_REPO}/resolve/main/nope.onnx`);
    expect([entry.status, entry.headers.get("x-error-code")]).toEqual([404, "EntryNotFound"]);
  });

  it("fails, slows, cuts and counts on demand", async () => {
    hub.fault({ fault: { kind: "status", status: 429, retryAfter: 7 }, times: 1 });
    const limited = await fetch(`${hub.url}/api/models/${PUBLIC_REPO}`);
    expect([limited.status, limited.headers.get("retry-after")]).toEqual([429, "7"]);
    expect((await fetch(`${hub.url}/api/models/${PUBLIC_REPO}`)).status).toBe(200);

    hub.fault({ fault: { kind: "cut" }, match: "/lfs/", times: 1 });
    const before = hub.hits("/lfs/");
    const cut = await fetch(`${hub.url}/${PUBLIC_REPO}/resolve/main/model.onnx`);
    await expect(cut.arrayBuffer()).rejects.toThrow();
    expect(hub.hits("/lfs/")).toBe(before + 1);

    await hub.down();
    await expect(fetch(`${hub.url}/api/whoami-v2`)).rejects.toThrow();
    await hub.up();
    expect((await fetch(`${hub.url}/api/models/${PUBLIC_REPO}`)).status).toBe(200);
  });
});
