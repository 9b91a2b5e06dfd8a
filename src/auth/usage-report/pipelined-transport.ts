/**
 * HTTP/1.1 with pipelining, for usage reports only: the seeds' usage endpoint takes one report a
 * call, so a busy replica makes as many calls as it answers requests. Through node:http each
 * call is its own write and read (measured on this project's 2-core machine: ~150-430 µs of CPU
 * a report under load, more than the prediction it reports); here the reports posted in one tick
 * go out in ONE write per connection and their answers come back in a few reads (~20-25 µs a
 * report). Answers come back in order (RFC 9112 §9.3.2), which every HTTP/1.1 server keeps,
 * uvicorn and Node's included.
 *
 * What the reporter needs and no more: POST with a small body, answers with Content-Length,
 * chunked, or up to the close; `Connection: close` honoured; each call bounded by its deadline;
 * answers bounded in size. A failure takes its connection down: the call it hit gets the error,
 * the ones queued behind it get a ConnectionAborted error (sent again by the reporter without
 * counting another failure of the service). Idle connections are closed after IDLE_MS, before
 * a server's keep-alive (uvicorn: 5 s) would close them under a write.
 */
import { connect as netConnect } from "node:net";
import type { Socket } from "node:net";
import { connect as tlsConnect } from "node:tls";
import type { AuthTransport, TransportAnswer } from "../external-transport.js";

export interface PipelinedOptions {
  /** Calls awaiting their answer on one connection. */
  depth?: number;
  /** Connections to one origin. */
  connections?: number;
}

const IDLE_MS = 4_000;
const MAX_HEAD_BYTES = 16 * 1024;
/** A usage answer is a small JSON object; more is not an answer. */
const MAX_BODY_BYTES = 64 * 1024;

const EMPTY = Buffer.alloc(0);

class TimeoutError extends Error {
  override name = "TimeoutError";
}
/** The call was fine; the connection it waited on failed for another call's reason. */
export class ConnectionAborted extends Error {
  override name = "ConnectionAborted";
}

interface Call {
  resolve(answer: TransportAnswer): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout | undefined;
}

interface Head {
  status: number;
  retryAfter: string | null;
  length: number | null;
  chunked: boolean;
  close: boolean;
}

