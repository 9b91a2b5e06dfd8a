/**
 * The investigation, in the seeds' order: the symptom and the service's own account first (they
 * name the model and the setting in question), then the configuration sources, the secret
 * references and the credentials for that setting; the dependencies are probed alongside from the
 * start. Every probe runs under its timeout; the reasoning reads only what they found.
 */
import { hostname, networkInterfaces } from "node:os";
import type { MlflowSettings } from "../sources/types.js";
import type { Masker } from "./mask.js";
import type { ConfigData, RunCheck } from "./probes/configuration.js";
import { configurationProbe } from "./probes/configuration.js";
import type { ServiceTarget } from "./probes/context.js";
import { authHeaders } from "./probes/context.js";
import type { TokenToTest } from "./probes/credentials.js";
import { hubRepoProbe, hubTokenProbe } from "./probes/credentials.js";
import type { DependencyTarget } from "./probes/dependencies.js";
import type { MlflowModelResult } from "./probes/mlflow.js";
import { mlflowModelProbe } from "./probes/mlflow.js";
import { postgresProbe, redisProbe } from "./probes/dependencies.js";
import type { AwsClients, SecretsData } from "./probes/secrets.js";
import { secretsProbe } from "./probes/secrets.js";
import type { HealthData, MetricsData, ReadyData } from "./probes/service.js";
import { metricsProbe, modelHealthProbe, readyProbe } from "./probes/service.js";
import type { SymptomData } from "./probes/symptom.js";
import { symptomProbe } from "./probes/symptom.js";
import { endpoint, request } from "./http.js";
import type { Evidence } from "./reasoning/facts.js";
import { readFacts } from "./reasoning/facts.js";
import { buildHypotheses } from "./reasoning/hypotheses.js";
import { decide } from "./reasoning/verdict.js";
import { runProbe } from "./run-probe.js";
import type { DoctorResult, ProbeOutcome, RunHost, Step } from "./types.js";

export interface DoctorOptions {
  service: ServiceTarget;
  model?: string;
  /** --input: the predict input to send instead of one built from the schema. */
  input?: Record<string, unknown>;
  /** Every probe's bound, in milliseconds. */
  timeoutMs: number;
  /** config check's engine on the sources given; null when none was given. */
  runCheck: RunCheck | null;
  configCommand?: string;
  hub: { hubUrl: string; token?: TokenToTest };
  /** Doctor's own MLFLOW_TRACKING_* settings: step 4 asks the registry of a models:/ model. */
  mlflow?: MlflowSettings;
  aws: { clients: AwsClients; region?: string };
  postgres: DependencyTarget | null;
  redis: DependencyTarget | null;
  redisAuthToken?: string;
  masker: Masker;
  version: string;
  now?: () => Date;
}

/** The Hub token's variable and its alias: their secret values are tested in step 4. */
const TOKEN_VARIABLES = ["HUGGINGFACE_API_KEY", "HF_TOKEN"] as const;

function runHost(): RunHost {
  const addresses: string[] = [];
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (!a.internal && addresses.length < 4) addresses.push(a.address);
  }
  return { hostname: hostname(), addresses };
}

/** The model to investigate: --model, else the first whose /ready check fails, else the key's first. */
async function chooseModel(
  opts: DoctorOptions,
  ready: ReadyData | undefined,
): Promise<string | null> {
  if (opts.model) return opts.model;
  const failing = ready?.checks.find((c) => c.name.startsWith("model:") && !c.ok);
  if (failing) return failing.name.slice("model:".length);
  const { url, apiKey } = opts.service;
  if (!url || !apiKey)
    return ready?.checks.find((c) => c.name.startsWith("model:"))?.name.slice(6) ?? null;
  try {
    const list = await request(endpoint(url, "/api/v1/models"), {
      headers: authHeaders(opts.service),
      timeoutMs: opts.timeoutMs,
    });
    const models = (list.json as { models?: { id?: unknown }[] } | undefined)?.models ?? [];
    const id = models.find((m) => typeof m.id === "string")?.id;
    return typeof id === "string" ? id : null;
  } catch {
    return null;
  }
}

function symptomLine(s: ProbeOutcome<SymptomData> | undefined): string {
  const d = s?.data;
  if (!d) return "the model was not called";
  return `predict answers ${d.status}${d.code ? ` ${d.code}` : ""}`;
}

