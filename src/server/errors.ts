import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import type { ErrorCode, FieldProblem } from "../errors.js";
import {
  describeProblems,
  ERROR_CATALOGUE,
  MAX_LISTED_PROBLEMS,
  ModelgateError,
} from "../errors.js";

/** The one error body every route answers with. */
export interface ErrorBody {
  detail: string;
  code: ErrorCode;
  request_id: string;
  errors?: FieldProblem[];
  /** Problems found beyond those listed in `errors`. */
  errors_omitted?: number;
}

interface AjvIssue {
  instancePath?: string;
  keyword?: string;
  message?: string;
  params?: Record<string, unknown>;
}

function requestProblem(issue: AjvIssue, context: string): FieldProblem {
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
}

/** A request-schema failure as named fields ("inputs is required"), the first few built. */
function requestValidationError(err: FastifyError, context: string): ModelgateError {
  const issues = (err.validation ?? []) as AjvIssue[];
  const problems = issues.slice(0, MAX_LISTED_PROBLEMS).map((i) => requestProblem(i, context));
  const omitted = issues.length - problems.length;
  const detail = `Invalid request ${context}: ${describeProblems(problems, omitted)}.`;
  return new ModelgateError("invalid_request", detail, {
    errors: problems,
    errorsOmitted: omitted,
    cause: err,
  });
}

/** What a client did wrong, by the status Fastify or Node gave it, when no code says more. */
const CODE_BY_STATUS: Record<number, ErrorCode> = {
  400: "bad_request",
  404: "not_found",
  408: "request_timeout",
  413: "payload_too_large",
  414: "uri_too_long",
  415: "unsupported_media_type",
  431: "headers_too_large",
};

/** Fastify's own request errors, in words a client can act on. */
function fastifyError(fe: Partial<FastifyError>, err: unknown): ModelgateError | undefined {
  switch (fe.code) {
    case "FST_ERR_CTP_BODY_TOO_LARGE":
      return new ModelgateError(
        "payload_too_large",
        "The request body is larger than this server accepts (MODELGATE_BODY_LIMIT_BYTES): send a smaller batch.",
        { cause: err },
      );
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
      return new ModelgateError(
        "unsupported_media_type",
        "Send the body as JSON with Content-Type: application/json.",
        { cause: err },
      );
    case "FST_ERR_CTP_EMPTY_JSON_BODY":
      return new ModelgateError(
        "bad_request",
        'The request body is empty: send JSON like {"inputs": {...}}.',
        { cause: err },
      );
    case "FST_ERR_CTP_INVALID_JSON_BODY":
      return new ModelgateError(
        "bad_request",
        `The request body is not valid JSON: ${fe.message ?? ""}`.trim(),
        { cause: err },
      );
    case "FST_STATIC_FORBIDDEN_PATH":
      // A docs asset path that climbs out of its folder ("/docs/static/../x"): nothing is there.
      return new ModelgateError("not_found", "No such file under /docs: see /docs for the API.", {
        cause: err,
      });
    case "FST_ERR_CTP_INVALID_CONTENT_LENGTH":
      return new ModelgateError(
        "bad_request",
        "The body's length does not match its Content-Length header: send the header the body has.",
        { cause: err },
      );
  }
  if (err instanceof SyntaxError && fe.statusCode === 400) {
    return new ModelgateError(
      "bad_request",
      `The request body is not valid JSON: ${err.message}.`,
      { cause: err },
    );
  }
  const status = fe.statusCode;
  if (status === undefined || status < 400 || status >= 500) return undefined;
  // Another 4xx from Fastify or a plugin: the client's mistake, never a 500.
  return new ModelgateError(CODE_BY_STATUS[status] ?? "bad_request", undefined, { cause: err });
}

/** Map any thrown value to a ModelgateError; the original is kept as the cause for the log. */
export function toModelgateError(err: unknown): ModelgateError {
  if (err instanceof ModelgateError) return err;
  const fe = (typeof err === "object" && err !== null ? err : {}) as Partial<FastifyError>;
  if (fe.validation)
    return requestValidationError(fe as FastifyError, fe.validationContext ?? "body");
  return fastifyError(fe, err) ?? new ModelgateError("internal_error", undefined, { cause: err });
}

export function errorBody(err: ModelgateError, requestId: string): ErrorBody {
  const body: ErrorBody = { detail: err.detail, code: err.code, request_id: requestId };
  if (err.errors && err.errors.length > 0) body.errors = err.errors;
  if (err.errorsOmitted > 0) body.errors_omitted = err.errorsOmitted;
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
  const path = request.url.split("?")[0] ?? "";
  const err = new ModelgateError(
    "not_found",
    `No route ${request.method} ${path.length > 200 ? `${path.slice(0, 199)}…` : path}: see /docs for the API.`,
  );
  void reply.status(err.status).send(errorBody(err, request.id));
}

/**
 * Errors Fastify meets while routing, before any handler (a URL that is not valid
 * percent-encoding, a path segment past maxParamLength): the same envelope.
 */
export function handleFrameworkError(
  err: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  if (err.code === "FST_ERR_BAD_URL") {
    handleError(
      new ModelgateError(
        "bad_request",
        "The URL is not valid: percent-encode it (RFC 3986) and retry.",
        { cause: err },
      ),
      request,
      reply,
    );
    return;
  }
  if (err.code === "FST_ERR_MAX_PARAM_LENGTH") {
    handleError(
      new ModelgateError(
        "uri_too_long",
        "A path segment of the URL is longer than any id this server has: check the id.",
        { cause: err },
      ),
      request,
      reply,
    );
    return;
  }
  handleError(err, request, reply);
}
