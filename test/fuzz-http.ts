/**
 * The fuzzers' wire: requests written byte for byte on a fresh connection (TCP or the admin
 * UNIX socket), every answer read back (pipelined ones too), and the checks every answer must
 * pass — no 500, the one error envelope, no API key, a bounded size. Shared by
 * test/fuzz.test.ts and bench/fuzz.mjs (`npm run fuzz`).
 */
import { connect } from "node:net";
import { ERROR_CATALOGUE } from "../src/errors.js";

export interface WireAnswer {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  /** The whole answer as received (status line, headers, body), for the secrets check. */
  raw: Buffer;
}

export interface Exchange {
  answers: WireAnswer[];
  /** Bytes after the last whole answer that are not an HTTP answer (a protocol violation). */
  garbage: string;
  /** Neither the answers expected nor a close arrived within waitMs. */
  timedOut: boolean;
}

export type Endpoint = { host: string; port: number } | { socketPath: string };

export function endpointOf(url: string): Endpoint {
  const { hostname, port } = new URL(url);
  return { host: hostname, port: Number(port) };
}

const HEAD_END = Buffer.from("\r\n\r\n");

interface Parsed {
  answer: WireAnswer;
  used: number;
}

/** Chunked body starting at `at`: [body, bytes used], or null while incomplete. */
function dechunk(buf: Buffer, at: number): [Buffer, number] | null {
  const parts: Buffer[] = [];
  let pos = at;
  for (;;) {
    const lineEnd = buf.indexOf("\r\n", pos);
    if (lineEnd === -1) return null;
    const size = Number.parseInt(buf.subarray(pos, lineEnd).toString("latin1"), 16);
    if (!Number.isFinite(size)) throw new Error("bad chunk size in an answer");
    const dataStart = lineEnd + 2;
    if (size === 0) {
      const end = buf.indexOf(HEAD_END, lineEnd);
      if (end === -1 && buf.length < dataStart + 2) return null;
      return [Buffer.concat(parts), end === -1 ? dataStart + 2 : end + 4];
    }
    if (buf.length < dataStart + size + 2) return null;
    parts.push(buf.subarray(dataStart, dataStart + size));
    pos = dataStart + size + 2;
  }
}

/**
 * One answer from the front of `buf`; null while incomplete. `closed`: the server closed the
 * connection, so an answer without a length ends here. `head`: it answers a HEAD (no body).
 */
function parseAnswer(buf: Buffer, head: boolean, closed: boolean): Parsed | null {
  const headEnd = buf.indexOf(HEAD_END);
  if (headEnd === -1) return null;
  const lines = buf.subarray(0, headEnd).toString("latin1").split("\r\n");
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? "")?.[1] ?? Number.NaN);
  if (!Number.isInteger(status)) throw new Error(`not an HTTP answer: ${lines[0]?.slice(0, 80)}`);
  const headers: Record<string, string> = {};
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    const name = line.slice(0, colon).toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = name in headers ? `${headers[name]}, ${value}` : value;
  }
  const start = headEnd + 4;
  let body: Buffer;
  let used: number;
  if (head || status === 204 || status === 304 || (status >= 100 && status < 200)) {
    body = Buffer.alloc(0);
    used = start;
  } else if (/chunked/i.test(headers["transfer-encoding"] ?? "")) {
    const result = dechunk(buf, start);
    if (!result) return null;
    [body, used] = result;
  } else if (headers["content-length"] !== undefined) {
    const length = Number(headers["content-length"]);
    if (buf.length < start + length) return null;
    body = buf.subarray(start, start + length);
    used = start + length;
  } else {
    if (!closed) return null;
    body = buf.subarray(start);
    used = buf.length;
  }
  return { answer: { status, headers, body, raw: buf.subarray(0, used) }, used };
}

