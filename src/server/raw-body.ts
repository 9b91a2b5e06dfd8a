/**
 * A request body's bytes, read whole within the route's limit (bodyLimit): for a parser that
 * needs all of it at once (the Open Inference Protocol's binary extension), and the two
 * refusals every body reader shares.
 */
import type { Readable } from "node:stream";
import type { FastifyRequest } from "fastify";
import { ModelgateError } from "../errors.js";

export function tooLarge(): ModelgateError {
  return new ModelgateError(
    "payload_too_large",
    "The request body is larger than this server accepts (MODELGATE_BODY_LIMIT_BYTES): send a smaller batch.",
  );
}

export function lengthMismatch(): ModelgateError {
  return new ModelgateError(
    "bad_request",
    "The body's length does not match its Content-Length header: send the header the body has.",
  );
}

/**
 * A compressed body (Content-Encoding gzip, deflate, br: tritonclient's
 * request_compression_algorithm) is refused with 415 saying so, rather than read as the JSON it
 * is not; "identity" is no coding. Decompressing would be one more place a small body grows.
 */
export function encodingRefused(coding: string): ModelgateError | null {
  const name = coding.trim().toLowerCase();
  if (name === "" || name === "identity") return null;
  return new ModelgateError(
    "unsupported_media_type",
    `The body is sent with Content-Encoding: ${coding.slice(0, 40)}, which this server does not decode: send it uncompressed.`,
  );
}

/** Reads the whole body within the route's limit; `done` gets its bytes. */
export function wholeBody(
  request: FastifyRequest,
  payload: Readable,
  done: (err: Error | null, body?: Buffer) => void,
): void {
  const limit = request.routeOptions.bodyLimit;
  const declared = Number(request.headers["content-length"]);
  if (declared > limit) return done(tooLarge());
  const coding = request.headers["content-encoding"];
  const refused = coding === undefined ? null : encodingRefused(coding);
  if (refused) return done(refused);
  // All of it buffered already (as with the JSON parser, src/server/json-body.ts): taken in
  // one synchronous read.
  if (declared > 0 && payload.readableLength === declared && !payload.readableFlowing) {
    const bytes = payload.read(declared) as Buffer | null;
    if (bytes !== null) return done(null, bytes);
  }
  const chunks: Buffer[] = [];
  let received = 0;
  let finished = false;
  const finish = (err: Error | null, body?: Buffer) => {
    if (finished) return;
    finished = true;
    payload.removeListener("data", onData);
    done(err, body);
  };
  function onData(chunk: Buffer | string): void {
    const bytes = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
    received += bytes.length;
    if (received > limit) return finish(tooLarge());
    chunks.push(bytes);
  }
  payload.on("data", onData);
  payload.once("end", () => {
    if (!Number.isNaN(declared) && received !== declared) return finish(lengthMismatch());
    finish(null, Buffer.concat(chunks, received));
  });
  payload.once("error", (err) =>
    finish(
      new ModelgateError("bad_request", "The request body did not arrive whole.", { cause: err }),
    ),
  );
}
