/**
 * A fake of the seeds' external auth service on 127.0.0.1, real HTTP, for the external auth
 * client, usage reporting and the multi-replica tests:
 *
 * - `POST /api/v1/keys/validate` — the key as Bearer, `{"service_id"}`; 200 with the key's
 *   record (`user_id`, or only the nested `user.id` of the newer answers; scopes as given,
 *   unknown ones included; `has_sufficient_balance` and `balance` when the key has a balance),
 *   401 for an unknown key.
 * - `POST /api/v1/usage/{key_id}` — a usage report; kept in `usage` only when answered 201.
 * - `POST /api/v1/usage/{key_id}/debit` — takes `predictions_count` from the key's balance
 *   (keys without a balance are not billed); 402 `{"detail": {"error", "message"}}` when it is
 *   short, 404 for an unknown key id.
 *
 * Each endpoint has its own mode: normal, slow (answers after `slowMs`), down (resets every
 * connection), limited (429 with Retry-After), error (`errorStatus`, 500 by default, with
 * Retry-After on a 503), garbage (validate: 200 naming no user). `stop()` closes the port
 * (connection refused) until `start()` opens the same port again.
 */
import { createServer } from "node:http";
import type { IncomingMessage, ServerResponse } from "node:http";

export type FakeAuthMode = "normal" | "slow" | "down" | "limited" | "error" | "garbage";

export interface FakeKey {
  /** Omit it (and give `user`) for the seeds' newer answers. */
  user_id?: string;
  user?: { id: string; email?: string };
  key_id: string;
  scopes: string[];
  rate_limit_per_hour: number | null;
  /** The models the key may use; absent: all. */
  model_ids?: string[];
  /** Credits left; absent: the key is never billed (debits always succeed). */
  balance?: number;
}

export interface FakeAuthRequest {
  authorization: string | undefined;
  body: string;
}

/** A usage report or a debit the fake received and answered with success. */
export interface FakeUsageRow {
  keyId: string;
  body: Record<string, unknown>;
  headers: IncomingMessage["headers"];
}

export interface FakeAuth {
  readonly url: string;
  /** Requests to the validate endpoint, whatever the mode answered. */
  readonly count: number;
  readonly requests: readonly FakeAuthRequest[];
  /** The validate endpoint's mode. */
  mode: FakeAuthMode;
  usageMode: FakeAuthMode;
  debitMode: FakeAuthMode;
  slowMs: number;
  retryAfter: string;
  /** The status of mode "error" (every endpoint). */
  errorStatus: number;
  /** Keys the service accepts, by the key itself. */
  keys: Map<string, FakeKey>;
  /** Usage reports accepted (answered 201), in arrival order. */
  readonly usage: readonly FakeUsageRow[];
  /** Usage report requests received, whatever the mode answered. */
  readonly usageReceived: number;
  /** Debits accepted (answered 200). */
  readonly debits: readonly FakeUsageRow[];
  readonly debitsReceived: number;
  /** Close the port: every call is refused until start(). */
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

const MAX_BODY = 64 * 1024;

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => {
      data += chunk;
      if (data.length > MAX_BODY) req.destroy(new Error("body too large"));
    });
    req.on("end", () => resolve(data));
    req.on("error", reject);
  });
}

function json(res: ServerResponse, status: number, body: unknown, headers = {}): void {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(body));
}

