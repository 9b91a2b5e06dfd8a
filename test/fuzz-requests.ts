/**
 * fast-check arbitraries for hostile and clumsy requests: every public route and every admin
 * socket route, with arbitrary methods, paths (traversal, long ids, unicode, encoded bytes),
 * headers (API key forms, content types, huge and duplicate headers), query strings and bodies
 * (arbitrary JSON, deep nesting, huge arrays, wrong types, invalid UTF-8, truncated JSON), and
 * the framing around them. API keys appear as placeholders (`keyRef`) resolved when the bytes
 * are written, so a shrunk counterexample reads the same whatever the keys were.
 */
import fc from "fast-check";

/** The keys a fuzz target holds, by role. */
export const KEY_ROLES = [
  "admin",
  "predict",
  "reader",
  "limited",
  "restricted",
  "revoked",
] as const;
export type KeyRole = (typeof KEY_ROLES)[number];

// eslint-disable-next-line no-control-regex -- NUL marks a placeholder no fuzzed text holds
const KEY_REF = /\u0000K:([a-z]+)(~?)\u0000/g;
/** A placeholder for a real key; `~` is the key's lookup prefix with another secret. */
export const keyRef = (role: KeyRole, wrongSecret = false) =>
  `\u0000K:${role}${wrongSecret ? "~" : ""}\u0000`;

/** The text with every key placeholder replaced by the real key (or a forged one). */
export function resolveKeys(text: string, keys: Record<KeyRole, string>): string {
  return text.replace(KEY_REF, (_, role: KeyRole, wrong: string) => {
    const key = keys[role];
    return wrong ? `${key.slice(0, 16)}${"Z".repeat(key.length - 16)}` : key;
  });
}

export type Framing = "length" | "chunked" | "none" | "short" | "long" | "bad-chunk";

export interface FuzzRequest {
  method: string;
  /** Request target: path and query, as written on the request line. */
  target: string;
  headers: [string, string][];
  body: Uint8Array | null;
  framing: Framing;
  keepAlive: boolean;
}

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const base62 = (min: number, max: number) =>
  fc.string({ unit: fc.constantFrom(...BASE62), minLength: min, maxLength: max });

const percentBytes = fc
  .uint8Array({ maxLength: 24 })
  .map((b) => [...b].map((x) => `%${x.toString(16).padStart(2, "0").toUpperCase()}`).join(""));

/**
 * Path segments: ids and what a hostile client puts where an id goes. `hostile`: also bytes
 * that are not allowed on a request line at all (spaces, unicode, control characters).
 */
const segmentOf = (hostile: boolean) =>
  fc.oneof(
    // The model that exists, so most requests get past "no such model".
    { weight: 5, arbitrary: fc.constant("21") },
    {
      weight: 3,
      arbitrary: fc.constantFrom(
        "21",
        "fz-1",
        "fz-2",
        "",
        ".",
        "..",
        "%2e%2e",
        "..%2f..%2fetc%2fpasswd",
        "..%5c..%5cwindows",
        "21%00",
        "%00",
        "21%2f..%2f21",
        "%E0%A4%A",
        "%ff%fe",
        "%",
        "%zz",
        "a".repeat(64),
        "a".repeat(65),
        "a".repeat(101),
        "a".repeat(129),
        "a".repeat(2_049),
        "a".repeat(9_000),
        "__proto__",
        "constructor",
        "hasOwnProperty",
        "%F0%9F%98%80",
        "%ED%A0%80",
        "21;x=1",
        "21.json",
        "-21",
        "_",
      ),
    },
    { weight: 3, arbitrary: fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,70}$/) },
    { weight: 2, arbitrary: fc.string({ unit: "binary", maxLength: 24 }).map(encodeURIComponent) },
    { weight: 1, arbitrary: percentBytes },
    // Unencoded: spaces, unicode and control characters straight on the request line.
    { weight: hostile ? 1 : 0, arbitrary: fc.string({ unit: "binary", maxLength: 12 }) },
  );
export const segment = segmentOf(true);