const STEP_ORDER: Step[] = [
  "symptom",
  "service",
  "configuration",
  "credentials",
  "secrets",
  "dependencies",
];

export async function runDoctor(opts: DoctorOptions): Promise<DoctorResult> {
  const started = performance.now();
  const startedAt = (opts.now ?? (() => new Date()))().toISOString();
  const { masker, timeoutMs } = opts;
  const ctx = { service: opts.service, timeoutMs, masker };
  const run = <T>(spec: Parameters<typeof runProbe<T>>[0]) => runProbe<T>(spec, masker);

  // config check's engine reads files only: it starts now and is read in step 3. So does loading
  // the AWS SDK, which step 5 needs once the sources name a secret.
  const checking = opts.runCheck ? opts.runCheck() : null;
  checking?.catch(() => undefined);
  if (checking && opts.configCommand) void opts.aws.clients.warm?.().catch(() => undefined);
  // Dependencies do not depend on anything else: they run from the start.
  const deps = Promise.all([
    run(postgresProbe(opts.postgres, timeoutMs)),
    run(redisProbe(opts.redis, opts.redisAuthToken, timeoutMs)),
  ]);

  // With --model, /ready runs beside the model's probes; without, it names the model to look at.
  const readying = run<ReadyData>(readyProbe(ctx));
  const model = opts.model ?? (await chooseModel(opts, (await readying).data));
  const modelId = model ?? "?";
  const [ready, symptom, health, metrics] = await Promise.all([
    readying,
    model ? run<SymptomData>(symptomProbe(ctx, model, opts.input)) : undefined,
    model ? run<HealthData>(modelHealthProbe(ctx, model)) : undefined,
    run<MetricsData>(metricsProbe(ctx, model)),
  ]);
  const early: Evidence = { model, symptom, ready, health, metrics };
  const needed = () => readFacts(early).needed.map((n) => n.variable);

  const config = await run<ConfigData>(
    configurationProbe(checking, needed, timeoutMs * 4, opts.configCommand),
  );

  let deploymentToken: TokenToTest | null = null;
  const secrets = await run<SecretsData>(
    secretsProbe({
      refs: () => config.data?.secretRefs ?? null,
      clients: opts.aws.clients,
      region: opts.aws.region,
      timeoutMs,
      masker,
      keep: {
        variables: TOKEN_VARIABLES,
        onValue(_variable, value, origin) {
          deploymentToken ??= { value, origin };
        },
      },
    }),
  );
  // The deployment's own token is the one that matters; doctor's is the fallback.
  const token = () => deploymentToken ?? opts.hub.token ?? null;
  const modelSource = () => ({ id: modelId, source: health?.data?.source ?? null });
  const hub = { hubUrl: opts.hub.hubUrl, timeoutMs };
  const [hubToken, hubRepo, mlflowModel] = await Promise.all([
    run(hubTokenProbe(hub, modelSource, token)),
    run(hubRepoProbe(hub, modelSource, token)),
    run<MlflowModelResult>(mlflowModelProbe(opts.mlflow, modelSource, timeoutMs)),
  ]);
  const [postgres, redis] = await deps;

  const evidence: Evidence = {
    ...early,
    url: opts.service.url ?? null,
    config,
    secrets,
    hubToken,
    hubRepo,
    mlflowModel,
    postgres,
    redis,
  };
  const facts = readFacts(evidence);
  const hypotheses = buildHypotheses(evidence, facts);
  const verdict = decide(evidence, facts, hypotheses);
  const all: (ProbeOutcome<unknown> | undefined)[] = [
    symptom,
    ready,
    health,
    metrics,
    config,
    hubToken,
    hubRepo,
    mlflowModel,
    secrets,
    postgres,
    redis,
  ];
  const probes = all
    .filter((p): p is ProbeOutcome<unknown> => p !== undefined)
    .sort((a, b) => STEP_ORDER.indexOf(a.step) - STEP_ORDER.indexOf(b.step));
  const result: DoctorResult = {
    tool: { name: "modelgate", version: opts.version },
    startedAt,
    ms: Math.round(performance.now() - started),
    host: runHost(),
    url: opts.service.url ?? null,
    model,
    symptom: symptomLine(symptom),
    probes,
    hypotheses,
    rootCause: verdict.rootCause,
    alsoFound: verdict.alsoFound,
    exitCode: verdict.rootCause ? 1 : 0,
  };
  return masker.maskDeep(result);
}
