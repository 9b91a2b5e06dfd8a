/**
 * The Open Inference Protocol's error body, `{"error": "<message>"}`, on every /v2 route: its
 * clients (KServe, Triton and MLServer SDKs) read that field, so these routes answer it instead
 * of modelgate's `{detail, code, request_id}` envelope. The status still comes from the one
 * catalogue, with one change: a request whose content is wrong is 400, as the protocol says
 * ("typically 400"), where the seeds' API says 422. The request id stays in X-Request-Id.
 */
import type { FastifyReply, FastifyRequest } from "fastify";
import { ERROR_CATALOGUE, ModelgateError } from "../../../errors.js";
import { toModelgateError } from "../../errors.js";

/** Codes that are the request's content: 400 on these routes. */
const BAD_REQUEST_CODES: ReadonlySet<string> = new Set(["invalid_input", "invalid_request"]);

export function oipStatus(err: ModelgateError): number {
  return BAD_REQUEST_CODES.has(err.code) ? 400 : err.status;
}

export function handleOipError(
  this: unknown,
  err: unknown,
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  const mapped = toModelgateError(err);
  if (mapped.code === "internal_error") {
    request.log.error({ err }, "unhandled error");
  } else if (ERROR_CATALOGUE[mapped.code].status >= 500) {
    request.log.warn({ code: mapped.code, detail: mapped.detail }, "request failed");
  }
  if (mapped.headers) void reply.headers(mapped.headers);
  sendError(reply, oipStatus(mapped), mapped.detail);
}

/**
 * `{"error": message}` typed exactly `application/json`, as Triton types it: KServe's client
 * reads the `error` field only when the Content-Type is that string, so the `; charset=utf-8`
 * Fastify adds to a serialized body would hide the sentence (a Buffer is sent as typed).
 */
function sendError(reply: FastifyReply, status: number, message: string): void {
  void reply
    .status(status)
    .type("application/json")
    .send(Buffer.from(JSON.stringify({ error: message })));
}

export const OIP_ROUTES =
  "GET /v2, GET /v2/health/live, GET /v2/health/ready, GET /v2/models/{name}[/versions/{version}], GET /v2/models/{name}[/versions/{version}]/ready, POST /v2/models/{name}[/versions/{version}]/infer";

export function handleOipNotFound(request: FastifyRequest, reply: FastifyReply): void {
  const path = request.url.split("?")[0] ?? "";
  const shown = path.length > 200 ? `${path.slice(0, 199)}…` : path;
  const err = new ModelgateError(
    "not_found",
    `No route ${request.method} ${shown}; the Open Inference Protocol routes are ${OIP_ROUTES}.`,
  );
  sendError(reply, err.status, err.detail);
}
