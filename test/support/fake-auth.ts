/**
 * A fake of the external auth service (POST /api/v1/keys/validate) on 127.0.0.1, real HTTP,
 * for the external auth client and the multi-replica tests. Modes: normal, slow (answers after
 * `slowMs`), down (resets every connection), limited (429 with Retry-After), error (HTTP 500),
 * garbage (200 with a body that names no user).
 */
import { createServer } from "node:http";
import type { IncomingMessage, ServerResponse } from "node:http";

export type FakeAuthMode = "normal" | "slow" | "down" | "limited" | "error" | "garbage";

export interface FakeKey {
  user_id: string;
  key_id: string;
  scopes: string[];
  rate_limit_per_hour: number | null;
}

export interface FakeAuthRequest {
  authorization: string | undefined;
  body: string;
}

export interface FakeAuth {
  readonly url: string;
  /** Requests to the validate endpoint, whatever the mode answered. */
  readonly count: number;
  readonly requests: readonly FakeAuthRequest[];
  mode: FakeAuthMode;
  slowMs: number;
  retryAfter: string;
  /** Keys the service accepts, by the key itself. */
  keys: Map<string, FakeKey>;
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => (data += chunk));
    req.on("end", () => resolve(data));
    req.on("error", reject);
  });
}

function json(res: ServerResponse, status: number, body: unknown, headers = {}): void {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(body));
}

export async function startFakeAuth(keys: Record<string, FakeKey> = {}): Promise<FakeAuth> {
  const requests: FakeAuthRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const state = {
    mode: "normal" as FakeAuthMode,
    slowMs: 5_000,
    retryAfter: "30",
    keys: new Map(Object.entries(keys)),
  };

  function answer(req: IncomingMessage, res: ServerResponse): void {
    const match = /^Bearer (\S+)$/.exec(req.headers.authorization ?? "");
    const found = match?.[1] === undefined ? undefined : state.keys.get(match[1]);
    if (state.mode === "limited") {
      json(res, 429, { detail: "rate limit exceeded" }, { "retry-after": state.retryAfter });
    } else if (state.mode === "error") {
      json(res, 500, { detail: "internal error" });
    } else if (state.mode === "garbage") {
      json(res, 200, { ok: true });
    } else if (found) {
      json(res, 200, found);
    } else {
      json(res, 401, { detail: "invalid API key" });
    }
  }

  const server = createServer(async function fakeAuth(req, res) {
    if (req.method !== "POST" || req.url !== "/api/v1/keys/validate") {
      json(res, 404, { detail: "not found" });
      return;
    }
    const body = await readBody(req);
    requests.push({ authorization: req.headers.authorization, body });
    if (state.mode === "down") {
      req.socket.destroy();
      return;
    }
    if (state.mode === "slow") {
      const timer = setTimeout(() => {
        timers.delete(timer);
        answer(req, res);
      }, state.slowMs);
      timers.add(timer);
      return;
    }
    answer(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no TCP address");

  return {
    url: `http://127.0.0.1:${address.port}`,
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
    keys: state.keys,
    async close() {
      for (const timer of timers) clearTimeout(timer);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
