/**
 * `modelgate doctor` on the seeds' incident, end to end on 127.0.0.1: model 21 registered from a
 * private repository on a fake Hub, the service started without the token (non-strict), the
 * Terraform declaring the secret and the deployed task definition (revision 150) without it, the
 * secret itself in a fake Secrets Manager. Then the fix (revision 151, the token set), and a
 * Redis that accepts connections and never answers.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import type { Server, Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CliContext } from "../src/cli/context.js";
import { doctorCommand } from "../src/cli/commands/doctor.js";
import type { DoctorOptions } from "../src/cli/commands/doctor.js";
import { defaultAwsClients } from "../src/doctor/probes/secrets.js";
import { readSpecFile } from "../src/spec/index.js";
import { BUILTIN_MODELS_DIR } from "../src/sources/index.js";
import { modelRepository, openStore } from "../src/store/index.js";
import type { FakeAws } from "./support/fake-aws.js";
import { startFakeAws } from "./support/fake-aws.js";
import type { FakeHub } from "./support/fake-hub.js";
import { PRIVATE_REPO, startFakeHub } from "./support/fake-hub.js";
import type { TestService } from "./support/service.js";
import { startTestService } from "./support/service.js";

const ROOT = new URL("../", import.meta.url).pathname;
const INCIDENT = join(ROOT, "src/drift/fixtures/incident");
const TF = join(INCIDENT, "infra");
const REV_150 = join(INCIDENT, "deployed/hokusai-api-development-150.json");
const REV_151 = join(INCIDENT, "deployed/hokusai-api-development-151.json");
const HF_SECRET =
  "arn:aws:secretsmanager:us-east-1:932100697590:secret:hokusai/development/huggingface/api-key-lxvarZ";
const DB_SECRET =
  "arn:aws:secretsmanager:us-east-1:932100697590:secret:hokusai/development/database-AbCdEf";
const DB_PASSWORD = "s3cret-db-password-never-shown";

let hub: FakeHub;
let aws: FakeAws;
const dirs: string[] = [];

beforeAll(async () => {
  hub = await startFakeHub();
  aws = await startFakeAws();
  aws.secrets.set(HF_SECRET, hub.tokens.read);
  aws.secrets.set(
    DB_SECRET,
    JSON.stringify({
      host: "db.internal",
      dbname: "hokusai",
      username: "hokusai",
      password: DB_PASSWORD,
    }),
  );
});
afterAll(async () => {
  await hub.close();
  await aws.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tmp(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

/** A data dir where model 21 is registered from the private Hub repository, as in the seeds. */
async function dataDirWith21(): Promise<string> {
  const dir = tmp("mg-doctor-");
  const store = await openStore({ dataDir: dir });
  const spec = await readSpecFile(join(BUILTIN_MODELS_DIR, "lead-scoring"));
  await modelRepository(store.db).upsert({
    id: "21",
    name: spec.name,
    version: spec.version,
    description: "",
    source: `hf://${PRIVATE_REPO}`,
    spec,
    maxBatchSize: 64,
  });
  await store.close();
  return dir;
}

function context(env: Record<string, string> = {}, cwd = ROOT): CliContext & { out: string[] } {
  const out: string[] = [];
  return {
    cwd,
    env: { HF_ENDPOINT: hub.url, ...env },
    stdout: { write: (s: string) => out.push(s) },
    stderr: { write: (s: string) => out.push(s) },
    out,
  };
}

const awsClients = () =>
  defaultAwsClients(5_000, {
    endpoint: aws.url,
    credentials: { accessKeyId: "AKIAFAKEFAKEFAKEFAKE", secretAccessKey: "fake" },
  });

async function doctor(opts: DoctorOptions, env: Record<string, string> = {}, cwd = ROOT) {
  const started = performance.now();
  const out = await doctorCommand(opts, context(env, cwd), { awsClients: awsClients() });
  for (const p of out.result.probes) console.log(`  ${p.id}: ${p.state} in ${p.ms} ms`);
  return { ...out, wallMs: Math.round(performance.now() - started) };
}

