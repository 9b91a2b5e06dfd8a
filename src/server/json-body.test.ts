import { connect } from "node:net";
import Fastify from "fastify";
import { describe, expect, it } from "vitest";
import { handleError } from "./errors.js";
import {
  DIRECT_PARSE_BYTES,
  JSON_LIMITS,
  JsonShapeScanner,
  QUEUE_FROM_BYTES,
  jsonShapeProblem,
  oneTaskPerTurn,
  plainWithin,
  registerJsonBodyParser,
} from "./json-body.js";

const small = { depth: 3, containers: 5, members: 3 };

describe("jsonShapeProblem", () => {
  it("passes what stays within every limit", () => {
    expect(jsonShapeProblem('{"inputs":[{"a":1,"b":2,"c":3}]}', small)).toBeNull();
    expect(jsonShapeProblem("[[[]]]", small)).toBeNull();
    expect(jsonShapeProblem('{"a":[1,2,3,4,5,6,7,8]}', small)).toBeNull();
  });

  it("names the depth past the limit", () => {
    expect(jsonShapeProblem("[[[[]]]]", small)).toBe("nests deeper than 3 levels");
    expect(jsonShapeProblem(`${"[".repeat(100_000)}${"]".repeat(100_000)}`)).toBe(
      "nests deeper than 64 levels",
    );
  });

  it("counts every object and array, however flat", () => {
    expect(jsonShapeProblem("[{},{},{},{},{}]", small)).toBe(
      "holds more than 5 objects and arrays",
    );
    const many = `[${new Array<string>(JSON_LIMITS.containers).fill("{}").join(",")}]`;
    expect(jsonShapeProblem(many)).toBe("holds more than 100,000 objects and arrays");
  });

  it("counts the fields of each object, not of the body", () => {
    expect(jsonShapeProblem('{"a":1,"b":2,"c":3,"d":4}', small)).toBe(
      "has an object of more than 3 fields",
    );
    expect(jsonShapeProblem('[{"a":1,"b":2,"c":3},{"a":1,"b":2,"c":3}]', small)).toBeNull();
  });

  it("ignores brackets, braces, commas and escaped quotes inside strings", () => {
    expect(jsonShapeProblem('{"a":"[[[[{{,,,,}}]]]]","b":"\\"[[[[\\""}', small)).toBeNull();
  });

  it("leaves text that is not JSON to the parser", () => {
    expect(jsonShapeProblem("]]]}}}", small)).toBeNull();
    expect(jsonShapeProblem('{"a":"unterminated', small)).toBeNull();
  });
});

describe("JsonShapeScanner", () => {
  it("keeps its place across chunks: a string, an escape or a count cut anywhere", () => {
    const text = '{"a":"[[[[\\"[[[[","b":[1,2],"c":{"d":"\\\\"},"e":"}}}}"}';
    const limits = { ...small, members: 4 };
    expect(jsonShapeProblem(text, limits)).toBeNull();
    expect(jsonShapeProblem(text, { ...limits, members: 3 })).not.toBeNull();
    const bytes = Buffer.from(text);
    for (let cut = 0; cut <= bytes.length; cut++) {
      const scanner = new JsonShapeScanner(limits);
      expect(scanner.push(bytes.subarray(0, cut)), `cut at ${cut}`).toBeNull();
      expect(scanner.push(bytes.subarray(cut)), `cut at ${cut}`).toBeNull();
    }
  });

  it("refuses at the chunk that crosses a limit", () => {
    const scanner = new JsonShapeScanner(small);
    expect(scanner.push(Buffer.from("[[["))).toBeNull();
    expect(scanner.push(Buffer.from("["))).toBe("nests deeper than 3 levels");
  });

  it("reads multi-byte characters as string content", () => {
    expect(jsonShapeProblem('{"名前":"[[[[{{{{ é ✓ 😀"}', small)).toBeNull();
  });
});

describe("plainWithin", () => {
  const nested = (levels: number) => JSON.parse("[".repeat(levels) + "]".repeat(levels)) as unknown;
  it("counts nesting as the scanner does: the outermost object or array is level 1", () => {
    expect(plainWithin(nested(64), 64)).toBe(true);
    expect(plainWithin(nested(65), 64)).toBe(false);
    expect(plainWithin({ a: { b: [1, { c: [] }] } }, 5)).toBe(true);
    expect(plainWithin({ a: { b: [1, { c: [] }] } }, 4)).toBe(false);
    expect(plainWithin("text", 0)).toBe(true);
  });
  it("leaves objects with a __proto__ or constructor key, at any depth, to Fastify's parser", () => {
    expect(plainWithin(JSON.parse('{"a":[{"__proto__":{}}]}'), 64)).toBe(false);
    expect(plainWithin({ inputs: { constructor: "x" } }, 64)).toBe(false);
    expect(plainWithin({ inputs: { proto: 1, construct: 2 } }, 64)).toBe(true);
  });
});