const publicPath = (segment: fc.Arbitrary<string>) =>
  fc.oneof(
    { weight: 6, arbitrary: segment.map((id) => `/api/v1/models/${id}/predict`) },
    { weight: 3, arbitrary: segment.map((id) => `/api/v1/models/${id}/info`) },
    { weight: 3, arbitrary: segment.map((id) => `/api/v1/models/${id}/health`) },
    {
      weight: 4,
      arbitrary: fc.constantFrom(
        "/api/v1/models",
        "/api/v1/models/",
        "/api/v1/usage",
        "/live",
        "/ready",
        "/health",
        "/version",
        "/openapi.json",
        "/docs",
        "/docs/",
        "/docs/json",
        "/docs/yaml",
        "/docs/static/index.html",
        "/docs/static/swagger-ui.css",
        "/metrics",
        "/v2",
        "/v2/health/live",
        "/v2/health/ready",
        "/v2/models/21",
        "/v2/models/21/ready",
        "/v2/models/21/versions/1.0.0",
        "/v2/models/21/infer",
        "//live",
        "/live/",
        "/LIVE",
        "/api/v1/models/21/predict/extra",
        "/api/v1//models/21/info",
        "/api/v1/models/21/./info",
        "/api/v1/models/21/../21/info",
        "/docs/static/../x",
        "/docs/static/%2e%2e/x",
        "/docs/static/..%2f..%2fpackage.json",
        "*",
        "http://127.0.0.1/live",
        "/",
        "",
      ),
    },
    { weight: 2, arbitrary: segment.map((s) => `/docs/static/${s}`) },
    {
      weight: 3,
      arbitrary: fc
        .tuple(segment, fc.constantFrom("/infer", "/ready", "", "/versions/1/infer"))
        .map(([id, route]) => `/v2/models/${id}${route}`),
    },
    { weight: 2, arbitrary: fc.array(segment, { maxLength: 6 }).map((s) => `/${s.join("/")}`) },
  );

const adminPath = (segment: fc.Arbitrary<string>) =>
  fc.oneof(
    {
      weight: 4,
      arbitrary: fc.constantFrom("/keys", "/models", "/usage", "/keys/", "/", "/nope", "//keys"),
    },
    { weight: 3, arbitrary: segment.map((id) => `/keys/${id}/revoke`) },
    { weight: 3, arbitrary: segment.map((id) => `/models/${id}`) },
    { weight: 2, arbitrary: segment.map((id) => `/models/${id}/pulled`) },
  );

const duration = fc.oneof(
  fc.constantFrom(
    "1h",
    "30m",
    "7d",
    "99999999w",
    "1e308d",
    "-1d",
    "0s",
    "3650d",
    "3651d",
    "2024-01-01",
    "2024-02-30T25:61:00Z",
    "+275760-09-13T00:00:00.000Z",
    "0000-01-01",
    "NaN",
    "Infinity",
    "",
    " ",
  ),
  fc
    .tuple(fc.integer(), fc.constantFrom("ms", "s", "m", "h", "d", "w", "y", ""))
    .map(([n, u]) => `${n}${u}`),
  fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
);

const queryName = fc.oneof(
  fc.constantFrom(
    "since",
    "model_id",
    "key_id",
    "__proto__",
    "constructor",
    "a[b]",
    "a.b",
    "",
    "q",
    "limit",
  ),
  fc.string({ maxLength: 10 }).map(encodeURIComponent),
);
const keyQueryName = fc.constantFrom(
  "api_key",
  "API_KEY",
  "apiKey",
  "api-key",
  "x-api-key",
  "Token",
  "access_token",
  "key",
  "API.KEY",
  "bearer",
);
const queryValue = (segment: fc.Arbitrary<string>) =>
  fc.oneof(
    duration,
    segment,
    fc.string({ unit: "binary", maxLength: 30 }).map(encodeURIComponent),
    fc.constant("x".repeat(3_000)),
  );
const query = (segment: fc.Arbitrary<string>) =>
  fc
    .array(
      fc.oneof(
        { weight: 6, arbitrary: fc.tuple(queryName, queryValue(segment)) },
        {
          weight: 1,
          arbitrary: fc.tuple(
            keyQueryName,
            fc.constantFrom(...KEY_ROLES).map((r) => keyRef(r)),
          ),
        },
      ),
      { maxLength: 5 },
    )
    .chain((pairs) =>
      fc
        .constantFrom("?", "?&", "")
        .map((start) =>
          pairs.length === 0
            ? start === "?"
              ? "?"
              : ""
            : `?${pairs.map(([n, v]) => `${n}=${v}`).join("&")}`,
        ),
    );

const keyValueOf = (hostile: boolean) =>
  fc.oneof(
    // The keys that may predict and read, most often.
    { weight: 16, arbitrary: fc.constantFrom<KeyRole>("admin", "predict").map((r) => keyRef(r)) },
    { weight: 6, arbitrary: fc.constantFrom(...KEY_ROLES).map((r) => keyRef(r)) },
    { weight: 1, arbitrary: fc.constantFrom(...KEY_ROLES).map((r) => keyRef(r, true)) },
    { weight: 2, arbitrary: base62(40, 40).map((r) => `hk_live_${r}`) },
    {
      weight: 1,
      arbitrary: fc.constantFrom("", " ", "hk_live_", "null", "undefined", "x".repeat(9_000)),
    },
    { weight: hostile ? 1 : 0, arbitrary: fc.string({ unit: "binary", maxLength: 60 }) },
  );

