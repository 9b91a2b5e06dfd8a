/**
 * A fake Hugging Face Hub for tests: real HTTP on 127.0.0.1, implementing the endpoints
 * @huggingface/hub and modelgate call — model info / revision → sha, tree, paths-info,
 * resolve (LFS files redirect to a separate "CDN" origin, ranged requests honoured), whoami-v2 —
 * with the real Hub's error shape ({"error"} + X-Error-Code / X-Error-Message headers): a
 * private repository answers 401 without a token, 404 to a token without access, and an unknown
 * token gets 401 on every endpoint. Faults make it slow, failing (5xx, 429 + Retry-After), down,
 * or cut a body mid-way; every request is recorded for "one download" assertions.
 */
import { randomBytes } from "node:crypto";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { FakeRepo, FakeRepoSpec } from "./fake-hub-repos.js";
import { buildRepo, defaultRepoSpecs } from "./fake-hub-repos.js";
import type { HubRequest, HubUser } from "./fake-hub-api.js";
import { handleCdn, handleHubApi } from "./fake-hub-api.js";

export * from "./fake-hub-repos.js";
export type { HubUser } from "./fake-hub-api.js";

export type Fault =
  | { kind: "status"; status: number; retryAfter?: number }
  | { kind: "delay"; ms: number }
  /** Destroy the connection before answering. */
  | { kind: "close" }
  /** Send the headers and part of the body, then destroy the connection. */
  | { kind: "cut"; afterBytes?: number };

export interface FaultRule {
  fault: Fault;
  /** Matched against "METHOD /path" (a string matches as a substring). Default: every request. */
  match?: string | RegExp;
  /** How many requests it applies to (default: all until cleared). */
  times?: number;
}

export interface RecordedRequest {
  server: "hub" | "cdn";
  method: string;
  path: string;
  range: string | null;
  ifRange: string | null;
  authorization: boolean;
}

export interface FakeHub {
  /** The Hub's base URL (HF_ENDPOINT). */
  url: string;
  /** Where LFS files are served from after the redirect (a different origin, like the real CDN). */
  cdnUrl: string;
  tokens: { read: string; noAccess: string; forbidden: string };
  repos: Map<string, FakeRepo>;
  requests: RecordedRequest[];
  /** Requests whose "METHOD /path" contains `match` (or matches the RegExp). */
  hits(match: string | RegExp): number;
  fault(rule: FaultRule): void;
  clearFaults(): void;
  /** Stop listening and drop every connection (connection refused), until `up()`. */
  down(): Promise<void>;
  up(): Promise<void>;
  addRepo(spec: FakeRepoSpec): FakeRepo;
  close(): Promise<void>;
}

const CHUNK = 16 * 1024;

function matches(rule: FaultRule, line: string): boolean {
  if (rule.match === undefined) return true;
  return typeof rule.match === "string" ? line.includes(rule.match) : rule.match.test(line);
}

/** Writes a body in chunks; with a cut, stops after `cutAfter` bytes and drops the socket. */
function writeBody(res: ServerResponse, body: Buffer, cutAfter: number | null): void {
  const limit = cutAfter === null ? body.length : Math.min(cutAfter, body.length);
  let at = 0;
  const next = (): void => {
    while (at < limit) {
      const piece = body.subarray(at, Math.min(at + CHUNK, limit));
      at += piece.length;
      if (!res.write(piece)) {
        res.once("drain", next);
        return;
      }
    }
    if (cutAfter === null) res.end();
    else setTimeout(() => res.socket?.destroy(), 20);
  };
  next();
}

