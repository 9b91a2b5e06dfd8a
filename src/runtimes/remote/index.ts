import { ModelgateError } from "../../errors.js";
import type { ModelSpec, RemoteRuntimeSpec } from "../../spec/index.js";
import { compileOutputMapper } from "../../spec/index.js";

type Row = Readonly<Record<string, unknown>>;

export interface RemoteModel {
  readonly spec: ModelSpec;
  predict(rows: readonly Row[]): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}

export interface RemoteModelOptions {
  modelId: string;
  /** HUGGINGFACE_API_KEY, for `auth: "huggingface"`. */
  token?: string | undefined;
  fetch?: typeof fetch;
}

/** Seconds from an upstream Retry-After header or a Hugging Face "estimated_time", bounded. */
function retryAfter(res: Response, body: unknown, fallback: number): string {
  const header = Number(res.headers.get("retry-after"));
  const estimated = (body as { estimated_time?: unknown } | null)?.estimated_time;
  const seconds =
    Number.isFinite(header) && header > 0
      ? header
      : typeof estimated === "number"
        ? estimated
        : fallback;
  return String(Math.min(300, Math.max(1, Math.ceil(seconds))));
}

async function readBody(res: Response): Promise<unknown> {
  const text = await res.text();
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Maps an upstream failure to the statuses of the catalogue: a 503 naming what to do. */
function upstreamError(
  res: Response,
  body: unknown,
  runtime: RemoteRuntimeSpec,
  modelId: string,
): ModelgateError {
  const host = new URL(runtime.url).host;
  const where = `model ${modelId}'s upstream ${host}`;
  switch (res.status) {
    case 401:
    case 403:
      return new ModelgateError(
        "source_unauthorized",
        runtime.auth === "huggingface"
          ? `${where} refused HUGGINGFACE_API_KEY (HTTP ${res.status}): set a token with access to it.`
          : `${where} refused the request (HTTP ${res.status}): it needs credentials; set runtime.auth in modelgate.json.`,
      );
    case 404:
      return new ModelgateError(
        "source_not_found",
        `${where} has no model at ${runtime.url} (HTTP 404): fix runtime.url.`,
      );
    case 429:
      return new ModelgateError(
        "source_unreachable",
        `${where} is rate-limiting modelgate (HTTP 429): retry later.`,
        {
          headers: { "Retry-After": retryAfter(res, body, 5) },
        },
      );
    case 503:
      return new ModelgateError(
        "model_unavailable",
        `${where} is loading the model or unavailable (HTTP 503): retry after Retry-After seconds.`,
        { headers: { "Retry-After": retryAfter(res, body, 10) } },
      );
    default:
      return new ModelgateError(
        "source_unreachable",
        `${where} failed (HTTP ${res.status}): retry later.`,
        {
          headers: { "Retry-After": retryAfter(res, body, 5) },
        },
      );
  }
}

/**
 * A model served by an upstream HTTP endpoint. Inputs, already validated against the spec, go
 * up as {"inputs": [...]}; the answer is a list (or {"predictions": [...]}) with one entry per
 * input: an object is passed through, a number is a probability mapped by the spec's outputs.
 */
export function createRemoteModel(spec: ModelSpec, options: RemoteModelOptions): RemoteModel {
  if (spec.runtime.type !== "remote") {
    throw new ModelgateError(
      "model_invalid",
      `model ${options.modelId}: runtime.type is not "remote"`,
    );
  }
  const runtime = spec.runtime;
  const doFetch = options.fetch ?? fetch;
  const mapOutputs = spec.outputs.length > 0 ? compileOutputMapper(spec) : undefined;
  const host = new URL(runtime.url).host;

  function entry(row: Row, answer: unknown): Record<string, unknown> {
    if (typeof answer === "number" && mapOutputs) return mapOutputs(row, answer);
    if (typeof answer === "object" && answer !== null && !Array.isArray(answer))
      return answer as Record<string, unknown>;
    return { prediction: answer };
  }

  return {
    spec,
    async predict(rows) {
      const headers: Record<string, string> = {
        "content-type": "application/json",
        accept: "application/json",
      };
      if (runtime.auth === "huggingface") {
        if (!options.token) {
          throw new ModelgateError(
            "source_credentials_missing",
            `HUGGINGFACE_API_KEY is not set; model ${options.modelId} is served by the Hugging Face endpoint ${host}: set it where modelgate runs.`,
          );
        }
        headers.authorization = `Bearer ${options.token}`;
      }
      let res: Response;
      try {
        res = await doFetch(runtime.url, {
          method: "POST",
          headers,
          body: JSON.stringify({ inputs: rows }),
          signal: AbortSignal.timeout(runtime.timeout_ms),
        });
      } catch (err) {
        const timedOut =
          err instanceof Error && (err.name === "TimeoutError" || err.name === "AbortError");
        throw new ModelgateError(
          "source_unreachable",
          timedOut
            ? `model ${options.modelId}'s upstream ${host} did not answer within ${runtime.timeout_ms} ms: retry later.`
            : `model ${options.modelId}'s upstream ${host} cannot be reached: retry later.`,
          { headers: { "Retry-After": "5" }, cause: err },
        );
      }
      const body = await readBody(res).catch(() => null);
      if (!res.ok) throw upstreamError(res, body, runtime, options.modelId);
      const list = Array.isArray(body)
        ? body
        : (body as { predictions?: unknown } | null)?.predictions;
      if (!Array.isArray(list) || list.length !== rows.length) {
        throw new ModelgateError(
          "model_unavailable",
          `model ${options.modelId}'s upstream ${host} answered ${rows.length} input(s) with an unexpected shape (expected a list of ${rows.length}).`,
        );
      }
      return rows.map((row, i) => entry(row, list[i]));
    },
    async close() {},
  };
}