const keyHeaders = (keyValue: fc.Arbitrary<string>): fc.Arbitrary<[string, string][]> =>
  fc.oneof(
    { weight: 14, arbitrary: keyValue.map((k): [string, string][] => [["X-API-Key", k]]) },
    {
      weight: 2,
      arbitrary: fc
        .tuple(
          fc.constantFrom("Bearer ", "bearer ", "BEARER  ", "Bearer", "Basic ", "Token "),
          keyValue,
        )
        .map(([scheme, k]): [string, string][] => [["Authorization", `${scheme}${k}`]]),
    },
    {
      weight: 1,
      arbitrary: fc.tuple(keyValue, keyValue).map(([a, b]): [string, string][] => [
        ["X-API-Key", a],
        ["x-api-key", b],
      ]),
    },
    {
      weight: 1,
      arbitrary: fc.tuple(keyValue, keyValue).map(([a, b]): [string, string][] => [
        ["X-API-Key", a],
        ["Authorization", `Bearer ${b}`],
      ]),
    },
    // A key where no key goes: it must not come back (a request id, a custom header).
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.constantFrom("X-Request-Id", "X-Api-Token", "Cookie", "Referer"), keyValue)
        .map(([name, k]): [string, string][] => [[name, k]]),
    },
    { weight: 1, arbitrary: fc.constant<[string, string][]>([]) },
  );

const contentType = fc.oneof(
  { weight: 6, arbitrary: fc.constant("application/json") },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      "application/json",
      "application/json; charset=utf-8",
      "application/json; charset=utf-16",
      "application/json; charset=latin1",
      "APPLICATION/JSON",
      "application/json;;",
      "application/json, text/plain",
      "application/vnd.api+json",
      "text/plain",
      "text/json",
      "application/x-www-form-urlencoded",
      "multipart/form-data; boundary=x",
      "application/octet-stream",
      "",
      "*/*",
    ),
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 30 }) },
);

/** `hostile`: also names and values Node refuses, and the headers that frame the body. */
const headerName = (hostile: boolean) =>
  fc.oneof(
    fc.constantFrom(
      "Accept",
      "Accept-Encoding",
      "Content-Encoding",
      "Origin",
      "X-Request-Id",
      "Expect",
      "Upgrade",
      "Content-Type",
      "If-None-Match",
      "Range",
      "X-Forwarded-For",
    ),
    fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,30}$/),
    ...(hostile
      ? [
          fc.constantFrom("Connection", "Host", "Content-Length", "Transfer-Encoding"),
          fc.string({ unit: "binary", maxLength: 12 }),
        ]
      : []),
  );
const headerValue = (hostile: boolean) =>
  fc.oneof(
    fc.constantFrom(
      "gzip",
      "deflate, br",
      "100-continue",
      "websocket",
      "close",
      "keep-alive",
      "*/*",
      "-1",
      "99999999999999999999",
      "chunked",
      "http://evil.example",
      "bytes=0-1",
    ),
    fc.string({ maxLength: 40 }),
    // Long values: past 16 KB of headers in all, a 431.
    fc
      .oneof(
        { weight: 4, arbitrary: fc.integer({ min: 100, max: 4_000 }) },
        { weight: 1, arbitrary: fc.integer({ min: 4_000, max: 20_000 }) },
      )
      .map((n) => "v".repeat(n)),
    ...(hostile ? [fc.string({ unit: "binary", maxLength: 40 })] : []),
  );
const extraHeaders = (hostile: boolean) =>
  fc.oneof(
    {
      weight: 5,
      arbitrary: fc.array(fc.tuple(headerName(hostile), headerValue(hostile)), { maxLength: 4 }),
    },
    {
      weight: 1,
      arbitrary: fc
        .integer({ min: 10, max: 300 })
        .map((n) => Array.from({ length: n }, (_, i): [string, string] => [`X-Many-${i}`, "1"])),
    },
  );

/**
 * `value` two times in three, else something from `arb`: a request mostly as a client would
 * send it with a few things changed goes deeper than one with everything changed at once.
 */
function mostly<T>(value: T, arb: fc.Arbitrary<T>, weight = 2): fc.Arbitrary<T> {
  return fc.oneof({ weight, arbitrary: fc.constant(value) }, { weight: 1, arbitrary: arb });
}

