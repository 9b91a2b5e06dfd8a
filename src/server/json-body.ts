/**
 * The HTTP API's JSON body parser: bounded work per body, and per turn of the event loop.
 *
 * A body within MODELGATE_BODY_LIMIT_BYTES can still cost far more to parse than its size
 * says: V8 builds an object for every `{}` and `[]`, and a megabyte of `[[[[…]]]]` or of
 * 100,000 tiny objects took seconds of one core and tens of megabytes each (60 of them at once
 * stalled /live for 25 s). So the text is first scanned once, building nothing, against
 * JSON_LIMITS — nesting depth, objects and arrays, fields of one object — and refused (413,
 * naming the limit) before JSON.parse sees it. Bodies that pass and are large are then parsed
 * one per turn of the event loop, so the requests in between (/live, small predictions) are
 * answered between two large bodies instead of after all of them.
 */
import type { FastifyInstance, FastifyRequest } from "fastify";
import { ModelgateError } from "../errors.js";

export const JSON_LIMITS = {
  /** Nesting of objects and arrays (a prediction needs 3; an OIP tensor of 8 dimensions, 11). */
  depth: 64,
  /** Objects and arrays in one body (a batch of 10,000 inputs is 10,001). */
  containers: 100_000,
  /** Fields of one object (a model has at most 1,000 input fields). */
  members: 10_000,
} as const;

export type JsonLimits = { [K in keyof typeof JSON_LIMITS]: number };

const QUOTE = 34;
const BACKSLASH = 92;
const OPEN_OBJECT = 123;
const CLOSE_OBJECT = 125;
const OPEN_ARRAY = 91;
const CLOSE_ARRAY = 93;
const COMMA = 44;

/**
 * The first limit `text` breaks, as the end of a sentence ("nests deeper than 64 levels"), or
 * null. One pass over the characters, nothing allocated but a stack of `depth` counters; text
 * that is not JSON is left for JSON.parse to refuse.
 */
export function jsonShapeProblem(text: string, limits: JsonLimits = JSON_LIMITS): string | null {
  // Per open container: the fields counted so far for an object (commas + 1), -1 for an array.
  const members = new Int32Array(limits.depth + 1);
  let depth = 0;
  let containers = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
      continue;
    }
    switch (c) {
      case QUOTE:
        inString = true;
        break;
      case OPEN_OBJECT:
      case OPEN_ARRAY:
        if (depth === limits.depth) return `nests deeper than ${limits.depth} levels`;
        if (++containers > limits.containers) {
          return `holds more than ${limits.containers.toLocaleString("en-US")} objects and arrays`;
        }
        members[++depth] = c === OPEN_OBJECT ? 1 : -1;
        break;
      case CLOSE_OBJECT:
      case CLOSE_ARRAY:
        if (depth > 0) depth--;
        break;
      case COMMA: {
        const count = members[depth] ?? -1;
        if (depth > 0 && count > 0) {
          if (count >= limits.members) {
            return `has an object of more than ${limits.members.toLocaleString("en-US")} fields`;
          }
          members[depth] = count + 1;
        }
        break;
      }
    }
  }
  return null;
}

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
export const QUEUE_FROM_CHARS = 64 * 1024;

type ParseDone = (err: Error | null, body?: unknown) => void;

/**
 * Replaces Fastify's application/json parser (keeping its prototype-poisoning refusals and its
 * errors for empty and invalid bodies) with the bounded one above.
 */
export function registerJsonBodyParser(app: FastifyInstance, limits: JsonLimits = JSON_LIMITS) {
  const parseJson = app.getDefaultJsonParser("error", "error");
  const turns = oneTaskPerTurn();
  const parse = (request: FastifyRequest, body: string, done: ParseDone) => {
    const problem = jsonShapeProblem(body, limits);
    if (problem !== null) {
      done(
        new ModelgateError(
          "payload_too_large",
          `The JSON body ${problem}, more than this server parses: send a flatter body, or split the batch.`,
        ),
      );
      return;
    }
    parseJson(request, body, done);
  };
  app.addContentTypeParser(
    "application/json",
    { parseAs: "string" },
    function jsonBody(request: FastifyRequest, body: string | Buffer, done: ParseDone): void {
      const text = typeof body === "string" ? body : body.toString("utf8");
      if (text.length < QUEUE_FROM_CHARS) parse(request, text, done);
      else turns.run(() => parse(request, text, done));
    },
  );
}