/**
 * Writes `bytes` on a fresh connection and reads answers until `expect` final answers came
 * (then the connection is dropped), the server closed it, or `waitMs` passed. `methods[i]` is
 * the method of the i-th request (HEAD answers have no body).
 */
export function exchange(
  endpoint: Endpoint,
  bytes: Buffer,
  options: { expect: number; methods: string[]; waitMs: number },
): Promise<Exchange> {
  return new Promise((resolve) => {
    const socket =
      "socketPath" in endpoint
        ? connect({ path: endpoint.socketPath })
        : connect({ host: endpoint.host, port: endpoint.port });
    let buf = Buffer.alloc(0);
    const answers: WireAnswer[] = [];
    let garbage = "";
    let finished = false;
    const finish = (timedOut: boolean) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ answers, garbage, timedOut });
    };
    const drain = (closed: boolean) => {
      try {
        for (;;) {
          const head = (options.methods[answers.length] ?? "GET").toUpperCase() === "HEAD";
          const parsed = parseAnswer(buf, head, closed);
          if (!parsed) break;
          buf = buf.subarray(parsed.used);
          // 100 Continue and other interim answers precede the real one.
          if (parsed.answer.status >= 200) answers.push(parsed.answer);
          if (answers.length >= options.expect) return finish(false);
        }
      } catch (err) {
        garbage = `${(err as Error).message}: ${buf.subarray(0, 120).toString("latin1")}`;
        return finish(false);
      }
      if (closed) {
        // A request refused by the parser is answered with a body even when it was a HEAD
        // (the server could not tell): its declared length, then the close.
        const last = answers[answers.length - 1];
        if (
          last &&
          last.body.length === 0 &&
          Number(last.headers["content-length"]) === buf.length
        ) {
          answers[answers.length - 1] = {
            ...last,
            body: buf,
            raw: Buffer.concat([last.raw, buf]),
          };
        } else if (buf.length > 0) {
          garbage = buf.subarray(0, 120).toString("latin1");
        }
        finish(false);
      }
    };
    const timer = setTimeout(() => finish(true), options.waitMs);
    socket.on("data", (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      drain(false);
    });
    // A reset after the server answered and closed (it may not read what we still sent).
    socket.on("error", () => drain(true));
    socket.on("close", () => drain(true));
    socket.on("connect", () => {
      socket.write(bytes, () => undefined);
    });
  });
}

/** What a request was, as far as the checks need to know. */
export interface SentRequest {
  method: string;
  /** The path without its query (as sent, still percent-encoded). */
  path: string;
  /** The public HTTP API, or the admin socket (whose POST /keys answer shows the new key). */
  surface: "public" | "admin";
}

/** The largest error answer accepted: 20 problems of bounded size and a detail sentence. */
export const MAX_ERROR_ANSWER_BYTES = 64 * 1024;

const CODES = new Set(Object.keys(ERROR_CATALOGUE));

/** Answers whose 503 body is not the envelope by contract: readiness and a model's health. */
function documented503(req: SentRequest, body: unknown): string | null {
  if (typeof body !== "object" || body === null) return "a 503 whose body is not JSON";
  const b = body as Record<string, unknown>;
  if (req.surface === "public" && /^\/+ready\/?$/.test(req.path)) {
    return b.status === "not_ready" && Array.isArray(b.checks) && b.checks.length > 0
      ? null
      : "a /ready 503 without its failing checks";
  }
  // The Open Inference Protocol's readiness: {"ready": false} and why, in its error field.
  if (req.surface === "public" && /^\/+v2\/health\/ready\/?$/.test(req.path)) {
    return b.ready === false && typeof b.error === "string" && b.error.length > 10
      ? null
      : "a /v2/health/ready 503 without why";
  }
  if (req.surface === "public" && /\/health\/?$/.test(req.path) && "model_id" in b) {
    return b.healthy === false && b.last_error !== null ? null : "a model health 503 without why";
  }
  return "envelope";
}