const encoder = new TextEncoder();
const utf8 = (text: string) => encoder.encode(text);

export const SEED_INPUT: Record<string, unknown> = {
  company_size: 1000,
  industry: "Technology",
  engagement_score: 75,
  website_visits: 10,
  email_opens: 5,
  content_downloads: 3,
  demo_requested: true,
  budget_confirmed: false,
  decision_timeline: "Q2 2025",
  title: "VP of Sales",
};
const SEED_FIELDS = Object.keys(SEED_INPUT);

const json = fc.jsonValue({ maxDepth: 3 });
const wrongValue = fc.oneof(
  json,
  fc.constantFrom(
    null,
    -1,
    0,
    1e308,
    -1e308,
    Number.MAX_SAFE_INTEGER,
    "",
    "x".repeat(5_000),
    [],
    {},
    true,
    "1000",
    "\u0000",
    "\ud800",
    "immediate asap now urgent vp chief ".repeat(50),
  ),
);

/** One input: the seeds' fields, some replaced, some removed, some added. */
const input = fc
  .record({
    replace: mostly(
      [],
      fc.array(fc.tuple(fc.constantFrom(...SEED_FIELDS), wrongValue), { maxLength: 4 }),
    ),
    remove: mostly([], fc.subarray(SEED_FIELDS, { maxLength: 3 }), 3),
    add: mostly([], fc.array(fc.tuple(fc.string({ maxLength: 12 }), json), { maxLength: 3 }), 3),
  })
  .map(({ replace, remove, add }) => {
    const out: Record<string, unknown> = { ...SEED_INPUT };
    for (const f of remove) delete out[f];
    for (const [f, v] of replace) out[f] = v;
    for (const [f, v] of add) out[f] = v;
    return out;
  });

/** Valid JSON text with `depth` levels of nesting in the title (or at the top). */
const deep = fc
  .tuple(fc.integer({ min: 10, max: 400_000 }), fc.constantFrom("[", '{"a":'), fc.boolean())
  .map(([depth, open, inInputs]) => {
    const close = open === "[" ? "]" : "}";
    const nested = `${open.repeat(depth)}1${close.repeat(depth)}`;
    return inInputs ? `{"inputs":{"company_size":${nested}}}` : nested;
  });

const huge = fc.oneof(
  fc
    .integer({ min: 65, max: 100_000 })
    .map((n) => `{"inputs":[${new Array<string>(n).fill("{}").join(",")}]}`),
  fc
    .integer({ min: 1, max: 64 })
    .map((n) => `{"inputs":[${new Array<string>(n).fill(JSON.stringify(SEED_INPUT)).join(",")}]}`),
  fc.integer({ min: 100, max: 60_000 }).map((n) => {
    const fields = Array.from({ length: n }, (_, i) => `"unknown_${i}":${i}`).join(",");
    return `{"inputs":[${new Array<string>(64).fill(`{${fields.slice(0, 15_000)}}`).join(",")}]}`;
  }),
  fc
    .integer({ min: 1_048_000, max: 1_100_000 })
    .map((n) => `{"inputs":{"title":"${"x".repeat(n)}"}}`),
);

/** Bytes that are not UTF-8, inside otherwise valid JSON (or alone). */
const badUtf8 = fc
  .tuple(
    fc.constantFrom(
      [0xff],
      [0xc3],
      [0xe0, 0x80],
      [0xed, 0xa0, 0x80],
      [0xc0, 0xaf],
      [0xf8, 0x88, 0x80, 0x80, 0x80],
      [0x00],
    ),
    fc.boolean(),
  )
  .map(([bytes, inString]) => {
    const before = utf8(inString ? '{"inputs":{"industry":"' : '{"inputs":');
    const after = utf8(inString ? '","company_size":1}}' : "}");
    return new Uint8Array([...before, ...bytes, ...after]);
  });

const predictBody = fc.oneof(
  { weight: 4, arbitrary: input.map((i) => ({ inputs: i })) },
  { weight: 2, arbitrary: fc.array(input, { maxLength: 70 }).map((inputs) => ({ inputs })) },
  { weight: 1, arbitrary: fc.record({ inputs: input, options: json }) },
  { weight: 1, arbitrary: fc.record({ inputs: wrongValue }) },
  { weight: 2, arbitrary: fc.dictionary(fc.string({ maxLength: 10 }), json, { maxKeys: 4 }) },
);

