import { describe, expect, it } from "vitest";
import { PRIVATE_REPO, PUBLIC_REPO } from "../../../test/support/fake-hub.js";
import { checkSource, fetchPackage, probeSource, sourceRequirements } from "../index.js";
import { testContext } from "../test-support/context.js";
import { useFakeHub } from "../test-support/hub.js";

const fake = useFakeHub();

const INCIDENT = `HUGGINGFACE_API_KEY is not set; model 21 is stored in a private Hugging Face repository ${PRIVATE_REPO}`;
const privateSource = `hf://${PRIVATE_REPO}`;

describe("hf:// sources: requirements, probes and readiness without downloading", () => {
  it("probes a public repository: resolves the revision, downloads nothing", async () => {
    const before = fake.hub.hits("/resolve/");
    const probe = await probeSource(`hf://${PUBLIC_REPO}@v1.0.0`, "21", fake.ctx);
    expect(probe).toMatchObject({ ok: true, private: false });
    expect(probe.ok && probe.revision).toBe(fake.hub.repos.get(PUBLIC_REPO)?.tags.get("v1.0.0"));
    expect(fake.hub.hits("/resolve/")).toBe(before);
  });

  it("the incident, found before traffic: probe, requirements and /ready all name the variable", async () => {
    // Nothing is known before the Hub was asked.
    expect((await sourceRequirements(privateSource, "21", fake.ctx)).visibility).toBe("unknown");
    expect((await checkSource(privateSource, "21", fake.ctx)).ok).toBe(true);

    const probe = await probeSource(privateSource, "21", fake.ctx);
    expect(probe.ok).toBe(false);
    if (probe.ok) return;
    expect(probe.error.code).toBe("source_credentials_missing");
    expect(probe.error.message).toContain(INCIDENT);
    expect(probe).toMatchObject({ private: true, cachedRevision: null });

    const needs = await sourceRequirements(privateSource, "21", fake.ctx);
    expect(needs).toEqual({
      visibility: "private",
      cachedRevision: null,
      requirements: [
        {
          variable: "HUGGINGFACE_API_KEY",
          reason: `model 21 is stored in a private Hugging Face repository ${PRIVATE_REPO}`,
          met: false,
          problem: INCIDENT,
        },
      ],
    });
    const ready = await checkSource(privateSource, "21", fake.ctx);
    expect(ready).toMatchObject({ ok: false, fromCache: false });
    expect(ready.reason).toContain(INCIDENT);
    expect(ready.error?.code).toBe("source_credentials_missing");
  });

  it("with the token: whoami accepts it and the requirement is met", async () => {
    const withToken = testContext(fake.hub.url, { token: fake.hub.tokens.read }, fake.ctx.dataDir);
    const probe = await probeSource(privateSource, "21", withToken);
    expect(probe).toMatchObject({ ok: true, private: true });
    expect(probe.ok && probe.detail).toContain("HUGGINGFACE_API_KEY accepted (token of acme-bot)");
    expect(fake.hub.hits("/api/whoami-v2")).toBeGreaterThan(0);
    const needs = await sourceRequirements(privateSource, "21", withToken);
    expect(needs.requirements).toEqual([expect.objectContaining({ met: true, problem: null })]);
    expect(await checkSource(privateSource, "21", withToken)).toMatchObject({ ok: true });
  });

  it("a rejected token is found by whoami; a wrong-looking one without any request", async () => {
    const bad = await probeSource(privateSource, "21", { ...fake.ctx, token: "hf_revoked" });
    expect(!bad.ok && bad.error.code).toBe("source_unauthorized");
    const before = fake.hub.requests.length;
    const odd = await probeSource(privateSource, "21", { ...fake.ctx, token: "ghp_github_token" });
    expect(!odd.ok && odd.error.message).toContain(
      "does not look like a Hugging Face token (hf_…)",
    );
    expect(fake.hub.requests.length).toBe(before);
    const needs = await sourceRequirements(privateSource, "21", { ...fake.ctx, token: "ghp_x" });
    expect(needs.requirements[0]).toMatchObject({ variable: "HUGGINGFACE_API_KEY", met: false });
  });

  it("a verified cached copy keeps the model ready without the token, and says so", async () => {
    const withToken = testContext(fake.hub.url, { token: fake.hub.tokens.read }, fake.ctx.dataDir);
    const pkg = await fetchPackage(privateSource, "21", withToken);
    const ready = await checkSource(privateSource, "21", fake.ctx);
    expect(ready).toMatchObject({ ok: true, fromCache: true });
    expect(ready.reason).toContain(`served from the disk cache (commit ${pkg.revision})`);
    expect(ready.reason).toContain(INCIDENT);
    expect(ready.error?.code).toBe("source_credentials_missing");
    const probe = await probeSource(privateSource, "21", fake.ctx);
    expect(probe).toMatchObject({ ok: false, cachedRevision: pkg.revision });
  });

  it("an unreachable Hub is a value, not a throw", async () => {
    await fake.hub.down();
    const probe = await probeSource(`hf://${PUBLIC_REPO}`, "21", fake.ctx);
    expect(!probe.ok && probe.error.code).toBe("source_unreachable");
    expect(!probe.ok && probe.error.headers?.["Retry-After"]).toBeDefined();
  });
});