describe("doctor on the seeds' incident", () => {
  let svc: TestService;
  beforeAll(async () => {
    svc = await startTestService(
      { HF_ENDPOINT: hub.url, MODELGATE_REGISTER_EXAMPLE: "false" },
      { dataDir: await dataDirWith21() },
    );
  });
  afterAll(async () => {
    await svc.close();
  });

  it("names HUGGINGFACE_API_KEY, declared in the Terraform and missing from revision 150, with the fix", async () => {
    const report = tmp("mg-doctor-report-");
    const out = await doctor({
      url: svc.url,
      apiKey: svc.adminKey,
      model: "21",
      terraform: [TF],
      taskDefinition: [REV_150],
      envExample: [join(ROOT, ".env.example")],
      report,
      // A bound only a hung call reaches: the figure that matters is logged, never asserted.
      timeout: "30s",
    });
    console.log(`doctor on the incident: ${out.wallMs} ms wall, ${out.result.ms} ms investigation`);
    const r = out.result;
    expect(out.exitCode).toBe(1);
    expect(r.symptom).toBe("predict answers 503 source_credentials_missing");
    expect(r.rootCause?.hypothesis).toBe("not-applied");
    expect(r.rootCause?.title).toMatch(
      /HUGGINGFACE_API_KEY is declared in the Terraform but missing from the deployed task definition hokusai-api-development:150/,
    );
    expect(r.rootCause?.confidence).toBe("high");
    expect(r.rootCause?.fix.map((f) => f.command ?? "").join("\n")).toMatch(
      /terraform -chdir=\S+infra apply/,
    );
    expect(r.rootCause?.fix.map((f) => f.command ?? "").join("\n")).toMatch(
      /aws ecs update-service .*--task-definition hokusai-api-development/,
    );
    const status = Object.fromEntries(r.hypotheses.map((h) => [h.id, h.status]));
    expect(status).toMatchObject({
      "service-lacks-variable": "confirmed",
      "not-applied": "confirmed",
      "never-deployed": "ruled-out",
      "not-redeployed": "ruled-out",
      "secret-unresolved": "ruled-out",
      "token-rejected": "ruled-out",
      "repo-unreadable": "ruled-out",
      "source-unreachable": "ruled-out",
      "model-broken": "ruled-out",
    });
    // The deployment's own token was resolved from Secrets Manager and tested, never shown.
    const tokenProbe = r.probes.find((p) => p.id === "hub-token");
    expect(tokenProbe?.state).toBe("ok");
    expect(tokenProbe?.summary).toContain(HF_SECRET);
    expect(aws.requests.map((q) => q.id)).toContain(HF_SECRET);
    const files = ["investigation.md", "hypotheses.md", "root-cause.md"].map((f) =>
      readFileSync(join(report, f), "utf8"),
    );
    const everything = [out.text, JSON.stringify(r), ...files].join("\n");
    for (const secret of [hub.tokens.read, svc.adminKey, DB_PASSWORD])
      expect(everything).not.toContain(secret);
    const rootCause = files[2] ?? "";
    expect(rootCause).toContain("## Executive summary");
    expect(rootCause).toContain("**Root cause:** HUGGINGFACE_API_KEY is declared in the Terraform");
    expect(rootCause).toContain("## Hypotheses ruled out");
    expect(files[0]).toContain("## Investigation plan");
    expect(files[1]).toMatch(/\| H\d+ \| .* \| ✅ Confirmed \|/);
  });

  it("without the configuration sources, still names the variable the service lacks", async () => {
    // From a folder without a policy file: no configuration source at all.
    const out = await doctor(
      { url: svc.url, apiKey: svc.adminKey, timeout: "30s" },
      {},
      tmp("mg-doctor-cwd-"),
    );
    expect(out.result.model).toBe("21");
    expect(out.exitCode).toBe(1);
    expect(out.result.rootCause?.hypothesis).toBe("service-lacks-variable");
    expect(out.result.rootCause?.confidence).not.toBe("high");
    expect(out.result.probes.find((p) => p.id === "config")?.state).toBe("skipped");
  });
});

