/**
 * Requests Node's HTTP parser refuses before Fastify sees them (a malformed request line,
 * headers or URL too large, a request that did not arrive in time) are answered here, in the
 * same envelope as every other error: Node would otherwise write its own body.
 */
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { Socket } from "node:net";
import type { Duplex } from "node:stream";
import type { FastifyBaseLogger } from "fastify";
import { ModelgateError } from "../errors.js";
import { newId } from "../ids.js";
import { errorBody } from "./errors.js";

interface ClientError extends Error {
  code?: string;
  /** The bytes Node had read when it gave up (a Buffer on the parser's errors). */
  rawPacket?: unknown;
}

const REASONS: Record<number, string> = {
  400: "Bad Request",
  408: "Request Timeout",
  404: "Not Found",
  414: "URI Too Long",
  431: "Request Header Fields Too Large",
};

/**
 * The parser stopped at header overflow: a request line holding most of the bytes means the
 * URL is what is too long (the request line and the headers share one limit).
 */
function overflowIsUrl(err: ClientError, maxHeaderBytes: number): boolean {
  const packet = err.rawPacket;
  if (!Buffer.isBuffer(packet)) return false;
  const lineEnd = packet.indexOf("\r\n");
  return (lineEnd === -1 ? packet.length : lineEnd) >= maxHeaderBytes / 2;
}

function mapClientError(err: ClientError, limits: ClientErrorLimits): ModelgateError {
  switch (err.code) {
    case "ERR_HTTP_REQUEST_TIMEOUT":
      return new ModelgateError(
        "request_timeout",
        `The request did not arrive whole within ${limits.requestTimeoutMs} ms (MODELGATE_REQUEST_TIMEOUT_MS; headers within ${limits.headersTimeoutMs} ms, MODELGATE_HEADERS_TIMEOUT_MS): send it promptly, in one go.`,
      );
    case "HPE_HEADER_OVERFLOW":
      return overflowIsUrl(err, limits.maxHeaderBytes)
        ? new ModelgateError(
            "uri_too_long",
            `The URL is longer than this server reads (the request line and headers share ${limits.maxHeaderBytes} bytes): send long data in a JSON body.`,
          )
        : new ModelgateError(
            "headers_too_large",
            `The request headers are larger than the ${limits.maxHeaderBytes} bytes this server reads: send fewer or smaller headers.`,
          );
    default:
      return new ModelgateError(
        "bad_request",
        `The request is not valid HTTP/1.1 (${err.code ?? "parse error"}): check the client or proxy that sent it.`,
      );
  }
}

export interface ClientErrorLimits {
  requestTimeoutMs: number;
  headersTimeoutMs: number;
  maxHeaderBytes: number;
}

/** Writes one enveloped answer on a raw socket (no Fastify request exists), then closes it. */
function answerOnSocket(socket: Socket, err: ModelgateError, requestId: string): void {
  const body = JSON.stringify(errorBody(err, requestId));
  socket.end(
    `HTTP/1.1 ${err.status} ${REASONS[err.status] ?? "Bad Request"}\r\n` +
      "Content-Type: application/json; charset=utf-8\r\n" +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      `X-Request-Id: ${requestId}\r\n` +
      "Connection: close\r\n\r\n" +
      body,
  );
}

/**
 * A CONNECT request (a client taking the server for a proxy): Node hands it to the server's
 * 'connect' listeners and, without one, drops the connection with no answer. Answered 404 in
 * the envelope like any other method and path without a route.
 */
export function connectHandler(logger: FastifyBaseLogger | null) {
  return function onConnect(req: IncomingMessage, socket: Duplex): void {
    const requestId = newId("req");
    // Without its query: a key there must not come back.
    const target = (req.url ?? "").split("?")[0]?.slice(0, 200) ?? "";
    const err = new ModelgateError(
      "not_found",
      `No route CONNECT ${target}: this server is not a proxy; see /docs for the API.`,
    );
    logger?.info({ request_id: requestId, code: err.code }, "request refused before routing");
    if (socket instanceof Socket && socket.writable) answerOnSocket(socket, err, requestId);
    else socket.destroy();
  };
}

/** Fastify's `clientErrorHandler`: one enveloped answer, then the connection is closed. */
export function clientErrorHandler(logger: FastifyBaseLogger | null, limits: ClientErrorLimits) {
  return function onClientError(err: ClientError, socket: Socket): void {
    // A reset or a closed socket: nobody is left to answer.
    if (err.code === "ECONNRESET" || err.code === "EPIPE" || !socket.writable) {
      socket.destroy();
      return;
    }
    const requestId = newId("req");
    const mapped = mapClientError(err, limits);
    logger?.info(
      { request_id: requestId, code: mapped.code, cause: err.code },
      "request refused before routing",
    );
    answerOnSocket(socket, mapped, requestId);
  };
}

/**
 * An Expect header other than 100-continue: Node answers 417 with an empty body unless the
 * server listens for 'checkExpectation'. RFC 9110 (10.1.1) lets a server ignore an expectation
 * it does not know, so the request is served as if the header were absent — routed, checked
 * and answered like any other, errors in the envelope.
 */
export function ignoreUnknownExpectation(server: Server) {
  return function onCheckExpectation(req: IncomingMessage, res: ServerResponse): void {
    server.emit("request", req, res);
  };
}
