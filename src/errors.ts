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
    doc: "The request could not be read (malformed JSON, wrong content type).",
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
  // 409
  conflict: { status: 409, doc: "The resource already exists." },
  // 413
  payload_too_large: { status: 413, doc: "The request body is larger than the server accepts." },
  batch_too_large: {
    status: 413,
    doc: "The batch has more inputs than the model's max_batch_size: split it.",
  },
  // 422
  invalid_input: {
    status: 422,
    doc: "The inputs do not match the model's input schema; every bad field is named.",
  },
  invalid_request: {
    status: 422,
    doc: "The request parameters are invalid; every bad field is named.",
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

export interface ModelgateErrorOptions {
  /** Per-field problems (422). */
  errors?: FieldProblem[];
  /** Extra response headers (Retry-After, ...). */
  headers?: Record<string, string>;
  cause?: unknown;
}

export class ModelgateError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly errors: FieldProblem[] | undefined;
  readonly headers: Record<string, string> | undefined;

  constructor(code: ErrorCode, detail?: string, options: ModelgateErrorOptions = {}) {
    super(
      detail ?? ERROR_CATALOGUE[code].doc,
      options.cause ? { cause: options.cause } : undefined,
    );
    this.name = "ModelgateError";
    this.code = code;
    this.status = ERROR_CATALOGUE[code].status;
    this.errors = options.errors;
    this.headers = options.headers;
  }

  get detail(): string {
    return this.message;
  }
}

export function isModelgateError(err: unknown): err is ModelgateError {
  return err instanceof ModelgateError;
}

/** Join field problems into one sentence for `detail`. */
export function describeProblems(problems: FieldProblem[]): string {
  return problems.map((p) => `${p.field}: ${p.problem}`).join("; ");
}
