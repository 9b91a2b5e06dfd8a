/**
 * GET /metrics: the Prometheus text exposition, on the main port or on its own (METRICS_PORT),
 * optionally behind a bearer token (METRICS_TOKEN). It uses no API key: a scrape never counts as
 * a failed authentication nor spends a rate limit.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import Fastify from "fastify";
import { ModelgateError } from "../errors.js";
import { newId } from "../ids.js";
import { handleError, handleFrameworkError, handleNotFound } from "../server/errors.js";
import { ErrorSchema, errorResponses } from "../server/schemas.js";
import type { RequestObserver } from "./types.js";

export interface MetricsEndpoint {
  render(): Promise<string>;
  contentType: string;
  /** METRICS_TOKEN; unset: /metrics is open (bind it to a private network or port). */
  token?: string | undefined;
}

const digest = (text: string) => createHash("sha256").update(text).digest();

/** Compares a sent token with METRICS_TOKEN in constant time (digests of equal length). */
function tokenGuard(token: string | undefined) {
  if (!token) return undefined;
  const expected = digest(token);
  return function checkMetricsToken(request: FastifyRequest): void {
    const header = request.headers.authorization;
    const sent = header ? /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1] : undefined;
    if (!sent) {
      throw new ModelgateError(
        "metrics_unauthorized",
        "GET /metrics needs a token on this service: send METRICS_TOKEN as Authorization: Bearer <token>.",
      );
    }
    if (!timingSafeEqual(digest(sent), expected)) {
      throw new ModelgateError(
        "metrics_unauthorized",
        "The bearer token sent to /metrics is not this service's METRICS_TOKEN: send the configured token.",
      );
    }
  };
}

export function metricsRoute(app: FastifyInstance, endpoint: MetricsEndpoint): void {
  const guard = tokenGuard(endpoint.token);
  app.get(
    "/metrics",
    {
      schema: {
        tags: ["service"],
        summary: "Prometheus metrics (text format)",
        description:
          "Request rate, errors and latency by route; prediction queue wait, inference and batch size; model loads, cache, readiness and unmet configuration requirements; rate-limit refusals; the external auth service; usage records; Node.js process metrics. With METRICS_TOKEN set, send it as Authorization: Bearer <token>. With METRICS_PORT set, served on that port instead. Never rate limited; no API key.",
        response: errorResponses(401),
      },
    },
    async function metrics(request: FastifyRequest, reply: FastifyReply) {
      guard?.(request);
      const body = await endpoint.render();
      void reply.header("content-type", endpoint.contentType);
      return body;
    },
  );
}

/** Counts every answered request by route template (the onResponse hook of an app). */
export function observeRequests(app: FastifyInstance, observer: RequestObserver): void {
  app.addHook("onResponse", function countRequest(request, reply, done) {
    observer.request(
      request.method,
      request.routeOptions.url,
      reply.statusCode,
      reply.elapsedTime / 1000,
    );
    done();
  });
}

export interface MetricsServer {
  url: string;
  close(): Promise<void>;
}

/** METRICS_PORT: /metrics alone on its own listener (the main port then has none). */
export async function startMetricsServer(
  endpoint: MetricsEndpoint,
  listen: { host: string; port: number },
  requests?: RequestObserver,
): Promise<MetricsServer> {
  const app = Fastify({
    logger: false,
    frameworkErrors: handleFrameworkError,
    genReqId: () => newId("req"),
    return503OnClosing: true,
  });
  app.addSchema(ErrorSchema);
  app.setErrorHandler(handleError);
  app.setNotFoundHandler(handleNotFound);
  if (requests) observeRequests(app, requests);
  metricsRoute(app, endpoint);
  const url = await app.listen(listen);
  return { url, close: () => app.close() };
}
