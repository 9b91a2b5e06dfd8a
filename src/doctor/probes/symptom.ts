/**
 * Step 1, the symptom: call the model's predict as a client would, with an input the model must
 * accept (--input, else one built from its input schema), and record the status and the body.
 */
import { exampleInput } from "../example-input.js";
import { endpoint, request, shownBody } from "../http.js";
import type { ProbeBody, ProbeSpec } from "../run-probe.js";
import { skipped } from "../run-probe.js";
import type { ProbeContext } from "./context.js";
import { authHeaders, curl } from "./context.js";

export interface SymptomData {
  status: number;
  /** The envelope's code and detail, when the answer is an error envelope. */
  code: string | null;
  detail: string | null;
  requestId: string | null;
  /** Where the input came from: --input, the schema's example, its required fields. */
  inputFrom: string;
  ms: number;
}

interface Envelope {
  detail?: unknown;
  code?: unknown;
  request_id?: unknown;
}

function envelope(json: unknown): {
  code: string | null;
  detail: string | null;
  requestId: string | null;
} {
  const e = (json && typeof json === "object" ? json : {}) as Envelope;
  return {
    code: typeof e.code === "string" ? e.code : null,
    detail: typeof e.detail === "string" ? e.detail : null,
    requestId: typeof e.request_id === "string" ? e.request_id : null,
  };
}

/** What an answer means for the investigation, in a sentence. */
function judge(
  status: number,
  code: string | null,
): { state: ProbeBody<SymptomData>["state"]; meaning: string } {
  if (status >= 200 && status < 300) return { state: "ok", meaning: "the model answers" };
  if (status === 401 || status === 403)
    return {
      state: "failed",
      meaning: `doctor's own key was refused (${code ?? status}): give --api-key with the predict scope for this model, then nothing about the model can be told from this call`,
    };
  if (status === 422)
    return {
      state: "failed",
      meaning: "the service refused doctor's example input: give an input with --input",
    };
  if (status === 404)
    return { state: "problem", meaning: "no such model is registered on this service" };
  if (status === 429)
    return { state: "failed", meaning: "doctor's key is rate limited: try again later" };
  if (status === 503)
    return { state: "problem", meaning: "the service says the model cannot be served now" };
  if (status >= 500)
    return {
      state: "problem",
      meaning: "the service failed (a 5xx other than 503 is a bug or a proxy's answer)",
    };
  return { state: "problem", meaning: `an unexpected answer` };
}

export function symptomProbe(
  ctx: ProbeContext,
  model: string,
  given?: Record<string, unknown>,
): ProbeSpec<SymptomData> {
  return {
    id: "symptom",
    step: "symptom",
    title: `Call model ${model}'s predict`,
    timeoutMs: ctx.timeoutMs,
    async run() {
      const { url, apiKey } = ctx.service;
      if (!url) return skipped("No --url given: the service was not called.");
      if (!apiKey)
        return skipped("No --api-key given: predict needs a key, so the model was not called.");
      let input: Record<string, unknown>;
      let inputFrom: string;
      const infoUrl = endpoint(url, `/api/v1/models/${encodeURIComponent(model)}/info`);
      if (given) {
        input = given;
        inputFrom = "--input";
      } else {
        const info = await request(infoUrl, {
          headers: authHeaders(ctx.service),
          timeoutMs: ctx.timeoutMs,
        });
        if (info.status !== 200) {
          const verdict = judge(info.status, envelope(info.json).code);
          return {
            state: verdict.state,
            summary: `GET /api/v1/models/${model}/info answered ${info.status}: ${verdict.meaning}.`,
            details: [`Answer: ${info.status} ${shownBody(info)}`],
            commands: [curl("GET", infoUrl, { key: true })],
            data: { status: info.status, ...envelope(info.json), inputFrom: "none", ms: info.ms },
          };
        }
        const made = exampleInput(
          (info.json as { input_schema?: unknown } | undefined)?.input_schema,
        );
        if (!made.ok) return { state: "failed", summary: `No input to send: ${made.reason}.` };
        input = made.input;
        inputFrom = made.from;
      }
      const predictUrl = endpoint(url, `/api/v1/models/${encodeURIComponent(model)}/predict`);
      const body = { inputs: input };
      const answer = await request(predictUrl, {
        method: "POST",
        headers: { ...authHeaders(ctx.service), "Content-Type": "application/json" },
        body: JSON.stringify(body),
        timeoutMs: ctx.timeoutMs,
      });
      const env = envelope(answer.json);
      const verdict = judge(answer.status, env.code);
      const what = env.code ? `${answer.status} ${env.code}` : String(answer.status);
      return {
        state: verdict.state,
        summary: `POST /api/v1/models/${model}/predict answered ${what} in ${answer.ms} ms: ${verdict.meaning}.`,
        details: [
          `Sent (${inputFrom}): ${JSON.stringify(body)}`,
          `Answer: ${answer.status} ${shownBody(answer)}`,
        ],
        commands: [curl("POST", predictUrl, { key: true, body })],
        data: { status: answer.status, ...env, inputFrom, ms: answer.ms },
      };
    },
  };
}