const STATUS_LINE = /^HTTP\/1\.([01]) (\d{3})/;
const HEADER_LINE = /\r\n([!#$%&'*+.^_`|~0-9A-Za-z-]+):[ \t]*([^\r\n]*)/g;

/** The head of an answer, or a sentence saying why it is not one. */
function parseHead(text: string): Head | string {
  const status = STATUS_LINE.exec(text);
  if (!status?.[2]) return "answered something that is not HTTP/1.1";
  const head: Head = {
    status: Number(status[2]),
    retryAfter: null,
    length: null,
    chunked: false,
    close: status[1] === "0",
  };
  HEADER_LINE.lastIndex = 0;
  for (let m = HEADER_LINE.exec(text); m; m = HEADER_LINE.exec(text)) {
    const name = (m[1] ?? "").toLowerCase();
    const value = (m[2] ?? "").trim();
    if (name === "content-length") {
      if (!/^\d+$/.test(value)) return "answered a malformed Content-Length";
      head.length = Number(value);
    } else if (name === "transfer-encoding") {
      head.chunked = /(?:^|,)\s*chunked\s*$/i.test(value);
    } else if (name === "connection") {
      if (/(?:^|,)\s*close\s*(?:,|$)/i.test(value)) head.close = true;
      else if (/(?:^|,)\s*keep-alive\s*(?:,|$)/i.test(value)) head.close = false;
    } else if (name === "retry-after") {
      head.retryAfter = value;
    }
  }
  return head;
}

/** A chunked body from `buf` at `from`: [body, end offset], "more" to wait, or an error. */
function parseChunked(buf: Buffer, from: number): [Buffer, number] | "more" | string {
  const parts: Buffer[] = [];
  let size = 0;
  let at = from;
  for (;;) {
    const eol = buf.indexOf("\r\n", at);
    if (eol < 0) return "more";
    const chunkSize = parseInt(buf.toString("latin1", at, eol).split(";")[0] ?? "", 16);
    if (!Number.isInteger(chunkSize) || chunkSize < 0) return "answered a malformed chunk";
    if (chunkSize === 0) {
      // Trailers (none expected) end with an empty line.
      const end = buf.indexOf("\r\n\r\n", eol);
      if (end < 0) return buf.length - eol > MAX_HEAD_BYTES ? "answered endless trailers" : "more";
      return [Buffer.concat(parts), end + 4];
    }
    size += chunkSize;
    if (size > MAX_BODY_BYTES) return `answered more than ${MAX_BODY_BYTES} bytes`;
    if (buf.length < eol + 2 + chunkSize + 2) return "more";
    parts.push(buf.subarray(eol + 2, eol + 2 + chunkSize));
    at = eol + 2 + chunkSize + 2;
  }
}

class Connection {
  readonly socket: Socket;
  readonly waiting: Call[] = [];
  private outbox: string[] = [];
  private buffered: Buffer = EMPTY;
  private dead = false;
  /** The server said Connection: close: nothing more is sent here. */
  closing = false;

  constructor(
    url: URL,
    private readonly onGone: (c: Connection) => void,
  ) {
    const port = Number(url.port) || (url.protocol === "https:" ? 443 : 80);
    const host = url.hostname.replace(/^\[|\]$/g, "");
    this.socket =
      url.protocol === "https:"
        ? tlsConnect({ host, port, servername: host, ALPNProtocols: ["http/1.1"] })
        : netConnect({ host, port });
    this.socket.setNoDelay(true);
    this.socket.setKeepAlive(true, 10_000);
    this.socket.setTimeout(IDLE_MS);
    this.socket.on("timeout", () => {
      if (this.waiting.length === 0) this.fail(new ConnectionAborted("idle"));
    });
    this.socket.on("data", (chunk: Buffer) => this.read(chunk));
    this.socket.on("end", () => this.read(null));
    this.socket.on("error", (err) => this.fail(err));
    this.socket.on("close", () =>
      this.fail(new Error("the connection closed before the answer ended")),
    );
  }

  get usable(): boolean {
    return !this.dead && !this.closing;
  }

  send(text: string, call: Call): void {
    this.waiting.push(call);
    if (this.outbox.push(text) === 1) {
      // Every call posted in this tick leaves in one write.
      process.nextTick(() => {
        const out = this.outbox.join("");
        this.outbox = [];
        if (!this.dead) this.socket.write(out);
      });
    }
  }

  private read(chunk: Buffer | null): void {
    if (this.dead) return;
    if (chunk) {
      this.buffered = this.buffered.length ? Buffer.concat([this.buffered, chunk]) : chunk;
    }
    const ended = chunk === null;
    const buf = this.buffered;
    // Answers are read from `pos` on; what is left is kept once, at the end.
    let pos = 0;
    let problem: string | undefined;
    let closeAfter = false;
    while (this.waiting.length > 0 && pos < buf.length && !closeAfter) {
      const headEnd = buf.indexOf("\r\n\r\n", pos);
      if (headEnd < 0) {
        if (buf.length - pos > MAX_HEAD_BYTES) problem = "an endless head";
        break;
      }
      const head = parseHead(buf.toString("latin1", pos, headEnd));
      if (typeof head === "string") {
        problem = head;
        break;
      }
      const start = headEnd + 4;
      if (head.status >= 100 && head.status < 200) {
        pos = start;
        continue;
      }
      let text: string;
      let end: number;
      if (head.status === 204 || head.status === 304) {
        text = "";
        end = start;
      } else if (head.chunked) {
        const parsed = parseChunked(buf, start);
        if (parsed === "more") break;
        if (typeof parsed === "string") {
          problem = parsed;
          break;
        }
        text = parsed[0].toString();
        end = parsed[1];
      } else if (head.length !== null) {
        if (head.length > MAX_BODY_BYTES) {
          problem = `answered more than ${MAX_BODY_BYTES} bytes`;
          break;
        }
        if (buf.length < start + head.length) break;
        text = buf.toString("utf8", start, start + head.length);
        end = start + head.length;
      } else {
        // No length: the body runs to the close.
        if (buf.length - start > MAX_BODY_BYTES) {
          problem = `answered more than ${MAX_BODY_BYTES} bytes`;
          break;
        }
        if (!ended) break;
        text = buf.toString("utf8", start);
        end = buf.length;
        head.close = true;
      }
      pos = end;
      const call = this.waiting.shift();
      if (call) {
        clearTimeout(call.timer);
        call.resolve({ status: head.status, retryAfter: head.retryAfter, text });
      }
      closeAfter = head.close;
    }
    this.buffered = pos >= buf.length ? EMPTY : buf.subarray(pos);
    if (problem !== undefined) return this.protocolError(problem);
    if (closeAfter) {
      this.closing = true;
      return this.fail(new ConnectionAborted("the server closed the connection"));
    }
    if (ended) this.fail(new Error("the server closed the connection before answering"));
    else if (this.waiting.length === 0 && this.buffered.length > 0) {
      this.protocolError("answered more than it was asked");
    }
  }

  private protocolError(why: string): void {
    this.fail(new Error(why));
  }

  /** Take the connection down: the first waiting call gets `err`, the others are aborted. */
  fail(err: Error): void {
    if (this.dead) return;
    this.dead = true;
    this.socket.destroy();
    const calls = this.waiting.splice(0);
    calls.forEach((call, i) => {
      clearTimeout(call.timer);
      call.reject(i === 0 ? err : new ConnectionAborted(`aborted: ${err.message}`));
    });
    this.onGone(this);
  }
}

/** What a request line needs from a URL, read once per URL object (URL getters are not free). */
const targets = new WeakMap<URL, { origin: string; head: string }>();
function targetOf(url: URL): { origin: string; head: string } {
  let target = targets.get(url);
  if (!target) {
    target = {
      origin: url.origin,
      head: `POST ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\n`,
    };
    targets.set(url, target);
  }
  return target;
}
const headerBlocks = new WeakMap<Record<string, string>, string>();
function headerBlock(headers: Record<string, string>): string {
  let block = headerBlocks.get(headers);
  if (block === undefined) {
    block = Object.entries(headers)
      .map(([name, value]) => `${name}: ${value}\r\n`)
      .join("");
    headerBlocks.set(headers, block);
  }
  return block;
}

export function pipelinedTransport(options: PipelinedOptions = {}): AuthTransport {
  const depth = options.depth ?? 64;
  const maxConnections = options.connections ?? 8;
  const pools = new Map<string, Connection[]>();
  let closed = false;

  function connectionFor(url: URL, origin: string): Connection | undefined {
    let pool = pools.get(origin);
    if (!pool) {
      pool = [];
      pools.set(origin, pool);
    }
    // Fill one connection before the next: fewer connections, fewer writes.
    const open = pool.find((c) => c.usable && c.waiting.length < depth);
    if (open) return open;
    if (pool.length >= maxConnections) return undefined;
    const list = pool;
    const created = new Connection(url, (gone) => {
      const i = list.indexOf(gone);
      if (i >= 0) list.splice(i, 1);
    });
    list.push(created);
    return created;
  }

  return {
    post(url, headers, body, timeoutMs) {
      return new Promise<TransportAnswer>((resolve, reject) => {
        if (closed) return reject(new ConnectionAborted("the transport is closed"));
        const target = targetOf(url);
        const connection = connectionFor(url, target.origin);
        if (!connection) {
          return reject(
            new ConnectionAborted(
              `every connection holds ${depth} calls already (${maxConnections} connections)`,
            ),
          );
        }
        const text = `${target.head}${headerBlock(headers)}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
        const call: Call = { resolve, reject, timer: undefined };
        call.timer = setTimeout(() => {
          // Answers come in order: a late one holds up every call behind it on the connection.
          const late = new TimeoutError(`no answer within ${timeoutMs} ms`);
          const i = connection.waiting.indexOf(call);
          if (i >= 0) connection.waiting.splice(i, 1);
          reject(late);
          connection.fail(new ConnectionAborted(`a call before it had ${late.message}`));
        }, timeoutMs);
        connection.send(text, call);
      });
    },
    close() {
      closed = true;
      for (const pool of pools.values()) {
        for (const c of [...pool]) c.fail(new ConnectionAborted("the transport is closed"));
      }
      pools.clear();
    },
  };
}
