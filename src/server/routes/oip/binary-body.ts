/**
 * The inference routes' body parsers. A body with the Inference-Header-Content-Length header
 * (the binary tensor data extension) is a JSON header of that many bytes and the tensors'
 * bytes after it, whatever its Content-Type; any other body is JSON (the application/json
 * parser of src/server/json-body.ts, with the protocol's own reader). A body with no
 * Content-Type is read the same way: tritonclient.http sends none, and Triton reads it. Any
 * other declared type is 415, as on the rest of the API.
 */
import type { Readable } from "node:stream";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { ModelgateError } from "../../../errors.js";
import { BinaryBody, HEADER_LENGTH, HEADER_NAME } from "../../../serving/oip/binary.js";
import { readInferBody } from "../../../serving/oip/request-text.js";
import {
  JSON_LIMITS,
  jsonBodyParser,
  jsonShapeProblem,
  located,
  parsedDirectly,
} from "../../json-body.js";
import { wholeBody } from "../../raw-body.js";
import type { ParseDone } from "../../json-body.js";

function headerProblem(detail: string): ModelgateError {
  return new ModelgateError("invalid_tensor", `The ${HEADER_NAME} header ${detail}`);
}

/** The JSON part's length the header gives, checked against the body's. */
function jsonLength(value: string | string[], total: number): number {
  const text = Array.isArray(value) ? value.join(",") : value;
  if (!/^\d{1,12}$/.test(text.trim())) {
    throw headerProblem(`must be the JSON part's length in bytes, got "${text.slice(0, 40)}".`);
  }
  const length = Number(text.trim());
  if (length === 0 || length > total) {
    throw headerProblem(
      `says ${length} bytes of JSON, but the body has ${total}: give the length of the JSON before the binary data.`,
    );
  }
  return length;
}

/** A body of the binary extension: its JSON header parsed (bounded like any JSON body). */
function binaryBodyParser(app: FastifyInstance) {
  const parseJson = app.getDefaultJsonParser("error", "error");
  return function binaryBody(request: FastifyRequest, payload: Readable, done: ParseDone): void {
    wholeBody(request, payload, (err, body) => {
      if (err || !body) return done(err);
      let length: number;
      try {
        length = jsonLength(request.headers[HEADER_LENGTH] as string | string[], body.length);
      } catch (problem) {
        return done(problem as Error);
      }
      const text = body.toString("utf8", 0, length);
      const direct = parsedDirectly(text);
      if (direct !== undefined) return done(null, new BinaryBody(direct, body.subarray(length)));
      const shape = jsonShapeProblem(text, JSON_LIMITS);
      if (shape !== null) {
        return done(
          new ModelgateError(
            "payload_too_large",
            `The JSON part ${shape}, more than this server parses: send a flatter request.`,
          ),
        );
      }
      const what = `The JSON part (the body's first ${length} bytes, as ${HEADER_NAME} says)`;
      const read: ParseDone = (parseErr, json) => {
        if (parseErr) done(parseErr);
        else done(null, new BinaryBody(json, body.subarray(length)));
      };
      parseJson(request, text, located(text, read, what));
    });
  };
}

/** Registers the inference context's parsers (in place of the app's application/json one). */
export function registerInferBodyParsers(infer: FastifyInstance): void {
  const json = jsonBodyParser(infer, JSON_LIMITS, readInferBody);
  const binary = binaryBodyParser(infer);
  const either = (request: FastifyRequest, payload: Readable, done: ParseDone): void => {
    if (request.headers[HEADER_LENGTH] !== undefined) binary(request, payload, done);
    else json(request, payload, done);
  };
  infer.removeContentTypeParser("application/json");
  infer.addContentTypeParser("application/json", either);
  infer.addContentTypeParser("application/octet-stream", either);
  // Reached by a body with no Content-Type, and by every type no parser takes.
  infer.addContentTypeParser("*", (request: FastifyRequest, payload: Readable, done: ParseDone) => {
    if (request.headers["content-type"] === undefined) return either(request, payload, done);
    done(
      new ModelgateError(
        "unsupported_media_type",
        "Send the inference request as JSON (Content-Type: application/json), or with the binary tensor data extension.",
      ),
    );
  });
}
