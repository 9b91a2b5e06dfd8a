import Fastify, { LogController } from "fastify";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { lazyChildLogger, REQUEST_ID_FIELD } from "./request-log.js";

/** An app logging to memory through lazy request loggers; `/` logs as a route would. */
async function app() {
  const lines: Record<string, unknown>[] = [];
  const logger = pino(
    { level: "info", base: { service: "t" } },
    {
      write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>),
    },
  );
  const fastify = Fastify({
    loggerInstance: logger,
    childLoggerFactory: lazyChildLogger,
    logController: new LogController({
      requestIdLogLabel: REQUEST_ID_FIELD,
      disableRequestLogging: true,
    }),
    genReqId: () => "req_test0001",
  });
  fastify.get("/", async (request) => {
    request.log.debug("hidden at info");
    request.log.warn({ code: "x" }, "a warning");
    request.log.child({ part: "inner" }).info("from a child");
    return { level: request.log.level };
  });
  fastify.get("/quiet", { logLevel: "error" }, async (request) => {
    request.log.warn("below the route's level");
    request.log.error("at the route's level");
    return {};
  });
  await fastify.ready();
  return { fastify, lines };
}

describe("lazyChildLogger", () => {
  it("writes a request's lines with its id, as a pino child would", async () => {
    const { fastify, lines } = await app();
    const res = await fastify.inject({ url: "/" });
    expect(res.json()).toEqual({ level: "info" });
    expect(lines.map(({ time: _t, ...rest }) => rest)).toEqual([
      { level: 40, service: "t", request_id: "req_test0001", code: "x", msg: "a warning" },
      { level: 30, service: "t", request_id: "req_test0001", part: "inner", msg: "from a child" },
    ]);
    await fastify.close();
  });

  it("keeps a route's own log level", async () => {
    const { fastify, lines } = await app();
    await fastify.inject({ url: "/quiet" });
    expect(lines.map((l) => l.msg)).toEqual(["at the route's level"]);
    await fastify.close();
  });

  it("makes no child for a request that does not log", () => {
    let children = 0;
    const parent = pino({ level: "info" }, { write: () => {} });
    const counted = new Proxy(parent, {
      get(target, key, receiver) {
        if (key === "child") children++;
        return Reflect.get(target, key, receiver) as unknown;
      },
    });
    const log = lazyChildLogger(counted, { request_id: "r" }, {});
    expect(log.level).toBe("info");
    expect(children).toBe(0);
    log.info("now");
    log.warn("again");
    expect(children).toBe(1);
  });
});
