/**
 * `modelgate smoke`, as a function: wait for /ready, then check the service (/live, /ready, a
 * request without a key), the key (the model list) and each model (info, health, predict with
 * the spec's example, a malformed body). Returns the report; printing and the exit code are the
 * CLI's.
 */
import { call } from "./call.js";
import type { CheckContext } from "./checks.js";
import {
  checkHealth,
  checkInfo,
  checkLive,
  checkMalformed,
  checkModelList,
  checkNoKey,
  checkPredict,
  readyCheck,
} from "./checks.js";
import type { HttpProbeRequest, HttpProbeResult } from "./http.js";
import { probeHttp } from "./http.js";
import { maskUrl } from "./mask.js";
import type { SmokeCheck, SmokeReport } from "./types.js";
import type { Clock } from "./wait.js";
import { realClock, waitForReady } from "./wait.js";

/** Models checked in one run: each costs a handful of calls. */
export const MAX_SMOKE_MODELS = 100;

export interface SmokeOptions {
  /** Base URL of the service (a path prefix is kept: https://gw.example.com/modelgate). */
  url: string;
  apiKey: string;
  /** Models to check; default: every model the key may use (GET /api/v1/models). */
  models?: readonly string[];
  /** How long to wait for /ready. */
  timeoutMs: number;
  /** The limit of each HTTP call. */
  callTimeoutMs: number;
  /** The slowest answer that passes (a prediction of a model already loaded included). */
  maxLatencyMs: number;
  onProgress?: (line: string) => void;
}

export interface SmokeDeps {
  probe?: (req: HttpProbeRequest) => Promise<HttpProbeResult>;
  clock?: Clock;
}

async function modelChecks(ctx: CheckContext, id: string): Promise<SmokeCheck[]> {
  const { check: info, info: body } = await checkInfo(ctx, id);
  const { check: health, loaded } = await checkHealth(ctx, id);
  const predict = await checkPredict(ctx, id, body, loaded);
  const malformed = await checkMalformed(ctx, id);
  return [info, health, predict, malformed];
}

function modelsToCheck(opts: SmokeOptions, listed: string[] | null): SmokeReport["models"] {
  if (opts.models && opts.models.length > 0) return { ids: [...opts.models], from: "--models" };
  if (listed && listed.length > MAX_SMOKE_MODELS) {
    return { ids: listed.slice(0, MAX_SMOKE_MODELS), from: "api", listed: listed.length };
  }
  if (listed) return { ids: listed, from: "api" };
  return { ids: [], from: "none" };
}

export async function runSmoke(opts: SmokeOptions, deps: SmokeDeps = {}): Promise<SmokeReport> {
  const clock = deps.clock ?? realClock;
  const probe = deps.probe ?? probeHttp;
  const started = clock.now();
  const ctx: CheckContext = {
    url: opts.url,
    apiKey: opts.apiKey,
    callTimeoutMs: opts.callTimeoutMs,
    maxLatencyMs: opts.maxLatencyMs,
    probe,
  };

  // The wait's last answer is the ready check's: recorded through the same call helper.
  let lastCall: Awaited<ReturnType<typeof call>> | null = null;
  const recordingProbe = async (req: HttpProbeRequest) => {
    const path = req.url.slice(opts.url.replace(/\/+$/, "").length);
    lastCall = await call({ ...ctx, callTimeoutMs: req.timeoutMs }, req.method, path);
    return lastCall.result;
  };
  const { wait, last } = await waitForReady({
    url: opts.url,
    timeoutMs: opts.timeoutMs,
    callTimeoutMs: opts.callTimeoutMs,
    probe: recordingProbe,
    clock,
    onProgress: opts.onProgress,
  });

  const checks: SmokeCheck[] = [await checkLive(ctx)];
  const recorded = lastCall as Awaited<ReturnType<typeof call>> | null;
  if (last && recorded) {
    checks.push(readyCheck(last, wait.waitedMs, recorded.sent, recorded.received, wait.stopped));
  }
  checks.push(await checkNoKey(ctx));
  const list = await checkModelList(ctx);
  checks.push(list.check);

  const models = modelsToCheck(opts, list.ids);
  for (const id of models.ids) checks.push(...(await modelChecks(ctx, id)));

  const count = (s: SmokeCheck["status"]) => checks.filter((c) => c.status === s).length;
  return {
    url: maskUrl(opts.url),
    startedAt: new Date(started).toISOString(),
    durationMs: clock.now() - started,
    wait,
    models,
    checks,
    summary: {
      total: checks.length,
      passed: count("pass"),
      failed: count("fail"),
      skipped: count("skip"),
    },
  };
}