/**
 * Every problem with one answer: a 5xx other than a 503 with a code of the catalogue, an error
 * not in the envelope (or with a code whose status is another), an oversized error answer, a
 * secret anywhere in the answer.
 */
export function answerProblems(
  req: SentRequest,
  answer: WireAnswer,
  secrets: readonly string[],
): string[] {
  const problems: string[] = [];
  const { status } = answer;
  const text = answer.raw.toString("utf8");
  for (const secret of secrets) {
    if (secret && text.includes(secret))
      problems.push(`an API key (${secret.slice(0, 12)}…) in the answer`);
  }
  if (status < 400) return problems;
  if (status >= 500 && status !== 503) problems.push(`status ${status}`);
  if (answer.body.length > MAX_ERROR_ANSWER_BYTES) {
    problems.push(`a ${answer.body.length}-byte error answer`);
  }
  if (req.method.toUpperCase() === "HEAD") return problems;
  let body: unknown;
  try {
    body = JSON.parse(answer.body.toString("utf8")) as unknown;
  } catch {
    problems.push(`a ${status} whose body is not JSON: ${answer.body.subarray(0, 80).toString()}`);
    return problems;
  }
  if (status === 503) {
    const why = documented503(req, body);
    if (why === null) return problems;
    if (why !== "envelope") {
      problems.push(why);
      return problems;
    }
  }
  // Refusals before routing (400, 408, 414, 431) are in the envelope on every path.
  const enveloped = typeof body === "object" && body !== null && "code" in body;
  if (req.surface === "public" && /^\/+v2(\/|$)/.test(req.path) && !enveloped) {
    problems.push(...oipProblems(status, body));
    return problems;
  }
  problems.push(...envelopeProblems(status, body, answer.headers));
  return problems;
}

/**
 * The Open Inference Protocol's routes (/v2) answer errors as its clients read them,
 * `{"error": "<sentence>"}` (src/server/routes/oip/errors.ts); the status still from the catalogue.
 */
function oipProblems(status: number, body: unknown): string[] {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    return [`a /v2 ${status} whose body is not an object`];
  }
  const b = body as Record<string, unknown>;
  if (typeof b.error !== "string" || b.error.trim().length < 10) {
    return [`a /v2 ${status} without an error sentence`];
  }
  const statuses = new Set<number>(Object.values(ERROR_CATALOGUE).map((e) => e.status));
  return statuses.has(status) || status === 400 ? [] : [`a /v2 answer with status ${status}`];
}

/** `{detail, code, request_id}`, the code in the catalogue with this status. */
export function envelopeProblems(
  status: number,
  body: unknown,
  headers: Record<string, string>,
): string[] {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    return [`a ${status} whose body is not an object`];
  }
  const b = body as Record<string, unknown>;
  const problems: string[] = [];
  if (typeof b.detail !== "string" || b.detail.trim().length < 10) {
    problems.push(`a ${status} without a detail sentence`);
  }
  if (typeof b.code !== "string" || !CODES.has(b.code)) {
    problems.push(`a ${status} with code ${JSON.stringify(b.code)}, not in the catalogue`);
  } else if (ERROR_CATALOGUE[b.code as keyof typeof ERROR_CATALOGUE].status !== status) {
    problems.push(`code ${b.code} answered with status ${status}`);
  }
  if (typeof b.request_id !== "string" || b.request_id === "") {
    problems.push(`a ${status} without a request_id`);
  } else if (headers["x-request-id"] !== undefined && headers["x-request-id"] !== b.request_id) {
    problems.push(`request_id ${b.request_id} is not the X-Request-Id header's`);
  }
  const extra = Object.keys(b).filter(
    (k) => !["detail", "code", "request_id", "errors", "errors_omitted"].includes(k),
  );
  if (extra.length > 0) problems.push(`envelope fields beyond the contract: ${extra.join(", ")}`);
  if (status !== 500 && b.code === "internal_error") problems.push("internal_error");
  return problems;
}