/** Open Inference Protocol infer bodies: tensors with names, shapes, datatypes and data fuzzed. */
const tensor = fc.record(
  {
    name: fc.oneof(
      fc.constantFrom(...SEED_FIELDS, "features", "input"),
      fc.string({ maxLength: 12 }),
    ),
    shape: fc.oneof(
      fc.array(fc.integer({ min: -1, max: 70 }), { maxLength: 3 }),
      fc.constant([1e9, 1e9]),
      json,
    ),
    datatype: fc.oneof(
      fc.constantFrom("FP32", "FP64", "INT64", "INT32", "BOOL", "BYTES", "UINT8", "FP16", "fp32"),
      json,
    ),
    data: fc.oneof(
      fc.array(fc.oneof(fc.double(), fc.integer(), fc.boolean(), fc.string({ maxLength: 10 })), {
        maxLength: 20,
      }),
      fc.array(fc.array(fc.double(), { maxLength: 4 }), { maxLength: 4 }),
      json,
    ),
    parameters: json,
  },
  { requiredKeys: ["name", "shape", "datatype", "data"] },
);
export const inferBody = fc.record(
  {
    id: fc.string({ maxLength: 20 }),
    inputs: fc.oneof(fc.array(tensor, { maxLength: 12 }), json),
    outputs: fc.oneof(
      fc.array(fc.record({ name: fc.string({ maxLength: 12 }) }), { maxLength: 3 }),
      json,
    ),
    parameters: json,
  },
  { requiredKeys: ["inputs"] },
);

const bodyText = fc.oneof(
  { weight: 3, arbitrary: inferBody.map((b) => JSON.stringify(b)) },
  { weight: 16, arbitrary: predictBody.map((b) => JSON.stringify(b)) },
  { weight: 2, arbitrary: json.map((v) => JSON.stringify(v)) },
  // Truncated JSON.
  {
    weight: 2,
    arbitrary: fc.tuple(predictBody, fc.double({ min: 0, max: 1, noNaN: true })).map(([b, at]) => {
      const text = JSON.stringify(b);
      return text.slice(0, Math.floor(text.length * at));
    }),
  },
  { weight: 1, arbitrary: deep },
  { weight: 1, arbitrary: huge },
  { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 200 }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      "",
      "null",
      "[]",
      "{}",
      '""',
      "1",
      '{"inputs":null}',
      '{"__proto__":{"x":1},"inputs":{}}',
      '{"constructor":{"prototype":{"x":1}}}',
    ),
  },
);

export const body = fc.oneof(
  { weight: 12, arbitrary: bodyText.map(utf8) },
  { weight: 1, arbitrary: badUtf8 },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 300 }) },
);

const framing = (hostile: boolean) =>
  fc.oneof(
    { weight: 10, arbitrary: fc.constant<Framing>("length") },
    { weight: 1, arbitrary: fc.constant<Framing>("chunked") },
    {
      weight: hostile ? 2 : 0,
      arbitrary: fc.constantFrom<Framing>("none", "short", "long", "bad-chunk"),
    },
  );

