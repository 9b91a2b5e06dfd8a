/**
 * HTTP to the external auth service: keep-alive connections (a validation should not pay a
 * TCP and TLS handshake each), every call bounded by one deadline covering connect, headers and
 * body, and an answer bounded in size.
 *
 * Why not the global fetch: its connection pool is shared with the whole process and cannot be
 * flushed. After a network that swallowed packets comes back, the connections that lived
 * through it stay silent for good, and fetch kept handing them out (measured: the first calls
 * after the network returned timed out), which held the circuit breaker open for another
 * cool-down. Here a call that fails at the network level retires the whole pool: new calls get
 * fresh connections at once, and the old pool is destroyed once its calls have had their time.
 */
import { Agent as HttpAgent, request as httpRequest } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import type { IncomingMessage } from "node:http";

export interface TransportAnswer {
  status: number;
  retryAfter: string | null;
  text: string;
}

export interface AuthTransport {
  /** POST `body`; rejects with a TimeoutError past `timeoutMs`, or the network error. */
  post(
    url: URL,
    headers: Record<string, string>,
    body: string,
    timeoutMs: number,
  ): Promise<TransportAnswer>;
  close(): void;
}

/** A validation answer is a small JSON object; more is not an answer. */
const MAX_ANSWER_BYTES = 64 * 1024;

class TimeoutError extends Error {
  override name = "TimeoutError";
}

export function keepAliveTransport(): AuthTransport {
  // Up to 64 usage reports (USAGE_REPORT_CONCURRENCY) in flight still leave validations room.
  const options = { keepAlive: true, keepAliveMsecs: 10_000, maxSockets: 128, maxFreeSockets: 64 };
  let http = new HttpAgent(options);
  let https = new HttpsAgent(options);

  function retire(timeoutMs: number): void {
    const old = [http, https];
    http = new HttpAgent(options);
    https = new HttpsAgent(options);
    setTimeout(() => old.forEach((agent) => agent.destroy()), timeoutMs).unref();
  }

  function post(url: URL, headers: Record<string, string>, body: string, timeoutMs: number) {
    return new Promise<TransportAnswer>((resolve, reject) => {
      const secure = url.protocol === "https:";
      const send = secure ? httpsRequest : httpRequest;
      const req = send(url, {
        method: "POST",
        agent: secure ? https : http,
        headers: { ...headers, "content-length": String(Buffer.byteLength(body)) },
      });
      let settled = false;
      const timer = setTimeout(() => {
        req.destroy(new TimeoutError(`no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      const fail = (err: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        retire(timeoutMs);
        reject(err);
      };
      req.on("error", fail);
      req.on("response", (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on("data", (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_ANSWER_BYTES) {
            req.destroy(new Error(`answered more than ${MAX_ANSWER_BYTES} bytes`));
            return;
          }
          chunks.push(chunk);
        });
        res.on("error", fail);
        res.on("close", () => fail(new Error("the connection closed before the answer ended")));
        res.on("end", () => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          const retryAfter = res.headers["retry-after"];
          resolve({
            status: res.statusCode ?? 0,
            retryAfter: typeof retryAfter === "string" ? retryAfter : null,
            text: Buffer.concat(chunks).toString("utf8"),
          });
        });
      });
      req.end(body);
    });
  }

  return {
    post,
    close() {
      http.destroy();
      https.destroy();
    },
  };
}