function parse(body: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(body);
    return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

const USAGE_PATH = /^\/api\/v1\/usage\/([^/?]+)(\/debit)?$/;

export async function startFakeAuth(keys: Record<string, FakeKey> = {}): Promise<FakeAuth> {
  const requests: FakeAuthRequest[] = [];
  const usage: FakeUsageRow[] = [];
  const debits: FakeUsageRow[] = [];
  const received = { usage: 0, debits: 0 };
  const timers = new Set<NodeJS.Timeout>();
  const state = {
    mode: "normal" as FakeAuthMode,
    usageMode: "normal" as FakeAuthMode,
    debitMode: "normal" as FakeAuthMode,
    slowMs: 5_000,
    retryAfter: "30",
    errorStatus: 500,
    keys: new Map(Object.entries(keys)),
  };
  const byKeyId = (keyId: string) => [...state.keys.values()].find((k) => k.key_id === keyId);

  function validate(req: IncomingMessage, res: ServerResponse): void {
    const match = /^Bearer (\S+)$/.exec(req.headers.authorization ?? "");
    const found = match?.[1] === undefined ? undefined : state.keys.get(match[1]);
    if (state.mode === "garbage") return json(res, 200, { ok: true });
    if (!found) return json(res, 401, { detail: "Invalid or expired API key" });
    const { balance, ...record } = found;
    json(res, 200, {
      ...record,
      service_id: "platform",
      ...(balance === undefined ? {} : { has_sufficient_balance: balance > 0, balance }),
    });
  }

  function recordUsage(row: FakeUsageRow, res: ServerResponse): void {
    usage.push(row);
    json(res, 201, { message: "Usage recorded successfully" });
  }

  function debit(row: FakeUsageRow, res: ServerResponse): void {
    const key = byKeyId(row.keyId);
    if (!key) return json(res, 404, { detail: "API key not found" });
    const count = typeof row.body.predictions_count === "number" ? row.body.predictions_count : 1;
    if (key.balance !== undefined) {
      if (key.balance < count) {
        return json(res, 402, {
          detail: {
            error: "INSUFFICIENT_BALANCE",
            message: `Insufficient balance: ${key.balance} credits left, ${count} needed`,
          },
        });
      }
      key.balance -= count;
    }
    debits.push(row);
    json(res, 200, { debited: count, balance: key.balance ?? null });
  }

  /** Answers per the endpoint's mode; `answer` is the normal behaviour. */
  function withMode(
    mode: FakeAuthMode,
    req: IncomingMessage,
    res: ServerResponse,
    answer: () => void,
  ): void {
    if (mode === "down") {
      req.socket.destroy();
    } else if (mode === "limited") {
      json(res, 429, { detail: "rate limit exceeded" }, { "retry-after": state.retryAfter });
    } else if (mode === "error") {
      const headers: Record<string, string> =
        state.errorStatus === 503 ? { "retry-after": state.retryAfter } : {};
      json(res, state.errorStatus, { detail: "internal error" }, headers);
    } else if (mode === "slow") {
      const timer = setTimeout(() => {
        timers.delete(timer);
        answer();
      }, state.slowMs);
      timers.add(timer);
    } else {
      answer();
    }
  }

  const server = createServer(async function fakeAuth(req, res) {
    if (req.method !== "POST") return json(res, 405, { detail: "method not allowed" });
    const body = await readBody(req).catch(() => undefined);
    if (body === undefined) return;
    if (req.url === "/api/v1/keys/validate") {
      requests.push({ authorization: req.headers.authorization, body });
      return withMode(state.mode, req, res, () => validate(req, res));
    }
    const match = USAGE_PATH.exec(req.url ?? "");
    if (!match?.[1]) return json(res, 404, { detail: "not found" });
    const row = { keyId: decodeURIComponent(match[1]), body: parse(body), headers: req.headers };
    if (match[2]) {
      received.debits += 1;
      return withMode(state.debitMode, req, res, () => debit(row, res));
    }
    received.usage += 1;
    return withMode(state.usageMode, req, res, () => recordUsage(row, res));
  });
  // A real service keeps connections alive for a while; so does this one.
  server.keepAliveTimeout = 30_000;

  let port = 0;
  async function listen(): Promise<void> {
    await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
    const address = server.address();
    if (address === null || typeof address === "string") throw new Error("no TCP address");
    port = address.port;
  }
  async function unlisten(): Promise<void> {
    for (const timer of timers) clearTimeout(timer);
    timers.clear();
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  }
  await listen();

  return {
    url: `http://127.0.0.1:${port}`,
    get count() {
      return requests.length;
    },
    requests,
    get mode() {
      return state.mode;
    },
    set mode(mode: FakeAuthMode) {
      state.mode = mode;
    },
    get usageMode() {
      return state.usageMode;
    },
    set usageMode(mode: FakeAuthMode) {
      state.usageMode = mode;
    },
    get debitMode() {
      return state.debitMode;
    },
    set debitMode(mode: FakeAuthMode) {
      state.debitMode = mode;
    },
    get slowMs() {
      return state.slowMs;
    },
    set slowMs(ms: number) {
      state.slowMs = ms;
    },
    get retryAfter() {
      return state.retryAfter;
    },
    set retryAfter(value: string) {
      state.retryAfter = value;
    },
    get errorStatus() {
      return state.errorStatus;
    },
    set errorStatus(status: number) {
      state.errorStatus = status;
    },
    keys: state.keys,
    usage,
    get usageReceived() {
      return received.usage;
    },
    debits,
    get debitsReceived() {
      return received.debits;
    },
    stop: unlisten,
    start: listen,
    close: async () => {
      if (server.listening) await unlisten();
    },
  };
}