const method = (hostile: boolean) =>
  fc.oneof(
    { weight: 10, arbitrary: fc.constantFrom("GET", "POST") },
    {
      weight: 3,
      arbitrary: fc.constantFrom("PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "TRACE", "CONNECT"),
    },
    {
      weight: hostile ? 3 : 0,
      arbitrary: fc.constantFrom("PROPFIND", "get", "G3T", "POST ", "", "M-SEARCH"),
    },
  );

/**
 * A request to one of `paths`: mostly well-formed HTTP that reaches the routes (so the fuzz
 * goes past the parser), one in four `hostile` (bytes and framing Node itself must refuse).
 */
function request(
  paths: (segment: fc.Arbitrary<string>) => fc.Arbitrary<string>,
  bodies: fc.Arbitrary<Uint8Array>,
): fc.Arbitrary<FuzzRequest> {
  const variant = (hostile: boolean) => {
    const segment = segmentOf(hostile);
    return fc.record({
      // null: the method the route expects (POST where a body is read, GET elsewhere).
      method: mostly<string | null>(null, method(hostile)),
      path: paths(segment),
      query: mostly("", query(segment)),
      keys: keyHeaders(keyValueOf(hostile)),
      contentType: mostly<string | null>("application/json", fc.option(contentType)),
      extra: mostly<[string, string][]>([], extraHeaders(hostile), 3),
      body: fc.option(bodies, { freq: 10 }),
      framing: mostly<Framing>("length", framing(hostile), 4),
      keepAlive: fc.boolean(),
    });
  };
  return fc
    .oneof({ weight: 3, arbitrary: variant(false) }, { weight: 1, arbitrary: variant(true) })
    .map((r) => {
      const path = r.path.split("?")[0] ?? "";
      const method =
        r.method ??
        (/\/(predict|infer|keys|models|revoke|pulled)$/.test(path) &&
        !/^\/v2\/models\/[^/]*$/.test(path)
          ? "POST"
          : "GET");
      const headers: [string, string][] = [...r.keys];
      if (r.contentType !== null) headers.push(["Content-Type", r.contentType]);
      headers.push(...r.extra);
      // Mostly a body where the API reads one; sometimes where it does not.
      const wantsBody = method === "POST" || r.body !== null;
      return {
        method,
        target: `${r.path}${r.query}`,
        headers,
        body: wantsBody ? (r.body ?? new Uint8Array()) : null,
        framing: r.framing,
        keepAlive: r.keepAlive,
      };
    });
}

export const publicRequest = request(publicPath, body);

/** A real spec with values replaced, removed or added: what a stored spec may become. */
export function mutatedSpec(spec: Record<string, unknown>): fc.Arbitrary<unknown> {
  const paths: string[][] = [];
  const walk = (value: unknown, at: string[]) => {
    if (at.length > 0) paths.push(at);
    if (typeof value === "object" && value !== null && at.length < 6) {
      for (const [k, v] of Object.entries(value)) walk(v, [...at, k]);
    }
  };
  walk(spec, []);
  const evil = fc.constantFrom<unknown>(
    "^(a+)+$",
    { type: "string", pattern: "^(a+)+$" },
    { type: "string", pattern: "(?<=a)b" },
    { type: "string", pattern: "[" },
    Object.fromEntries(Array.from({ length: 25_000 }, (_, i) => [`p${i}`, { type: "number" }])),
    "x".repeat(300_000),
    -1,
    1e9,
    null,
    [],
  );
  return fc
    .array(fc.tuple(fc.constantFrom(...paths), fc.oneof(json, evil), fc.boolean()), {
      maxLength: 3,
    })
    .map((edits) => {
      const copy = structuredClone(spec);
      for (const [path, value, remove] of edits) {
        let at: Record<string, unknown> = copy;
        for (const k of path.slice(0, -1)) {
          const next = at[k];
          if (typeof next !== "object" || next === null) break;
          at = next as Record<string, unknown>;
        }
        const last = path[path.length - 1] ?? "";
        if (remove) delete at[last];
        else at[last] = value;
      }
      return copy;
    });
}

/** Admin bodies shaped like the routes' (keys, models, pulls), each field mostly valid. */
function adminShapes(spec: Record<string, unknown>, sources: string[]) {
  const id = fc.oneof(fc.constantFrom("fz-1", "fz-2", "fz-3"), segment, json);
  /** A field mostly absent (the route's default), else fuzzed. */
  const optional = (arb: fc.Arbitrary<unknown>) => mostly<unknown>(undefined, arb, 3);
  const createKey = fc.record({
    name: mostly<unknown>(
      "fuzz",
      fc.oneof(fc.string({ maxLength: 20 }), json, fc.constant("n".repeat(300))),
    ),
    user_id: optional(fc.oneof(fc.string({ maxLength: 20 }), json)),
    scopes: mostly<unknown>(
      ["predict"],
      fc.oneof(
        fc.subarray(["predict", "models:read", "admin", "nope", "*", ""]),
        json,
        fc.constant("predict"),
      ),
    ),
    models: optional(
      fc.oneof(fc.constant(null), fc.array(id, { maxLength: 3 }), fc.constant("21"), json),
    ),
    expires_at: optional(fc.oneof(duration, fc.constant(null), json)),
    rate_limit_per_hour: optional(
      fc.oneof(fc.constantFrom(null, 0, -1, 1.5, 1e308, Number.MAX_SAFE_INTEGER, 10), json),
    ),
  });
  const register = fc.record({
    id: mostly<unknown>("fz-1", fc.oneof(fc.constantFrom("fz-2", "fz-3"), id), 1),
    source: mostly<unknown>(
      sources[0],
      fc.oneof(fc.constantFrom(...sources), fc.string({ maxLength: 40 }), json),
      1,
    ),
    name: optional(fc.oneof(fc.string({ maxLength: 20 }), json)),
    spec: fc.oneof(
      { weight: 4, arbitrary: mutatedSpec(spec) },
      { weight: 2, arbitrary: fc.constant(spec) },
      { weight: 1, arbitrary: fc.constant(null) },
      { weight: 1, arbitrary: json },
    ),
    resolved_revision: optional(fc.oneof(fc.constant(null), fc.string({ maxLength: 20 }), json)),
    max_batch_size: optional(
      fc.oneof(fc.constantFrom(null, 0, 1, 64, 10_000, 10_001, -1, 2.5), json),
    ),
    cache_duration_s: optional(fc.oneof(fc.constantFrom(null, 0, 60, 1e12, -1), json)),
    warm: optional(fc.oneof(fc.boolean(), json)),
  });
  const pulled = fc.record({
    revision: mostly<unknown>(null, fc.oneof(fc.string({ maxLength: 30 }), json)),
  });
  return { id, createKey, register, pulled };
}

/** Admin bodies: shaped like the routes' (keys, models, pulls) with fields fuzzed, or anything. */
export function adminBody(
  spec: Record<string, unknown>,
  sources: string[],
): fc.Arbitrary<Uint8Array> {
  const { createKey, register, pulled } = adminShapes(spec, sources);
  return fc.oneof(
    { weight: 3, arbitrary: createKey.map((b) => utf8(JSON.stringify(b))) },
    { weight: 4, arbitrary: register.map((b) => utf8(JSON.stringify(b))) },
    { weight: 1, arbitrary: pulled.map((b) => utf8(JSON.stringify(b))) },
    { weight: 2, arbitrary: body },
  );
}

/** Any request on the admin socket's routes. */
export function adminRequest(
  spec: Record<string, unknown>,
  sources: string[],
): fc.Arbitrary<FuzzRequest> {
  return request(adminPath, adminBody(spec, sources));
}

/**
 * Admin calls as the CLI makes them, only their fields fuzzed: keys created, models
 * registered (specs mutated, sources of every kind), pulls recorded, models removed.
 */
export function adminCall(
  spec: Record<string, unknown>,
  sources: string[],
): fc.Arbitrary<FuzzRequest> {
  const { createKey, register, pulled } = adminShapes(spec, sources);
  const modelId = fc.constantFrom("fz-1", "fz-2", "fz-3");
  const call = fc.oneof(
    createKey.map((b) => ["POST", "/keys", b] as const),
    { weight: 2, arbitrary: register.map((b) => ["POST", "/models", b] as const) },
    fc.tuple(modelId, pulled).map(([id, b]) => ["POST", `/models/${id}/pulled`, b] as const),
    modelId.map((id) => ["DELETE", `/models/${id}`, null] as const),
    fc.constantFrom("/keys", "/models", "/usage").map((p) => ["GET", p, null] as const),
  );
  return call.map(([method, target, b]) => ({
    method,
    target,
    headers: b === null ? [] : [["Content-Type", "application/json"]],
    body: b === null ? null : utf8(JSON.stringify(b)),
    framing: "length",
    keepAlive: false,
  }));
}

/**
 * Requests that are not HTTP, or barely: garbage, broken request lines, header lines without
 * a colon, bare LFs, conflicting lengths, smuggling attempts, an HTTP/2 preface.
 */
export const malformedBytes: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.uint8Array({ minLength: 1, maxLength: 400 }),
  fc.string({ unit: "binary", minLength: 1, maxLength: 200 }).map((s) => utf8(`${s}\r\n\r\n`)),
  fc
    .constantFrom(
      "GET\r\n\r\n",
      "GET /live\r\n\r\n",
      "GET /live HTTP/9.9\r\nHost: x\r\n\r\n",
      "GET /live HTTP/1.0\r\n\r\n",
      "GET /live HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n",
      "GET /live HTTP/1.1\nHost: x\n\n",
      "GET /live HTTP/1.1\r\nHost: x\r\n Folded: y\r\n\r\n",
      "POST /api/v1/models/21/predict HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 7\r\n\r\n{}",
      "POST /api/v1/models/21/predict HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /live HTTP/1.1\r\nHost: x\r\n\r\n",
      "POST /api/v1/models/21/predict HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, identity\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
      "POST /api/v1/models/21/predict HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n",
      "POST /api/v1/models/21/predict HTTP/1.1\r\nHost: x\r\nContent-Length: 1e3\r\n\r\n",
      "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
      "GET /live HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n",
      "GET /li\u0000ve HTTP/1.1\r\nHost: x\r\n\r\n",
      "GET /live?x=\u00ff HTTP/1.1\r\nHost: x\r\n\r\n",
      "\r\n\r\n\r\nGET /live HTTP/1.1\r\nHost: x\r\n\r\n",
      "GET /live HTTP/1.1\r\nHost: x\r\nX: \u0007\r\n\r\n",
      "GET /live HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAAP__\r\n\r\n",
      "CONNECT 127.0.0.1:1 HTTP/1.1\r\nHost: 127.0.0.1:1\r\n\r\n",
    )
    .map(utf8),
);

