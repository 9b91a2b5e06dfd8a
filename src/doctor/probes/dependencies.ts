/**
 * Step 6, dependencies: can PostgreSQL and Redis be reached within the timeout, from the host
 * doctor runs on (said, with the local address the connection left from). The seeds' second
 * problem was a Redis security-group rule: a connection that is never answered. Each probe speaks
 * just enough of the protocol to know a real server answered — PostgreSQL's SSLRequest, Redis's
 * PING (after AUTH when a password is configured) — and then logs in to PostgreSQL.
 */
import { hostname } from "node:os";
import pg from "pg";
import type { ProbeSpec } from "../run-probe.js";
import { seconds, skipped } from "../run-probe.js";
import { converse } from "./tcp.js";
import type { Conversation } from "./tcp.js";

export interface DependencyData {
  name: "postgres" | "redis";
  address: string;
  host: string;
  localAddress: string | null;
  reachable: boolean;
  /** Where it stopped: connect (no TCP connection), answer (no protocol answer), login, or ok. */
  stage: "connect" | "answer" | "login" | "ok";
  reason: string;
  ms: number;
  timeoutMs: number;
}

export interface DependencyTarget {
  /** The URL (credentials masked by the caller's masker), and where it came from. */
  url: string;
  origin: string;
}

function parseUrl(raw: string, schemes: string[], defaultPort: number) {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return null;
  }
  const scheme = url.protocol.replace(/:$/, "");
  if (!schemes.includes(scheme)) return null;
  const host = url.hostname.replace(/^\[|\]$/g, "");
  return { url, scheme, host, port: url.port ? Number(url.port) : defaultPort };
}

function fromWhere(c: Pick<Conversation, "localAddress">): string {
  return `from host ${hostname()}${c.localAddress ? ` (local address ${c.localAddress})` : ""}`;
}

function stalled(
  name: string,
  stage: "connect" | "answer",
  address: string,
  timeoutMs: number,
): string {
  return stage === "connect"
    ? `no TCP connection to ${address} within ${seconds(timeoutMs)}: the packets are dropped on the way (a security group or firewall rule, a route), or the host is down`
    : `${address} accepted the connection but sent no ${name} answer within ${seconds(timeoutMs)}: something between accepts and drops the traffic (a proxy, a load balancer without a healthy target), or the server is stuck`;
}

function resp(parts: string[]): Buffer {
  return Buffer.from(
    `*${parts.length}\r\n${parts.map((p) => `$${Buffer.byteLength(p)}\r\n${p}\r\n`).join("")}`,
  );
}

/** Complete when as many RESP simple lines (+… / -…) as commands sent have arrived. */
const lines = (n: number) => (b: Buffer) => b.toString("latin1").split("\r\n").length - 1 >= n;

export function redisProbe(
  target: DependencyTarget | null,
  authToken: string | undefined,
  timeoutMs: number,
): ProbeSpec<DependencyData> {
  return {
    id: "redis",
    step: "dependencies",
    title: "Reach Redis",
    timeoutMs,
    graceMs: 1000,
    async run() {
      if (!target)
        return skipped(
          "Not checked: no REDIS_URL in doctor's environment and no --redis-url (the service may run without Redis).",
        );
      const parsed = parseUrl(target.url, ["redis", "rediss"], 6379);
      if (!parsed)
        return {
          state: "failed",
          summary: `Not checked: ${target.origin} is not a redis:// or rediss:// URL.`,
        };
      const address = `${parsed.host}:${parsed.port}`;
      const password = parsed.url.password ? decodeURIComponent(parsed.url.password) : authToken;
      const user = parsed.url.username ? decodeURIComponent(parsed.url.username) : null;
      const commands = password
        ? [resp(user ? ["AUTH", user, password] : ["AUTH", password]), resp(["PING"])]
        : [resp(["PING"])];
      const c = await converse({
        host: parsed.host,
        port: parsed.port,
        tls: parsed.scheme === "rediss",
        request: Buffer.concat(commands),
        complete: lines(commands.length),
        timeoutMs,
      });
      const base = {
        name: "redis" as const,
        address,
        host: hostname(),
        localAddress: c.localAddress,
        ms: c.ms,
        timeoutMs,
      };
      const cmd = `redis-cli -u ${parsed.scheme}://${address} PING   # ${fromWhere(c)}`;
      if (!c.outcome.ok) {
        const reason =
          c.outcome.reason.startsWith("no connection") ||
          c.outcome.reason.startsWith("connected, but")
            ? stalled("Redis", c.outcome.stage, address, timeoutMs)
            : `${address}: ${c.outcome.reason}`;
        return {
          state: "problem",
          summary: `Redis at ${address} is unreachable ${fromWhere(c)}: ${reason}.`,
          details: [
            `address ${address} (${target.origin}), timeout ${seconds(timeoutMs)}, gave up after ${c.ms} ms`,
          ],
          commands: [cmd],
          data: { ...base, reachable: false, stage: c.outcome.stage, reason },
        };
      }
      const answer = c.outcome.answer.toString("latin1").split("\r\n").filter(Boolean);
      const last = answer.at(-1) ?? "";
      const auth = answer.find((l) => l.startsWith("-")) ?? "";
      if (last === "+PONG") {
        return {
          state: "ok",
          summary: `Redis at ${address} answers PING in ${c.ms} ms ${fromWhere(c)}${password ? " (AUTH accepted)" : ""}.`,
          commands: [cmd],
          data: { ...base, reachable: true, stage: "ok", reason: "answers PING" },
        };
      }
      const reason = /NOAUTH/.test(auth)
        ? "Redis answers but wants a password: set REDIS_AUTH_TOKEN (or the password in REDIS_URL)"
        : /WRONGPASS|invalid password|invalid username/i.test(auth)
          ? "Redis answers but refuses the password given (WRONGPASS)"
          : `Redis answered "${answer.join(" ").slice(0, 120)}" instead of PONG`;
      return {
        state: "problem",
        summary: `Redis at ${address} is reachable ${fromWhere(c)}, but: ${reason}.`,
        commands: [cmd],
        data: { ...base, reachable: true, stage: "login", reason },
      };
    },
  };
}