export async function startFakeHub(
  options: { repos?: FakeRepoSpec[]; users?: Record<string, HubUser> } = {},
): Promise<FakeHub> {
  const tokens = {
    read: `hf_fake_read_${randomBytes(8).toString("hex")}`,
    noAccess: `hf_fake_outsider_${randomBytes(8).toString("hex")}`,
    forbidden: `hf_fake_finegrained_${randomBytes(8).toString("hex")}`,
  };
  const users = new Map<string, HubUser>(
    Object.entries({
      [tokens.read]: { name: "acme-bot", access: "all" },
      [tokens.noAccess]: { name: "outsider", access: "none" },
      [tokens.forbidden]: { name: "fine-grained", access: "forbidden" },
      ...options.users,
    } satisfies Record<string, HubUser>),
  );
  const repos = new Map<string, FakeRepo>();
  for (const spec of options.repos ?? defaultRepoSpecs()) repos.set(spec.name, buildRepo(spec));
  const requests: RecordedRequest[] = [];
  let faults: FaultRule[] = [];
  let cdnUrl = "";

  const handler = (server: "hub" | "cdn") => async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const method = req.method ?? "GET";
    const line = `${method} ${url.pathname}`;
    const authHeader = req.headers.authorization;
    requests.push({
      server,
      method,
      path: url.pathname,
      range: req.headers.range ?? null,
      ifRange: typeof req.headers["if-range"] === "string" ? req.headers["if-range"] : null,
      authorization: Boolean(authHeader),
    });
    let cutAfter: number | null = null;
    for (const rule of faults) {
      if (!matches(rule, line) || (rule.times ?? Infinity) <= 0) continue;
      rule.times = (rule.times ?? Infinity) - 1;
      const f = rule.fault;
      if (f.kind === "close") return void req.socket.destroy();
      if (f.kind === "delay") await new Promise((resolve) => setTimeout(resolve, f.ms));
      if (f.kind === "cut") cutAfter = f.afterBytes ?? -1;
      if (f.kind === "status") {
        const headers: Record<string, string> = { "Content-Type": "application/json" };
        if (f.retryAfter !== undefined) headers["Retry-After"] = String(f.retryAfter);
        res
          .writeHead(f.status, headers)
          .end(JSON.stringify({ error: `fake hub fault ${f.status}` }));
        return;
      }
    }
    const r: HubRequest = {
      req,
      res,
      url,
      user: null,
      hub: { repos, cdnUrl },
      send(status, headers, body) {
        const bytes = body === undefined ? Buffer.alloc(0) : Buffer.from(body);
        res.writeHead(status, {
          "Content-Length": String(bytes.length),
          "X-Request-Id": randomBytes(6).toString("hex"),
          ...headers,
        });
        if (method === "HEAD") return void res.end();
        writeBody(res, bytes, cutAfter === -1 ? Math.floor(bytes.length / 2) : cutAfter);
      },
      error(status, message, code) {
        const headers: Record<string, string> = {
          "Content-Type": "application/json; charset=utf-8",
          "X-Error-Message": message,
        };
        if (code) headers["X-Error-Code"] = code;
        r.send(status, headers, JSON.stringify({ error: message }));
      },
    };
    if (server === "cdn") return handleCdn(r);
    if (authHeader) {
      // Like the real Hub: an unknown token is refused outright, on every endpoint.
      const user = users.get(authHeader.replace(/^Bearer\s+/i, ""));
      if (!user) return r.error(401, "Invalid credentials in Authorization header");
      r.user = user;
    }
    handleHubApi(r);
  };

  const hubServer = createServer(handler("hub"));
  const cdnServer = createServer(handler("cdn"));
  const listen = (s: Server, port = 0) =>
    new Promise<number>((resolve) =>
      s.listen(port, "127.0.0.1", () => resolve((s.address() as AddressInfo).port)),
    );
  const stop = (s: Server) =>
    new Promise<void>((resolve) => {
      s.closeAllConnections();
      s.close(() => resolve());
    });
  const hubPort = await listen(hubServer);
  const cdnPort = await listen(cdnServer);
  cdnUrl = `http://127.0.0.1:${cdnPort}`;

  return {
    url: `http://127.0.0.1:${hubPort}`,
    cdnUrl,
    tokens,
    repos,
    requests,
    hits: (match) =>
      requests.filter((q) => {
        const line = `${q.method} ${q.path}`;
        return typeof match === "string" ? line.includes(match) : match.test(line);
      }).length,
    fault: (rule) => void faults.push({ ...rule }),
    clearFaults: () => void (faults = []),
    down: async () => {
      await Promise.all([stop(hubServer), stop(cdnServer)]);
    },
    up: async () => {
      await listen(hubServer, hubPort);
      await listen(cdnServer, cdnPort);
    },
    addRepo: (spec) => {
      const repo = buildRepo(spec);
      repos.set(repo.name, repo);
      return repo;
    },
    close: async () => {
      if (hubServer.listening) await stop(hubServer);
      if (cdnServer.listening) await stop(cdnServer);
    },
  };
}
