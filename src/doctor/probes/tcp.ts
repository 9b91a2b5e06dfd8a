/**
 * One TCP (or TLS) conversation under one deadline, saying which stage it reached: the name did
 * not resolve, no connection was made (a dropped SYN: a security group, a firewall), or the
 * connection was made and nothing answered (something accepts and drops the traffic).
 */
import { connect as netConnect } from "node:net";
import type { Socket } from "node:net";
import { connect as tlsConnect } from "node:tls";

export type Stage = "connect" | "answer";

export interface Conversation {
  /** The local address the connection left from, once connected. */
  localAddress: string | null;
  /** The first answer's bytes (at most 64 KB), or the failure. */
  outcome: { ok: true; answer: Buffer } | { ok: false; stage: Stage; reason: string };
  ms: number;
}

const MAX_ANSWER = 64 * 1024;

function connectReason(err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case "ECONNREFUSED":
      return "connection refused: nothing listens on that port (or a firewall rejects)";
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return "the host name does not resolve from here";
    case "EHOSTUNREACH":
    case "ENETUNREACH":
      return "no route to the host from here";
    case "ECONNRESET":
      return "the connection was reset";
    default:
      return err.message;
  }
}

/**
 * Connects, sends `request`, and waits until `complete(answer)` says the answer is whole — all
 * within `timeoutMs`. The socket is always destroyed before returning.
 */
export function converse(opts: {
  host: string;
  port: number;
  tls?: boolean;
  request: Buffer;
  complete: (answer: Buffer) => boolean;
  timeoutMs: number;
}): Promise<Conversation> {
  const started = performance.now();
  return new Promise((resolve) => {
    const socket: Socket = opts.tls
      ? tlsConnect({ host: opts.host, port: opts.port, servername: opts.host })
      : netConnect({ host: opts.host, port: opts.port });
    let connected = false;
    let localAddress: string | null = null;
    let answer = Buffer.alloc(0);
    let done = false;
    const finish = (outcome: Conversation["outcome"]) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ localAddress, outcome, ms: Math.round(performance.now() - started) });
    };
    const timer = setTimeout(() => {
      finish(
        connected
          ? {
              ok: false,
              stage: "answer",
              reason: `connected, but no answer within ${opts.timeoutMs} ms`,
            }
          : { ok: false, stage: "connect", reason: `no connection within ${opts.timeoutMs} ms` },
      );
    }, opts.timeoutMs);
    const onConnect = () => {
      connected = true;
      localAddress = socket.localAddress ?? null;
      socket.write(opts.request);
    };
    socket.once(opts.tls ? "secureConnect" : "connect", onConnect);
    socket.on("data", (chunk: Buffer) => {
      answer = Buffer.concat([answer, chunk]).subarray(0, MAX_ANSWER);
      if (opts.complete(answer) || answer.length >= MAX_ANSWER) finish({ ok: true, answer });
    });
    socket.on("error", (err: NodeJS.ErrnoException) =>
      finish({ ok: false, stage: connected ? "answer" : "connect", reason: connectReason(err) }),
    );
    socket.on("close", () =>
      finish(
        connected
          ? {
              ok: false,
              stage: "answer",
              reason: "the server closed the connection without answering",
            }
          : { ok: false, stage: "connect", reason: "the connection closed before it was made" },
      ),
    );
  });
}