/** The bytes of one request: its framing as asked, and how many answers to wait for. */
export function toWire(
  req: FuzzRequest,
  keys: Record<KeyRole, string>,
): { bytes: Buffer; expect: number; methods: string[] } {
  const target = resolveKeys(req.target, keys);
  const lines = [`${req.method} ${target} HTTP/1.1`, "Host: 127.0.0.1"];
  for (const [name, value] of req.headers) lines.push(`${name}: ${resolveKeys(value, keys)}`);
  lines.push(`Connection: ${req.keepAlive ? "keep-alive" : "close"}`);
  const body = req.body === null ? null : Buffer.from(req.body);
  let tail: Buffer = Buffer.alloc(0);
  let expect = 1;
  if (body !== null) {
    switch (req.framing) {
      case "length":
        lines.push(`Content-Length: ${body.length}`);
        tail = body;
        break;
      case "chunked": {
        lines.push("Transfer-Encoding: chunked");
        const half = Math.floor(body.length / 2);
        const chunks = [body.subarray(0, half), body.subarray(half)].filter((c) => c.length > 0);
        tail = Buffer.concat([
          ...chunks.flatMap((c) => [
            Buffer.from(`${c.length.toString(16)}\r\n`),
            c,
            Buffer.from("\r\n"),
          ]),
          Buffer.from("0\r\n\r\n"),
        ]);
        break;
      }
      case "bad-chunk":
        lines.push("Transfer-Encoding: chunked");
        tail = Buffer.concat([Buffer.from("zz\r\n"), body, Buffer.from("\r\n0\r\n\r\n")]);
        break;
      case "short": // declares more than it sends: cut by the request time limit
        lines.push(`Content-Length: ${body.length + 10}`);
        tail = body;
        break;
      case "long": // declares less: the rest is read as the next request
        lines.push(`Content-Length: ${Math.floor(body.length / 2)}`);
        tail = body;
        expect = body.length - Math.floor(body.length / 2) > 0 ? 2 : 1;
        break;
      case "none": // no length: the body is read as the next request
        tail = body;
        expect = body.length > 0 ? 2 : 1;
        break;
    }
  }
  const head = Buffer.from(`${lines.join("\r\n")}\r\n\r\n`, "utf8");
  return { bytes: Buffer.concat([head, tail]), expect, methods: [req.method, "GET"] };
}

