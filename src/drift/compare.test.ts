/**
 * What is compared with what, on fixtures reproducing real repositories' layouts: a microservices
 * repository (src/<service>/ + one Deployment each + a cache), a compose file with a database
 * beside the service that builds the code, services whose variables come only from an env_file
 * kept out of git, a Helm chart, and a Kustomize overlay with patches and a generator.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { CheckDeps } from "./check.js";
import { runCheck } from "./check.js";
import type { Sources } from "./settings.js";
import { onPath } from "./deployments.js";
import { FIXTURES } from "./test-support/tmp.js";

async function check(dir: string, sources: Partial<Sources>, deps: CheckDeps = {}) {
  const result = await runCheck({ cwd: `${FIXTURES}${dir}`, env: {}, sources }, deps);
  return {
    result,
    findings: result.findings.map(
      (f) => `${f.severity} ${f.kind} ${f.variable ?? "-"} @ ${f.target ?? "-"}`,
    ),
    compared: Object.fromEntries(
      result.coverage.map((c) => [c.target, c.compared ? (c.read ? c.code : "not read") : "no"]),
    ),
  };
}

describe("a repository of several services (src/<service>/, one Deployment each)", () => {
  it("compares each Deployment with its own service only: the one true gap, no cross-service errors", async () => {
    const { findings, compared, result } = await check("multi-service", {
      code: ["src"],
      k8s: ["kubernetes"],
    });
    expect(findings.filter((f) => f.startsWith("error"))).toEqual([
      "error missing-in-deploy SHIPPING_ADDR @ k8s:Deployment/frontend",
    ]);
    expect(compared).toEqual({
      "k8s:Deployment/cartservice": ["src/cartservice"],
      "k8s:Deployment/redis-cart": "no",
      "k8s:Deployment/frontend": ["src/frontend"],
    });
    expect(result.sources.find((s) => s.kind === "services")?.detail).toBe(
      "3 services, each compared with its own targets; no target for src/loadgen",
    );
  });

  it("--container WORKLOAD/CONTAINER picks one workload where every container is `server`", async () => {
    const { findings, compared } = await check("multi-service", {
      code: ["src"],
      k8s: ["kubernetes"],
      container: "cartservice/server",
    });
    expect(compared).toEqual({ "k8s:Deployment/cartservice": ["src/cartservice"] });
    expect(findings).toEqual([]);
    await expect(
      check("multi-service", { code: ["src"], k8s: ["kubernetes"], container: "cart/server" }),
    ).rejects.toThrow(
      /^No deployment target has a container \(or workload\) cart\/server: .* Found: .*cartservice\/server/,
    );
  });

  it("--k8s takes a file too, and --exclude leaves a service's code out", async () => {
    const { findings } = await check("multi-service", {
      code: ["src"],
      k8s: ["kubernetes/frontend.yaml"],
      exclude: ["src/frontend/main.py"],
    });
    // Without its code the frontend reads nothing: nothing is missing, nothing reported unused.
    expect(findings).toEqual([]);
  });
});

describe("a compose file with a database beside the service that builds the code", () => {
  it("compares the code with the service whose build folder it is, never with the database", async () => {
    const { findings, compared } = await check("compose-services", {
      code: ["backend"],
      compose: ["compose.yml"],
    });
    expect(findings).toEqual(["error missing-in-deploy PROJECT_NAME @ compose:backend"]);
    expect(compared).toEqual({
      "compose:proxy": "no",
      "compose:db": "no",
      "compose:backend": ["backend"],
      "compose:frontend": "no",
    });
  });

  it("a folder reads its compose files, compose.override.yml merged into the service", async () => {
    const { findings, result } = await check("compose-services", {
      code: ["backend"],
      compose: ["."],
    });
    expect(findings).toEqual([]);
    expect(result.targets.find((t) => t.id === "compose:backend")?.notes).toEqual([
      "merged with compose.override.yml",
    ]);
  });

  it("services whose variables come only from a missing env_file: nothing compared, exit 1", async () => {
    const { findings, result } = await check("compose-services", {
      code: ["backend"],
      compose: ["env-file-only.yml"],
    });
    expect(findings[0]).toBe("error nothing-compared - @ -");
    expect(result.findings[0]?.message).toMatch(
      /^None of the 2 deployment target\(s\) in --compose env-file-only\.yml was compared \(compose service api: its variables come only from env_file \.env of service api/,
    );
  });
});

describe("Helm charts are never silently empty", () => {
  it("a chart folder is a not-read warning saying to pass `helm template` output, and nothing-compared", async () => {
    const { findings, result } = await check("helm-chart", { code: ["app"], k8s: ["chart"] });
    expect(findings).toEqual(["error nothing-compared - @ -", "warning not-read - @ -"]);
    expect(result.findings[1]?.message).toBe(
      "Helm chart chart is not read: its templates are not rendered: pass the output of `helm template chart` (with your values files) as a file, or pipe it to `--k8s -`.",
    );
  });

  it("its rendered output compares, from a file or from standard input (`--k8s -`)", async () => {
    const fromFile = await check("helm-chart", { code: ["app"], k8s: ["rendered.yaml"] });
    expect(fromFile.findings).toEqual([
      "error missing-in-deploy API_TOKEN @ k8s:Deployment/release-api",
    ]);
    const rendered = readFileSync(`${FIXTURES}helm-chart/rendered.yaml`, "utf8");
    const fromStdin = await check(
      "helm-chart",
      { code: ["app"], k8s: ["-"] },
      { stdin: () => Promise.resolve(rendered) },
    );
    expect(fromStdin.findings).toEqual(fromFile.findings);
    expect(fromStdin.result.findings[0]?.locations[0]).toEqual({
      role: "missing",
      file: "<stdin>",
      line: 2,
    });
  });
});

describe("a Kustomize overlay with patches and a generator", () => {
  const sources = { code: ["app"], k8s: ["overlays/prod"] };

  it("without kubectl: resources and generators read, the env patch named as not applied", async () => {
    const { findings, result } = await check("kustomize", sources, { kubectl: null });
    expect(findings).toEqual([
      "info unresolved - @ k8s:Deployment/api",
      "info unresolved FEATURE_FLAGS @ k8s:Deployment/api",
    ]);
    expect(result.findings[1]?.message).toMatch(
      /may come from patch overlays\/prod\/env-patch\.yaml, which cannot be read \(Kustomize patches are not applied without kubectl/,
    );
    expect(result.sources.find((s) => s.kind === "k8s")?.detail).toBe(
      "1 workload(s); kubectl not found: resources read without it; 2 patch(es) not applied (1 touch env)",
    );
  });

  const kubectl = onPath("kubectl", process.env.PATH);
  it.skipIf(!kubectl)(
    "with kubectl: rendered by `kubectl kustomize`, patches applied",
    async () => {
      const { findings, result } = await check("kustomize", sources, { kubectl: kubectl ?? null });
      expect(findings).toEqual([]);
      expect(result.sources.find((s) => s.kind === "k8s")?.detail).toBe(
        "1 workload(s); rendered by kubectl kustomize",
      );
      // Places point at the kustomization's own files, not at the rendered text.
      expect(result.targets[0]?.location).toEqual({ file: "base/deployment.yaml", line: 1 });
      expect(result.targets[0]?.provisions.get("FEATURE_FLAGS")?.[0]?.location).toEqual({
        file: "overlays/prod/env-patch.yaml",
        line: 11,
      });
    },
  );
});
