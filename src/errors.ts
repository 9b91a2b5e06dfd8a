/**
 * The one catalogue of error codes modelgate answers with. Every error that crosses a module
 * edge is a ModelgateError carrying one of these codes; the HTTP layer maps code → status with
 * this table alone and renders one envelope: {"detail", "code", "request_id"}.
 *
 * `detail` is always a sentence a person can act on. A 500 (internal_error) means a bug in
 * modelgate, never a configuration state.
 */
export const ERROR_CATALOGUE = {
  // 400: the request itself cannot be read
  bad_request: {
    status: 400,
    doc: "The request could not be read (malformed JSON, a malformed HTTP request).",
  },
  invalid_tensor: {
    status: 400,
    doc: 'An Open Inference Protocol (/v2) request is malformed: a tensor whose shape and data disagree, a datatype the model input does not take, an unknown input or output; answered as {"error": "..."}.',
  },
  // 401: who are you?
  api_key_missing: {
    status: 401,
    doc: "No API key: send it in the X-API-Key header or as Authorization: Bearer <key>.",
  },
  api_key_in_query: {
    status: 401,
    doc: "API keys are refused in the URL (they end up in logs): send it in the X-API-Key header instead.",
  },
  api_key_invalid: {
    status: 401,
    doc: "The API key is not known: check it was copied whole, or create a new one with `modelgate keys create`.",
  },
  api_key_revoked: {
    status: 401,
    doc: "The API key was revoked: create a new one with `modelgate keys create`.",
  },
  api_key_expired: {
    status: 401,
    doc: "The API key has expired: create a new one with `modelgate keys create --expires`.",
  },
  metrics_unauthorized: {
    status: 401,
    doc: "GET /metrics needs the METRICS_TOKEN the service was started with, sent as Authorization: Bearer <token>.",
  },
  // 402
  insufficient_balance: {
    status: 402,
    doc: "The external auth service refused to pay for the request (the key's balance is used up); its reason is given: top up the account, then retry.",
  },
  // 403: you may not
  scope_missing: {
    status: 403,
    doc: "The API key lacks the scope this endpoint needs: create a key with that scope.",
  },
  model_forbidden: {
    status: 403,
    doc: "The API key is limited to other models: create a key that lists this model (--models).",
  },
  // 404
  not_found: { status: 404, doc: "No such route: see /docs for the API." },
  model_not_found: {
    status: 404,
    doc: "No model is registered under this id: list them with GET /api/v1/models or `modelgate models list`.",
  },
  key_not_found: {
    status: 404,
    doc: "No API key has this id: list them with `modelgate keys list`.",
  },
  // 408
  request_timeout: {
    status: 408,
    doc: "The request (headers and body) did not arrive within the server's time limit: send it whole, promptly.",
  },
  // 409
  conflict: { status: 409, doc: "The resource already exists." },
  // 413
  payload_too_large: {
    status: 413,
    doc: "The request body is larger than the server accepts: in bytes (MODELGATE_BODY_LIMIT_BYTES), or as JSON (nesting, objects and arrays, fields of one object); the limit is named.",
  },
  batch_too_large: {
    status: 413,
    doc: "The batch has more inputs than the model's max_batch_size: split it.",
  },
  // 414, 415, 431
  uri_too_long: {
    status: 414,
    doc: "The URL is longer than the server reads: send long data in the body instead.",
  },
  unsupported_media_type: {
    status: 415,
    doc: "The body's Content-Type or Content-Encoding is not accepted: send JSON with Content-Type: application/json, uncompressed.",
  },
  headers_too_large: {
    status: 431,
    doc: "The request headers are larger than the server reads: send fewer or smaller headers.",
  },
  // 422
  invalid_input: {
    status: 422,
    doc: "The inputs do not match the model's input schema; bad fields are named (at most 20, with the count of the rest).",
  },
  invalid_request: {
    status: 422,
    doc: "The request parameters are invalid; bad fields are named (at most 20, with the count of the rest).",
  },
  spec_invalid: {
    status: 422,
    doc: "The model package's modelgate.json is invalid; the bad field is named.",
  },
  // 429
  rate_limited: {
    status: 429,
    doc: "The API key's rate limit is used up: wait for Retry-After seconds.",
  },
  auth_failures_limited: {
    status: 429,
    doc: "Too many requests with invalid API keys came from this address: wait for Retry-After seconds, then send a valid key.",
  },
  // 503: cannot be served now — configuration or a dependency, never a bug
  model_unavailable: {
    status: 503,
    doc: "The model cannot be served now; the reason names what is missing.",
  },
  model_invalid: {
    status: 503,
    doc: "The model package is invalid (spec or ONNX file); the problem is named.",
  },
  source_credentials_missing: {
    status: 503,
    doc: "A setting the model's source needs is not set; the variable is named.",
  },
  source_unauthorized: { status: 503, doc: "The model source refused the configured credentials." },
  source_not_found: {
    status: 503,
    doc: "The model's repository, revision or file does not exist at its source.",
  },
  source_unreachable: {
    status: 503,
    doc: "The model's source could not be reached: retry after Retry-After seconds.",
  },
  source_too_large: {
    status: 503,
    doc: "The model's source delivered more than a limit allows (package size, archive entries or metadata, decompression ratio); the limit and the setting that changes it are named.",
  },
  source_unsupported: {
    status: 503,
    doc: "The model's source holds something modelgate does not serve or read (an MLflow model without the onnx flavor, an artifact store or tracking URI it cannot reach); the sentence names it and what to do (for a flavor: how to export ONNX).",
  },
  source_file_refused: {
    status: 503,
    doc: "A file of a folder source's package is not a regular file (a link, a device, a FIFO) and is never read: put the file itself in the folder.",
  },
  store_unavailable: { status: 503, doc: "The database cannot be reached." },
  auth_unavailable: {
    status: 503,
    doc: "The external auth service cannot be reached; keys are never allowed blindly.",
  },
  not_ready: { status: 503, doc: "The service is not ready; every failing check is listed." },
  config_invalid: {
    status: 503,
    doc: "The configuration is invalid; every bad variable is named.",
  },
  // 500: a bug in modelgate
  internal_error: {
    status: 500,
    doc: "An unexpected error inside modelgate; it was logged with the request id.",
  },
} as const satisfies Record<string, { status: number; doc: string }>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

