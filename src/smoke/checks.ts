/**
 * The checks themselves. Each makes its HTTP call(s), judges status, shape and latency, and
 * returns a SmokeCheck that names what it sent and what came back when it fails.
 */
import type { Call, CallContext } from "./call.js";
import { call, ms, statusLine } from "./call.js";
import type { HttpProbeResult } from "./http.js";
import {
  envelopeProblems,
  fieldProblems,
  isObject,
  outputsOf,
  predictionProblems,
} from "./shape.js";
import type { SmokeCheck } from "./types.js";
import { failingChecks } from "./wait.js";

export interface CheckContext extends CallContext {
  maxLatencyMs: number;
}

function latencyProblem(ctx: CheckContext, result: HttpProbeResult, what = "the answer"): string[] {
  if (!result.ok || result.ms <= ctx.maxLatencyMs) return [];
  return [`${what} took ${ms(result)} ms, over the ${ctx.maxLatencyMs} ms allowed (--max-latency)`];
}

/** A check from one call: pass when there is no problem. */
export function judged(
  group: string,
  name: string,
  c: Call,
  problems: string[],
  summary: string,
  apiKey: string,
): SmokeCheck {
  const status = problems.length === 0 ? "pass" : "fail";
  const line = status === "pass" ? summary : statusLine(c.result, apiKey);
  // A failing check's summary is its answer; its time is in the JSON report (ms).
  const took = c.result.ok && status === "pass" ? ` in ${ms(c.result)} ms` : "";
  return {
    group,
    name,
    status,
    summary: c.result.ok ? `${line}${took}` : line,
    problems,
    ms: ms(c.result),
    ...(status === "fail" ? { sent: c.sent, received: c.received } : {}),
  };
}

/** "401 api_key_missing": what a passing refusal shows. */
function codeLine(result: HttpProbeResult): string {
  if (!result.ok) return "no answer";
  const code = isObject(result.json) ? result.json.code : undefined;
  return typeof code === "string" ? `${result.status} ${code}` : `${result.status}`;
}

function expectStatus(result: HttpProbeResult, want: number): string[] {
  if (!result.ok) return [`no answer: ${result.error}`];
  if (result.status === want) return [];
  const bug =
    result.status >= 500 && result.status !== 503 ? " (a 5xx other than 503 is a bug)" : "";
  return [`expected HTTP ${want}, got ${result.status}${bug}`];
}

export async function checkLive(ctx: CheckContext): Promise<SmokeCheck> {
  const c = await call(ctx, "GET", "/live");
  const problems = expectStatus(c.result, 200);
  if (c.result.ok && problems.length === 0) {
    problems.push(
      ...fieldProblems(c.result.json, { status: "string" }),
      ...latencyProblem(ctx, c.result),
    );
  }
  return judged("service", "live", c, problems, "200 alive", ctx.apiKey);
}

/** The last /ready answer after waiting: pass on 200, else every failing check with its reason. */
export function readyCheck(
  last: HttpProbeResult,
  waitedMs: number,
  sent: string,
  received: string,
  stopped: string,
): SmokeCheck {
  const waited = `after waiting ${(waitedMs / 1000).toFixed(1)} s`;
  if (last.ok && last.status === 200) {
    const problems = fieldProblems(last.json, { status: "string", checks: "array" });
    return {
      group: "service",
      name: "ready",
      status: problems.length === 0 ? "pass" : "fail",
      summary: `200 ready ${waited}`,
      problems,
      ms: ms(last),
      ...(problems.length > 0 ? { sent, received } : {}),
    };
  }
  const failing = failingChecks(last);
  const why =
    stopped === "settled"
      ? "not ready, and its failing checks stopped changing"
      : "not ready within --timeout";
  return {
    group: "service",
    name: "ready",
    status: "fail",
    summary: `${last.ok ? last.status : "no answer"} ${waited}: ${failing.describe}`,
    problems: [`${why}: ${failing.describe}`],
    ms: ms(last),
    sent,
    received,
  };
}

export async function checkNoKey(ctx: CheckContext): Promise<SmokeCheck> {
  const c = await call(ctx, "GET", "/api/v1/models");
  const problems = expectStatus(c.result, 401);
  if (c.result.ok && c.result.status === 200) {
    problems.push("the API answered without an API key: anyone can read it");
  }
  if (c.result.ok && c.result.status === 401) problems.push(...envelopeProblems(c.result.json));
  return judged("service", "no key → 401", c, problems, codeLine(c.result), ctx.apiKey);
}

export interface ModelList {
  check: SmokeCheck;
  ids: string[] | null;
}

export async function checkModelList(ctx: CheckContext): Promise<ModelList> {
  const c = await call(ctx, "GET", "/api/v1/models", { key: true });
  const problems = expectStatus(c.result, 200);
  let ids: string[] | null = null;
  if (c.result.ok && c.result.status === 200) {
    problems.push(
      ...fieldProblems(c.result.json, { models: "array" }),
      ...latencyProblem(ctx, c.result),
    );
    const models =
      isObject(c.result.json) && Array.isArray(c.result.json.models) ? c.result.json.models : [];
    ids = models.filter(isObject).map((m) => String(m.id));
  } else if (c.result.ok && c.result.status === 401) {
    problems.push("the API key given was refused: check it (MODELGATE_API_KEY or --api-key)");
  }
  const summary = ids
    ? `200, ${ids.length} model(s) this key may use: ${ids.join(", ") || "none"}`
    : "";
  return {
    check: judged("service", "key accepted (model list)", c, problems, summary, ctx.apiKey),
    ids,
  };
}

/** The malformed body every replica must refuse with 422 (the route's schema), never a 500. */
export const MALFORMED_BODY = '{"inputs": "not an input object"}';

