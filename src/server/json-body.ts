/**
 * The HTTP API's JSON body parser: bounded work and memory per body, and per turn of the
 * event loop.
 *
 * A body within MODELGATE_BODY_LIMIT_BYTES can still cost far more to parse than its size
 * says: V8 builds an object for every `{}` and `[]`, and a megabyte of `[[[[…]]]]` or of
 * 100,000 tiny objects took seconds of one core and tens of megabytes each (60 of them at once
 * stalled /live for 25 s). So the bytes are checked as they arrive, building nothing, against
 * JSON_LIMITS — nesting depth, objects and arrays, fields of one object — and a body past one
 * is refused (413, naming the limit) at the chunk that crosses it, never held whole. Bodies
 * that pass and are large are then decoded and parsed one per turn of the event loop, so the
 * requests in between (/live, small predictions) are answered between two large bodies instead
 * of after all of them.
 */
import { isAscii } from "node:buffer";
import type { Readable } from "node:stream";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { ModelgateError } from "../errors.js";
import { jsonErrorSentence } from "../json-locate.js";
import { JSON_LIMITS, JsonShapeScanner } from "./json-shape.js";
import type { JsonLimits } from "./json-shape.js";
import { encodingRefused, lengthMismatch, tooLarge } from "./raw-body.js";

export { JSON_LIMITS, JsonShapeScanner, jsonShapeProblem } from "./json-shape.js";
export type { JsonLimits } from "./json-shape.js";

/**
 * Runs tasks one per turn of the event loop, in order: each after the I/O that arrived while
 * the one before ran. `run` returns at once.
 */
export function oneTaskPerTurn(): { run(task: () => void): void; readonly waiting: number } {
  const queue: (() => void)[] = [];
  let scheduled = false;
  const next = () => {
    const task = queue.shift();
    if (!task) {
      scheduled = false;
      return;
    }
    setImmediate(next);
    task();
  };
  return {
    run(task) {
      queue.push(task);
      if (!scheduled) {
        scheduled = true;
        setImmediate(next);
      }
    },
    get waiting() {
      return queue.length;
    },
  };
}

/** Bodies at least this long wait their turn; smaller ones (every ordinary prediction) do not. */
export const QUEUE_FROM_BYTES = 64 * 1024;

/**
 * Bodies up to this long, whole when their parser runs, go to JSON.parse before any scan: too
 * short to hold JSON_LIMITS' objects or fields, they can only nest too deep, which is checked
 * on what JSON.parse built (V8's parser is not recursive). The worst such body, 4 KiB of `[[[…`,
 * costs ~110 µs, as much as the flat 8 KiB bodies the scan lets through; a prediction's body is
 * spared a byte-by-byte scan and the two regular expressions of the prototype check.
 */
export const DIRECT_PARSE_BYTES = 4 * 1024;

/**
 * Whether a parsed body nests at most `maxDepth` objects and arrays, and no object has a
 * `__proto__` or `constructor` key (the prototype-poisoning candidates Fastify's parser refuses
 * or checks): then it is what Fastify's parser would have returned. Stops at the first level
 * past `maxDepth`.
 */
export function plainWithin(value: unknown, maxDepth: number, depth = 1): boolean {
  if (typeof value !== "object" || value === null) return true;
  if (depth > maxDepth) return false;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      if (!plainWithin(value[i], maxDepth, depth + 1)) return false;
    }
    return true;
  }
  // JSON.parse makes every key an own enumerable property: for-in meets each of them.
  for (const key in value) {
    if (key === "__proto__" || key === "constructor") return false;
    if (!plainWithin((value as Record<string, unknown>)[key], maxDepth, depth + 1)) return false;
  }
  return true;
}

/** JSON.parse's value, or NOT_PARSED for text it refuses (Fastify's parser then says why). */
const NOT_PARSED = Symbol("not parsed");
function parseOrNot(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return NOT_PARSED;
  }
}

/**
 * Short enough that the objects and fields limits cannot be reached (an object or array takes
 * 2 bytes, a field 5): only the depth is left to check, after JSON.parse.
 */
function directParseMax(limits: JsonLimits): number {
  return Math.min(DIRECT_PARSE_BYTES, 2 * limits.containers, 4 * limits.members);
}

/**
 * A short text's value, when JSON.parse takes it and it is plain and shallow enough (what
 * Fastify's parser and JSON_LIMITS would let through); undefined for anything else, which the
 * checked path then reads and names.
 */
export function parsedDirectly(text: string, limits: JsonLimits = JSON_LIMITS): unknown {
  if (text.length > directParseMax(limits)) return undefined;
  const value = parseOrNot(text);
  return value !== NOT_PARSED && plainWithin(value, limits.depth) ? value : undefined;
}

export type ParseDone = (err: Error | null, body?: unknown) => void;

/**
 * A route's own reader for the bodies its clients usually send, tried first on a body that
 * arrived whole and is under QUEUE_FROM_BYTES, with its text (UTF-8, or latin1 when `ascii`):
 * the value the route reads, or null for the general path (the shape checks, JSON.parse). It
 * must take only text JSON.parse accepts, and bound its own work and what it builds
 * (src/serving/oip/request-text.ts).
 */
export type BodyReader = (bytes: Buffer, text: string, ascii: boolean) => object | null;

/** Whether a JSON parser's error says the text is not JSON (not a refused prototype key). */
function isSyntaxError(err: Error): boolean {
  return (
    (err as { code?: string }).code === "FST_ERR_CTP_INVALID_JSON_BODY" ||
    err instanceof SyntaxError
  );
}