/** One problem with one field, as listed in a 422. */
export interface FieldProblem {
  field: string;
  problem: string;
}

/**
 * An error answer lists at most this many problems and counts the rest: a body with thousands
 * of bad fields must not buy an answer (and the work of building it) thousands of times larger.
 */
export const MAX_LISTED_PROBLEMS = 20;
/** Longest `detail`, field name or problem sentence an answer carries (the rest is cut with …). */
const MAX_DETAIL_CHARS = 2_000;
const MAX_FIELD_CHARS = 200;
const MAX_PROBLEM_CHARS = 400;

export interface ModelgateErrorOptions {
  /** Per-field problems (422); past MAX_LISTED_PROBLEMS they are counted, not kept. */
  errors?: FieldProblem[];
  /** Problems found but not built (the caller stopped collecting): added to the count. */
  errorsOmitted?: number;
  /** Extra response headers (Retry-After, ...). */
  headers?: Record<string, string>;
  cause?: unknown;
}

/** `text` cut to `max` characters, marked with … when cut. */
export function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function clipProblem(p: FieldProblem): FieldProblem {
  return { field: clip(p.field, MAX_FIELD_CHARS), problem: clip(p.problem, MAX_PROBLEM_CHARS) };
}

export class ModelgateError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly errors: FieldProblem[] | undefined;
  /** How many problems were found beyond those in `errors`. */
  readonly errorsOmitted: number;
  readonly headers: Record<string, string> | undefined;

  constructor(code: ErrorCode, detail?: string, options: ModelgateErrorOptions = {}) {
    super(
      clip(detail ?? ERROR_CATALOGUE[code].doc, MAX_DETAIL_CHARS),
      options.cause ? { cause: options.cause } : undefined,
    );
    this.name = "ModelgateError";
    this.code = code;
    this.status = ERROR_CATALOGUE[code].status;
    const all = options.errors;
    this.errors = all?.slice(0, MAX_LISTED_PROBLEMS).map(clipProblem);
    this.errorsOmitted =
      (options.errorsOmitted ?? 0) + Math.max((all?.length ?? 0) - MAX_LISTED_PROBLEMS, 0);
    this.headers = options.headers;
  }

  get detail(): string {
    return this.message;
  }
}

export function isModelgateError(err: unknown): err is ModelgateError {
  return err instanceof ModelgateError;
}

/** Problems spelled out in a `detail` sentence (all listed ones are in `errors`). */
export const PROBLEMS_IN_DETAIL = 10;

/**
 * Field problems as one sentence for `detail`. Past PROBLEMS_IN_DETAIL the count comes first,
 * so a sentence cut at its maximum length still says how many there are. `omitted` counts
 * problems the caller found but did not build.
 */
export function describeProblems(problems: readonly FieldProblem[], omitted = 0): string {
  const shown = problems.slice(0, PROBLEMS_IN_DETAIL).map(clipProblem);
  const total = problems.length + omitted;
  const text = shown.map((p) => `${p.field}: ${p.problem}`).join("; ");
  return total > shown.length ? `${total} problems, the first ${shown.length}: ${text}` : text;
}
