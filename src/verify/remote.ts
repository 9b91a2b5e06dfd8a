/**
 * `models verify --url`: the golden inputs go to a running modelgate's predict endpoint in
 * batches of the model's max_batch_size. A batch refused with 422 is resent row by row so each
 * refusal is pinned to its row. The raw probability is not in the API's answer, so `probability`
 * is compared only when an output of the spec carries that name.
 */
import type { HttpProbeRequest, HttpProbeResult } from "../smoke/index.js";
import { joinUrl, maskSecrets, probeHttp } from "../smoke/index.js";
import type { GoldenRow, GoldenSchema } from "./golden.js";
import { GoldenError } from "./golden.js";
import type { Predictor, RowAnswer } from "./predictor.js";

/** The service could not answer (down, 5xx, a timeout): verify failed, exit 1. */
export class VerifyServiceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "VerifyServiceError";
  }
}

export interface RemoteOptions {
  url: string;
  apiKey: string;
  modelId: string;
  callTimeoutMs: number;
  probe?: (req: HttpProbeRequest) => Promise<HttpProbeResult>;
}

/** Answers for predictions can be large (a batch of rows): read up to this much. */
const MAX_ANSWER_BYTES = 16 * 1024 * 1024;

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json =>
  typeof v === "object" && v !== null && !Array.isArray(v);

function failure(result: HttpProbeResult, what: string, apiKey: string): Error {
  if (!result.ok) return new VerifyServiceError(`${what}: ${result.error}`);
  const body = result.json;
  const said =
    isObject(body) && typeof body.detail === "string"
      ? `${String(body.code)}: ${body.detail}`
      : result.text.slice(0, 300);
  const message = maskSecrets(`${what} answered ${result.status}: ${said}`, [apiKey]);
  // A wrong key, model id or scope is the command's input; anything else is the service.
  if ([401, 403, 404].includes(result.status)) return new GoldenError(message);
  return new VerifyServiceError(message);
}

function refusal(result: HttpProbeResult): string {
  if (!result.ok || !isObject(result.json)) return "refused (422)";
  const errors = Array.isArray(result.json.errors) ? result.json.errors.filter(isObject) : [];
  if (errors.length > 0) {
    return errors
      .map((e) => `${String(e.field).replace(/^inputs(\[0\])?/, "input")} ${String(e.problem)}`)
      .join("; ");
  }
  return typeof result.json.detail === "string" ? result.json.detail : "refused (422)";
}

export async function remotePredictor(opts: RemoteOptions): Promise<Predictor> {
  const probe = opts.probe ?? probeHttp;
  const base = `/api/v1/models/${encodeURIComponent(opts.modelId)}`;
  const headers = { "X-API-Key": opts.apiKey };
  const infoUrl = joinUrl(opts.url, `${base}/info`);
  const info = await probe({ method: "GET", url: infoUrl, headers, timeoutMs: opts.callTimeoutMs });
  if (!info.ok || info.status !== 200 || !isObject(info.json)) {
    throw failure(info, `GET ${infoUrl}`, opts.apiKey);
  }
  const schemaJson = info.json.input_schema;
  const props =
    isObject(schemaJson) && isObject(schemaJson.properties) ? schemaJson.properties : null;
  const outputs = Array.isArray(info.json.outputs) ? info.json.outputs.filter(isObject) : [];
  const schema: GoldenSchema = {
    inputs: props
      ? Object.fromEntries(
          Object.entries(props).map(([k, p]) => [k, isObject(p) ? String(p.type) : ""]),
        )
      : {},
    outputs: Object.fromEntries(outputs.map((o) => [String(o.name), String(o.kind)])),
  };
  const maxBatch =
    typeof info.json.max_batch_size === "number" ? Math.max(1, info.json.max_batch_size) : 1;
  const predictUrl = joinUrl(opts.url, `${base}/predict`);

  async function post(inputs: unknown[]): Promise<HttpProbeResult> {
    return probe({
      method: "POST",
      url: predictUrl,
      headers,
      body: JSON.stringify({ inputs }),
      timeoutMs: opts.callTimeoutMs,
      maxBodyBytes: MAX_ANSWER_BYTES,
    });
  }

  async function answer(rows: readonly GoldenRow[]): Promise<RowAnswer[]> {
    const result = await post(rows.map((r) => r.input));
    if (
      result.ok &&
      result.status === 200 &&
      isObject(result.json) &&
      Array.isArray(result.json.predictions)
    ) {
      const predictions = result.json.predictions;
      if (predictions.length !== rows.length) {
        throw new VerifyServiceError(
          `POST ${predictUrl} answered ${predictions.length} predictions for ${rows.length} inputs`,
        );
      }
      return predictions.map((p): RowAnswer =>
        isObject(p)
          ? { ok: true, values: p }
          : { ok: false, refused: "the answer is not an object" },
      );
    }
    if (result.ok && result.status === 422) {
      if (rows.length === 1) return [{ ok: false, refused: refusal(result) }];
      // Pin each refusal to its row.
      const out: RowAnswer[] = [];
      for (const row of rows) out.push(...(await answer([row])));
      return out;
    }
    throw failure(result, `POST ${predictUrl}`, opts.apiKey);
  }

  return {
    describe: opts.url,
    schema,
    maxBatch,
    hasProbability: false,
    run: answer,
    close: async () => undefined,
  };
}