/** A short description of a request for a failure message (bodies cut). */
export function describe(req: FuzzRequest): string {
  const body =
    req.body === null
      ? ""
      : ` body(${req.body.length} B, ${req.framing}): ${Buffer.from(req.body.subarray(0, 200)).toString("utf8")}`;
  const headers = req.headers.map(
    ([n, v]) => `${n}: ${v.length > 80 ? `${v.slice(0, 80)}…(${v.length})` : v}`,
  );
  return `${req.method} ${req.target.slice(0, 300)} [${headers.join(" | ")}]${body}`;
}

/** Requests on the model routes of `ids` (models the admin fuzz may have stored), any key. */
export function modelRouteRequest(ids: string[]): fc.Arbitrary<FuzzRequest> {
  const path = fc
    .tuple(fc.constantFrom(...ids), fc.constantFrom("predict", "info", "health"))
    .map(([id, route]) => `/api/v1/models/${id}/${route}`);
  const paths = fc.oneof(
    { weight: 6, arbitrary: path },
    { weight: 1, arbitrary: fc.constantFrom("/api/v1/models", "/ready", "/health") },
  );
  return request(() => paths, body);
}

/**
 * A prediction as a client sends it, only its inputs fuzzed (wrong types, missing and unknown
 * fields, batches, options): the requests that reach the model's validator and pipeline.
 */
export const predictRequest: fc.Arbitrary<FuzzRequest> = fc
  .record({
    role: fc.constantFrom<KeyRole>("admin", "predict"),
    oip: fc.boolean(),
    body: fc.oneof(predictBody, inferBody),
    batch: fc.array(input, { minLength: 1, maxLength: 64 }),
    asBatch: fc.boolean(),
  })
  .map(({ role, oip, body: b, batch, asBatch }) => ({
    method: "POST",
    target: oip ? "/v2/models/21/infer" : "/api/v1/models/21/predict",
    headers: [
      ["X-API-Key", keyRef(role)],
      ["Content-Type", "application/json"],
    ],
    body: utf8(JSON.stringify(asBatch && !oip ? { inputs: batch } : b)),
    framing: "length",
    keepAlive: true,
  }));