export async function checkMalformed(ctx: CheckContext, id: string): Promise<SmokeCheck> {
  const path = `/api/v1/models/${encodeURIComponent(id)}/predict`;
  const c = await call(ctx, "POST", path, { key: true, body: MALFORMED_BODY });
  const problems = expectStatus(c.result, 422);
  if (c.result.ok && c.result.status === 422) problems.push(...envelopeProblems(c.result.json));
  return judged(`model ${id}`, "malformed body → 422", c, problems, codeLine(c.result), ctx.apiKey);
}

export async function checkInfo(
  ctx: CheckContext,
  id: string,
): Promise<{ check: SmokeCheck; info: Record<string, unknown> | null }> {
  const c = await call(ctx, "GET", `/api/v1/models/${encodeURIComponent(id)}/info`, { key: true });
  const problems = expectStatus(c.result, 200);
  let info: Record<string, unknown> | null = null;
  if (c.result.ok && c.result.status === 200) {
    problems.push(
      ...fieldProblems(c.result.json, {
        id: "string",
        name: "string",
        version: "string",
        outputs: "array",
      }),
      ...latencyProblem(ctx, c.result),
    );
    if (isObject(c.result.json)) {
      info = c.result.json;
      if (info.id !== undefined && info.id !== id)
        problems.push(`the body's id is "${String(info.id)}", not "${id}"`);
      const schema = info.input_schema;
      if (schema !== null && schema !== undefined && !isObject(schema)) {
        problems.push("input_schema should be a JSON Schema object or null");
      }
    }
  }
  const name = info ? `${String(info.name)} ${String(info.version)}` : "";
  return { check: judged(`model ${id}`, "info", c, problems, `200 ${name}`, ctx.apiKey), info };
}

export async function checkHealth(
  ctx: CheckContext,
  id: string,
): Promise<{ check: SmokeCheck; loaded: boolean | null }> {
  const c = await call(ctx, "GET", `/api/v1/models/${encodeURIComponent(id)}/health`, {
    key: true,
  });
  const problems = expectStatus(c.result, 200);
  const body = c.result.ok ? c.result.json : undefined;
  if (c.result.ok && (c.result.status === 200 || c.result.status === 503) && isObject(body)) {
    problems.push(...fieldProblems(body, { healthy: "boolean", status: "string" }));
    const err = isObject(body.last_error) ? body.last_error : null;
    if (c.result.status === 503 && err) {
      problems.push(`the model cannot be served: ${String(err.code)}: ${String(err.detail)}`);
    }
  }
  if (c.result.ok && c.result.status === 200) problems.push(...latencyProblem(ctx, c.result));
  const loaded = isObject(body) && typeof body.loaded === "boolean" ? body.loaded : null;
  const state = isObject(body) ? String(body.status) : "";
  return {
    check: judged(`model ${id}`, "health", c, problems, `200 healthy (${state})`, ctx.apiKey),
    loaded,
  };
}

/** The example input a spec declares (inputs.examples[0]), or why there is none. */
export function exampleInput(
  info: Record<string, unknown> | null,
  id: string,
): { input: unknown } | { skip: string } {
  if (!info)
    return { skip: `model ${id}'s info could not be read, so its example input is unknown` };
  const schema = info.input_schema;
  if (!isObject(schema)) {
    return {
      skip: `the service has not read model ${id}'s package yet (it was registered while its source could not be read), so its example input is unknown; its health check says why`,
    };
  }
  const examples = schema.examples;
  if (!Array.isArray(examples) || examples.length === 0) {
    return {
      skip: `model ${id}'s spec declares no example input: add "examples" to inputs in its modelgate.json (docs/model-package.md) so smoke can predict with it`,
    };
  }
  return { input: examples[0] };
}

export async function checkPredict(
  ctx: CheckContext,
  id: string,
  info: Record<string, unknown> | null,
  loaded: boolean | null,
): Promise<SmokeCheck> {
  const example = exampleInput(info, id);
  if ("skip" in example) {
    return {
      group: `model ${id}`,
      name: "predict",
      status: "skip",
      summary: example.skip,
      problems: [],
      ms: null,
    };
  }
  const path = `/api/v1/models/${encodeURIComponent(id)}/predict`;
  const body = JSON.stringify({ inputs: example.input });
  let c = await call(ctx, "POST", path, { key: true, body });
  let note = "";
  // The first call of a model that is not loaded also loads it: judge the latency of a second.
  if (loaded === false && c.result.ok && c.result.status === 200) {
    const first = ms(c.result);
    c = await call(ctx, "POST", path, { key: true, body });
    note = ` (the first call, ${first} ms, loaded the model)`;
  }
  const problems = expectStatus(c.result, 200);
  const answer = c.result.ok ? c.result.json : undefined;
  if (c.result.ok && c.result.status === 200) {
    problems.push(
      ...fieldProblems(answer, {
        model_id: "string",
        predictions: "object",
        metadata: "object",
        timestamp: "string",
      }),
      ...latencyProblem(ctx, c.result, "the prediction"),
    );
    if (isObject(answer)) {
      problems.push(...predictionProblems(answer.predictions, outputsOf(info)));
      if (isObject(answer.metadata)) {
        problems.push(
          ...fieldProblems(
            answer.metadata,
            { api_version: "string", inference_method: "string" },
            "metadata",
          ),
        );
      }
    }
  }
  const shown = isObject(answer) ? (JSON.stringify(answer.predictions) ?? "") : "";
  const summary = `200 ${shown.length > 160 ? `${shown.slice(0, 160)}…` : shown}`;
  const check = judged(`model ${id}`, "predict", c, problems, summary, ctx.apiKey);
  return note && check.status === "pass" ? { ...check, summary: `${check.summary}${note}` } : check;
}
