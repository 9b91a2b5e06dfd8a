import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import type { ErrorCode, FieldProblem } from "../errors.js";
import { ERROR_CATALOGUE, ModelgateError } from "../errors.js";

/** The one error body every route answers with. */
export interface ErrorBody {
  detail: string;
  code: ErrorCode;
  request_id: string;
  errors?: FieldProblem[];
}

interface AjvIssue {
  instancePath?: string;
  keyword?: string;
  message?: string;
  params?: Record<string, unknown>;
}

/** Turns a Fastify/Ajv request-schema failure into named fields ("inputs is required"). */
function requestProblems(err: FastifyError, context: string): FieldProblem[] {
  const issues = (err.validation ?? []) as AjvIssue[];
  return issues.map((issue) => {
    const base = (issue.instancePath ?? "").replace(/^\//, "").replace(/\//g, ".");
    const params = issue.params ?? {};
    if (issue.keyword === "required" && typeof params.missingProperty === "string") {
      return {
        field: base ? `${base}.${params.missingProperty}` : params.missingProperty,
        problem: "is required",
      };
    }
    if (issue.keyword === "additionalProperties" && typeof params.additionalProperty === "string") {
      const field = base ? `${base}.${params.additionalProperty}` : params.additionalProperty;
      return { field, problem: "is not a known field" };
    }
    return { field: base || context, problem: issue.message ?? "is invalid" };
  });
}

/** Map any thrown value to a ModelgateError; the original is kept as the cause for the log. */
export function toModelgateError(err: unknown): ModelgateError {
  if (err instanceof ModelgateError) return err;
  const fe = err as Partial<FastifyError>;
  if (fe.validation) {
    const context = fe.validationContext ?? "body";
    const problems = requestProblems(fe as FastifyError, context);
    const detail = `Invalid request ${context}: ${problems.map((p) => `${p.field} ${p.problem}`).join("; ")}.`;
    return new ModelgateError("invalid_request", detail, { errors: problems, cause: err });
  }
  switch (fe.code) {
    case "FST_ERR_CTP_BODY_TOO_LARGE":
      return new ModelgateError(
        "payload_too_large",
        "The request body is larger than this server accepts (MODELGATE_BODY_LIMIT_BYTES): send a smaller batch.",
        { cause: err },
      );
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
      return new ModelgateError(
        "bad_request",
        "Send the body as JSON with Content-Type: application/json.",
        {
          cause: err,
        },
      );
    case "FST_ERR_CTP_EMPTY_JSON_BODY":
      return new ModelgateError(
        "bad_request",
        'The request body is empty: send JSON like {"inputs": {...}}.',
        {
          cause: err,
        },
      );
    case "FST_ERR_CTP_INVALID_JSON_BODY":
      return new ModelgateError(
        "bad_request",
        `The request body is not valid JSON: ${fe.message ?? ""}`.trim(),
        {
          cause: err,
        },
      );
  }
  if (err instanceof SyntaxError && fe.statusCode === 400) {
    return new ModelgateError(
      "bad_request",
      `The request body is not valid JSON: ${err.message}.`,
      { cause: err },
    );
  }
  return new ModelgateError("internal_error", undefined, { cause: err });
}

export function errorBody(err: ModelgateError, requestId: string): ErrorBody {
  const body: ErrorBody = { detail: err.detail, code: err.code, request_id: requestId };
  if (err.errors && err.errors.length > 0) body.errors = err.errors;
  return body;
}

/** Fastify error handler: one envelope, statuses from the catalogue alone. */
export function handleError(
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
  void reply.status(mapped.status).send(errorBody(mapped, request.id));
}

export function handleNotFound(request: FastifyRequest, reply: FastifyReply): void {
  const err = new ModelgateError(
    "not_found",
    `No route ${request.method} ${request.url.split("?")[0]}: see /docs for the API.`,
  );
  void reply.status(err.status).send(errorBody(err, request.id));
}