/** `done`, with a syntax error replaced by one that says where the text went wrong. */
export function located(text: string, done: ParseDone, what?: string): ParseDone {
  return (err, body) => {
    if (err && isSyntaxError(err)) {
      done(new ModelgateError("bad_request", jsonErrorSentence(text, what)));
    } else done(err, body);
  };
}

/**
 * Replaces Fastify's application/json parser with one that reads the body itself: the size
 * limit (the route's bodyLimit) and JSON_LIMITS checked chunk by chunk, a refused body never
 * held whole; what passes is decoded and parsed by Fastify's own parser (its prototype-poisoning
 * refusals, its errors for empty and invalid bodies), large bodies one per event-loop turn.
 */
export function registerJsonBodyParser(
  app: FastifyInstance,
  limits: JsonLimits = JSON_LIMITS,
  readBody?: BodyReader,
) {
  app.addContentTypeParser("application/json", jsonBodyParser(app, limits, readBody));
}

/** The parser registerJsonBodyParser registers, for a route that picks it among others. */
export function jsonBodyParser(
  app: FastifyInstance,
  limits: JsonLimits = JSON_LIMITS,
  readBody?: BodyReader,
): (request: FastifyRequest, payload: Readable, done: ParseDone) => void {
  const parseJson = app.getDefaultJsonParser("error", "error");
  const turns = oneTaskPerTurn();
  const shapeError = (problem: string) =>
    new ModelgateError(
      "payload_too_large",
      `The JSON body ${problem}, more than this server parses: send a flatter body, or split the batch.`,
    );
  // One scanner for bodies checked in one synchronous step (below), reset for each.
  const wholeBodyScanner = new JsonShapeScanner(limits);
  const directMax = directParseMax(limits);
  return function jsonBody(request: FastifyRequest, payload: Readable, done: ParseDone): void {
    const limit = request.routeOptions.bodyLimit;
    const declared = Number(request.headers["content-length"]);
    if (declared > limit) {
      done(tooLarge());
      return;
    }
    if (request.headers["content-encoding"] !== undefined) {
      const refused = encodingRefused(request.headers["content-encoding"]);
      if (refused) return done(refused);
    }
    // Usually the whole body came in with the headers, and Node has handed all of it to the
    // stream while the route's asynchronous hooks ran: Content-Length bytes buffered are the
    // whole body (the next request's bytes never enter this stream). Then it is taken in one
    // synchronous read (no listeners, no copy) and checked and parsed at once.
    if (
      declared > 0 &&
      declared < QUEUE_FROM_BYTES &&
      payload.readableLength === declared &&
      !payload.readableFlowing
    ) {
      // All of it is buffered, so read() hands back exactly `declared` bytes.
      const bytes = payload.read(declared) as Buffer | null;
      if (bytes !== null) {
        let text: string | undefined;
        if (readBody || declared <= directMax) {
          const ascii = isAscii(bytes);
          text = bytes.toString(ascii ? "latin1" : "utf8");
          const read = readBody?.(bytes, text, ascii) ?? null;
          if (read !== null) return done(null, read);
          if (declared <= directMax) {
            const value = parsedDirectly(text, limits);
            if (value !== undefined) return done(null, value);
          }
          // Too deep, not JSON, or a key to look at: the checked path below says which.
        }
        const problem = wholeBodyScanner.reset().push(bytes);
        if (problem !== null) return done(shapeError(problem));
        text ??= bytes.toString(wholeBodyScanner.ascii ? "latin1" : "utf8");
        parseJson(request, text, located(text, done));
        return;
      }
    }
    const scanner = new JsonShapeScanner(limits);
    // With a Content-Length the bytes are copied into one buffer of that size as they come
    // (each socket read freed at once, no second copy at the end: one body's memory, not
    // two); a chunked body keeps its chunks.
    let whole = Number.isSafeInteger(declared) ? Buffer.allocUnsafeSlow(declared) : null;
    let chunks: Buffer[] = [];
    let received = 0;
    const stop = (err: Error) => {
      payload.off("data", onData);
      payload.off("end", onEnd);
      payload.off("error", onEnd);
      whole = null;
      chunks = [];
      done(err);
    };
    function onData(chunk: Buffer | string): void {
      const bytes = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
      received += bytes.length;
      if (received > limit) return stop(tooLarge());
      const problem = scanner.push(bytes);
      if (problem !== null) return stop(shapeError(problem));
      if (whole && received <= whole.length) bytes.copy(whole, received - bytes.length);
      else chunks.push(bytes);
    }
    function onEnd(err?: Error): void {
      if (err) {
        return stop(
          new ModelgateError("bad_request", "The request body did not arrive whole.", {
            cause: err,
          }),
        );
      }
      if (!Number.isNaN(declared) && received !== declared) return stop(lengthMismatch());
      payload.off("data", onData);
      payload.off("error", onEnd);
      const body = whole ?? Buffer.concat(chunks, received);
      whole = null;
      chunks = [];
      const text = () => body.toString(scanner.ascii ? "latin1" : "utf8");
      const parse = () => {
        const whole = text();
        parseJson(request, whole, located(whole, done));
      };
      if (body.length < QUEUE_FROM_BYTES) parse();
      else turns.run(parse);
    }
    payload.on("data", onData);
    payload.once("end", onEnd);
    payload.on("error", onEnd);
    payload.resume();
  };
}