describe("oneTaskPerTurn", () => {
  it("lets the I/O of a turn in between two tasks (a synchronous loop would not)", async () => {
    const order: string[] = [];
    const turns = oneTaskPerTurn();
    turns.run(() => order.push("a"));
    turns.run(() => order.push("b"));
    turns.run(() => order.push("c"));
    // Queued after the first task: it runs before the second, as a request read in between would.
    setImmediate(() => order.push("between"));
    await new Promise<void>((resolve) => turns.run(resolve));
    expect(order).toEqual(["a", "between", "b", "c"]);
    expect(turns.waiting).toBe(0);
  });
});

describe("registerJsonBodyParser", () => {
  /** `hooked`: an async onRequest hook, as authentication is, so the body is parsed later. */
  async function echo(hooked = false) {
    const app = Fastify({ bodyLimit: 1_048_576 });
    if (hooked) app.addHook("onRequest", async () => {});
    app.setErrorHandler(handleError);
    registerJsonBodyParser(app);
    app.post("/", async (request) => ({ body: request.body }));
    await app.ready();
    return app;
  }

  it.each([
    ["ASCII", { title: "VP of Sales" }],
    ["UTF-8", { title: "Directrice générale ✓ 😀", 名前: "値" }],
    ["large (parsed in its turn)", { title: "x".repeat(QUEUE_FROM_BYTES), note: "é" }],
  ])("parses a %s body as JSON.parse would", async (_name, value) => {
    const app = await echo();
    const res = await app.inject({
      method: "POST",
      url: "/",
      payload: JSON.stringify(value),
      headers: { "content-type": "application/json" },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ body: value });
    await app.close();
  });

  it("keeps Fastify's refusals: empty, invalid, and prototype poisoning", async () => {
    const app = await echo();
    const send = (payload: string) =>
      app.inject({
        method: "POST",
        url: "/",
        payload,
        headers: { "content-type": "application/json" },
      });
    expect((await send("")).json()).toMatchObject({
      code: "bad_request",
      detail: expect.stringMatching(/empty/),
    });
    expect((await send("{nope")).json()).toMatchObject({ code: "bad_request" });
    expect((await send('{"__proto__":{"x":1}}')).statusCode).toBe(400);
    await app.close();
  });

  it("says where a body stops being JSON: line, column and the text there", async () => {
    const app = await echo();
    const send = async (payload: string) =>
      (
        await app.inject({
          method: "POST",
          url: "/",
          payload,
          headers: { "content-type": "application/json" },
        })
      ).json<{ code: string; detail: string }>();
    expect(await send('{\n  "inputs": {"a": 1,}\n}')).toEqual(
      expect.objectContaining({
        code: "bad_request",
        detail:
          'The request body is not valid JSON at line 2, column 21 (near "}\\n}"): send one whole JSON value.',
      }),
    );
    expect((await send('{"inputs": [1, 2')).detail).toBe(
      "The request body is not valid JSON at line 1, column 17 (the text ends there): send one whole JSON value.",
    );
    // Past 64 KiB (and parsed in its own turn): only said, not walked again.
    const long = `{"title": "${"x".repeat(QUEUE_FROM_BYTES)}", }`;
    expect((await send(long)).detail).toBe(
      "The request body is not valid JSON: send one whole JSON value.",
    );
    await app.close();
  });

  it("refuses a body past a shape limit with 413 naming it", async () => {
    const app = await echo();
    const res = await app.inject({
      method: "POST",
      url: "/",
      payload: "[".repeat(100) + "]".repeat(100),
      headers: { "content-type": "application/json" },
    });
    expect(res.statusCode).toBe(413);
    expect(res.json()).toMatchObject({
      code: "payload_too_large",
      detail: expect.stringMatching(/deeper than 64 levels/),
    });
    await app.close();
  });

  describe("over a socket", () => {
    /** Sends `parts` on one connection, `gapMs` apart, and resolves with all it answered. */
    function exchange(port: number, parts: string[], answers: number, gapMs = 0): Promise<string> {
      return new Promise((resolve, reject) => {
        const socket = connect(port, "127.0.0.1");
        let text = "";
        socket.on("data", (d: Buffer) => {
          text += d.toString("utf8");
          if (text.split("HTTP/1.1 ").length - 1 >= answers && /\}$/.test(text)) {
            socket.end();
            resolve(text);
          }
        });
        socket.on("error", reject);
        void (async () => {
          for (const part of parts) {
            socket.write(part);
            if (gapMs) await new Promise((r) => setTimeout(r, gapMs));
          }
        })();
      });
    }
    /** Parsed while Node handles the headers, or after an async hook (the app's case). */
    const WHEN = [
      ["while the headers are handled", false],
      ["after an asynchronous hook", true],
    ] as const;
    async function listening(hooked: boolean) {
      const app = await echo(hooked);
      await app.listen({ port: 0, host: "127.0.0.1" });
      return { app, port: (app.server.address() as { port: number }).port };
    }
    const post = (body: string, head = true, tail = true) =>
      (head
        ? `POST / HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n`
        : "") + (tail ? body : "");

    it.each(WHEN)(
      "reads a body %s: with its headers, after them, pipelined",
      async (_when, hooked) => {
        const { app, port } = await listening(hooked);
        const value = { inputs: { title: "Directrice générale ✓", n: 1 } };
        const body = JSON.stringify(value);
        const together = await exchange(port, [post(body)], 1);
        expect(together).toMatch(/^HTTP\/1.1 200/);
        expect(together).toContain(JSON.stringify({ body: value }));
        const later = await exchange(
          port,
          [post(body, true, false), body.slice(0, 9), body.slice(9)],
          1,
          20,
        );
        expect(later).toMatch(/^HTTP\/1.1 200/);
        expect(later).toContain(JSON.stringify({ body: value }));
        const three = await exchange(port, [post(body) + post('{"a":1}') + post(body)], 3);
        expect(three.match(/HTTP\/1.1 200/g)).toHaveLength(3);
        expect(three).toContain('{"body":{"a":1}}');
        await app.close();
      },
    );

    it.each(WHEN)(
      "refuses a body past a shape limit, or not JSON, parsed %s",
      async (_when, hooked) => {
        const { app, port } = await listening(hooked);
        const deep = await exchange(port, [post("[".repeat(100) + "]".repeat(100))], 1);
        expect(deep).toMatch(/^HTTP\/1.1 413/);
        expect(deep).toMatch(/deeper than 64 levels/);
        const invalid = await exchange(port, [post("{nope")], 1);
        expect(invalid).toMatch(/^HTTP\/1.1 400/);
        const poisoned = await exchange(port, [post('{"__proto__":{"x":1}}')], 1);
        expect(poisoned).toMatch(/^HTTP\/1.1 400/);
        await app.close();
      },
    );

    // Short bodies whole when parsed (after the async hook) take JSON.parse first; what it
    // cannot vouch for goes the checked way, so every answer is the scanner's or Fastify's.
    it.each(WHEN)("answers short and long bodies alike, parsed %s", async (_when, hooked) => {
      const { app, port } = await listening(hooked);
      const pad = (text: string, size: number) =>
        `{"pad":"${"x".repeat(size - text.length - 15)}","v":${text}}`;
      const cases: [string, number, string][] = [
        ["[".repeat(63) + "]".repeat(63), 200, ""],
        ["[".repeat(64) + "]".repeat(64), 413, "deeper than 64 levels"],
        ['{"constructor":{"prototype":{}}}', 400, ""],
        ['{"constructor":"x","a":"\\u00e9"}', 200, '"constructor":"x"'],
        ['{"a":[{"__proto__":1}]}', 400, ""],
        ["[1,]", 400, ""],
      ];
      for (const size of [DIRECT_PARSE_BYTES, DIRECT_PARSE_BYTES + 1]) {
        for (const [value, status, text] of cases) {
          const body = pad(value, size);
          expect(Buffer.byteLength(body)).toBe(size);
          const answer = await exchange(port, [post(body)], 1);
          expect(answer, `${value} in ${size} bytes`).toMatch(new RegExp(`^HTTP/1.1 ${status}`));
          expect(answer).toContain(text);
        }
      }
      const bom = await exchange(port, [post('\uFEFF{"a":1}')], 1);
      expect(bom).toMatch(/^HTTP\/1.1 200/);
      expect(bom).toContain('{"body":{"a":1}}');
      await app.close();
    });
  });
});