describe("doctor after the fix", () => {
  let svc: TestService;
  beforeAll(async () => {
    svc = await startTestService(
      {
        HF_ENDPOINT: hub.url,
        MODELGATE_REGISTER_EXAMPLE: "false",
        HUGGINGFACE_API_KEY: hub.tokens.read,
      },
      { dataDir: await dataDirWith21() },
    );
  });
  afterAll(async () => {
    await svc.close();
  });

  it("finds nothing wrong with the token set and revision 151 deployed", async () => {
    const out = await doctor({
      url: svc.url,
      apiKey: svc.adminKey,
      model: "21",
      terraform: [TF],
      taskDefinition: [REV_151],
      timeout: "30s",
    });
    const states = Object.fromEntries(out.result.probes.map((p) => [p.id, p.state]));
    expect(
      out.result.rootCause,
      JSON.stringify(
        out.result.hypotheses.filter((h) => h.status === "confirmed"),
        null,
        2,
      ),
    ).toBeNull();
    expect(out.exitCode).toBe(0);
    expect(states).toMatchObject({
      symptom: "ok",
      "model-health": "ok",
      config: "ok",
      "secret-refs": "ok",
      "hub-token": "ok",
      "hub-repo": "ok",
    });
    expect(out.text).toContain("Nothing wrong found");
  });

  it("a working service beside revision 150: the drift is reported as latent, not as the symptom's cause", async () => {
    const out = await doctor({
      url: svc.url,
      apiKey: svc.adminKey,
      model: "21",
      terraform: [TF],
      taskDefinition: [REV_150],
      timeout: "30s",
    });
    expect(out.result.probes.find((p) => p.id === "symptom")?.state).toBe("ok");
    expect(out.exitCode).toBe(1);
    expect(out.result.rootCause?.hypothesis).toBe("not-applied");
    expect(out.result.rootCause?.explanation).toMatch(/is not running hokusai-api-development:150/);
  });
});

describe("doctor and a Redis that does not answer", () => {
  let server: Server;
  const sockets = new Set<Socket>();
  beforeAll(async () => {
    // Accepts every connection, reads everything, never answers: a security group that lets
    // the SYN through to something that swallows the traffic, or a blackholing proxy.
    server = createServer((socket) => {
      sockets.add(socket);
      socket.on("data", () => undefined);
      socket.on("error", () => undefined);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  });
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it("reports it unreachable with its address and the timeout", async () => {
    const { port } = server.address() as { port: number };
    const out = await doctor(
      { redisUrl: `redis://127.0.0.1:${port}`, timeout: "1s" },
      {},
      tmp("mg-doctor-cwd-"),
    );
    const redis = out.result.probes.find((p) => p.id === "redis");
    console.log(`redis probe: ${redis?.ms} ms for a 1 s timeout; doctor ${out.wallMs} ms`);
    expect(redis?.state).toBe("problem");
    expect(redis?.summary).toContain(`Redis at 127.0.0.1:${port} is unreachable from host`);
    expect(redis?.summary).toContain("accepted the connection but sent no Redis answer within 1 s");
    expect(redis?.ms).toBeGreaterThanOrEqual(1000);
    expect(out.exitCode).toBe(1);
    expect(out.result.rootCause?.hypothesis).toBe("redis");
    // The other probes said why they did not run, and did not stop this one.
    expect(out.result.probes.find((p) => p.id === "symptom")).toBeUndefined();
    expect(out.result.probes.find((p) => p.id === "ready")?.state).toBe("skipped");
  });
});