/** PostgreSQL's SSLRequest: length 8, code 80877103; a server answers one byte, S or N. */
const SSL_REQUEST = Buffer.from([0, 0, 0, 8, 4, 210, 22, 47]);

async function login(url: string, timeoutMs: number): Promise<string | null> {
  const client = new pg.Client({
    connectionString: url,
    connectionTimeoutMillis: timeoutMs,
    query_timeout: timeoutMs,
  });
  client.on("error", () => undefined);
  try {
    await client.connect();
    await client.query("SELECT 1");
    return null;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  } finally {
    await client.end().catch(() => undefined);
  }
}

export function postgresProbe(
  target: DependencyTarget | null,
  timeoutMs: number,
): ProbeSpec<DependencyData> {
  return {
    id: "postgres",
    step: "dependencies",
    title: "Reach PostgreSQL",
    timeoutMs,
    graceMs: 1000,
    async run() {
      if (!target)
        return skipped(
          "Not checked: no DATABASE_URL in doctor's environment and no --database-url (the service may use its embedded store).",
        );
      const parsed = parseUrl(target.url, ["postgres", "postgresql"], 5432);
      if (!parsed)
        return {
          state: "failed",
          summary: `Not checked: ${target.origin} is not a postgres:// URL.`,
        };
      const address = `${parsed.host}:${parsed.port}`;
      const started = performance.now();
      const c = await converse({
        host: parsed.host,
        port: parsed.port,
        request: SSL_REQUEST,
        complete: (b) => b.length >= 1,
        timeoutMs,
      });
      const base = {
        name: "postgres" as const,
        address,
        host: hostname(),
        localAddress: c.localAddress,
        timeoutMs,
      };
      const cmd = `pg_isready -h ${parsed.host} -p ${parsed.port} -t ${Math.ceil(timeoutMs / 1000)}   # ${fromWhere(c)}`;
      if (!c.outcome.ok) {
        const reason =
          c.outcome.reason.startsWith("no connection") ||
          c.outcome.reason.startsWith("connected, but")
            ? stalled("PostgreSQL", c.outcome.stage, address, timeoutMs)
            : `${address}: ${c.outcome.reason}`;
        return {
          state: "problem",
          summary: `PostgreSQL at ${address} is unreachable ${fromWhere(c)}: ${reason}.`,
          details: [
            `address ${address} (${target.origin}), timeout ${seconds(timeoutMs)}, gave up after ${c.ms} ms`,
          ],
          commands: [cmd],
          data: { ...base, ms: c.ms, reachable: false, stage: c.outcome.stage, reason },
        };
      }
      const byte = String.fromCharCode(c.outcome.answer[0] ?? 0);
      if (byte !== "S" && byte !== "N") {
        const reason = `${address} answered, but not as PostgreSQL does (first byte ${JSON.stringify(byte)})`;
        return {
          state: "problem",
          summary: `${reason} ${fromWhere(c)}.`,
          commands: [cmd],
          data: { ...base, ms: c.ms, reachable: true, stage: "answer", reason },
        };
      }
      const remaining = Math.max(250, timeoutMs - (performance.now() - started));
      const refused = await login(target.url, remaining);
      const ms = Math.round(performance.now() - started);
      if (refused) {
        return {
          state: "problem",
          summary: `PostgreSQL at ${address} answers ${fromWhere(c)}, but the login failed: ${refused}.`,
          commands: [cmd],
          data: { ...base, ms, reachable: true, stage: "login", reason: refused },
        };
      }
      return {
        state: "ok",
        summary: `PostgreSQL at ${address} answers and accepts the login (SELECT 1) in ${ms} ms ${fromWhere(c)}.`,
        commands: [cmd],
        data: { ...base, ms, reachable: true, stage: "ok", reason: "login and SELECT 1" },
      };
    },
  };
}
