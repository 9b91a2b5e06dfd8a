// A lean stand-in for the seeds' auth service, for `npm run bench -- --auth-service`: validates
// one key (POST /api/v1/keys/validate) and takes usage reports (POST /api/v1/usage/{key_id}),
// counting them. Prints {"url"} on its first line; GET /stats answers the counts. Kept in its own
// process so the service it stands for is not free for modelgate's event loop.
// Usage: node bench/fake-auth-server.mjs KEY
import { createServer } from "node:http";

const key = process.argv[2];
if (!key) {
  process.stderr.write("usage: node bench/fake-auth-server.mjs KEY\n");
  process.exit(2);
}
const record = JSON.stringify({
  user: { id: "bench_user" },
  key_id: "key_bench",
  scopes: ["inference:run"],
  rate_limit_per_hour: 0,
});
const counts = { validations: 0, usage: 0, badUsage: 0 };
const USAGE = /^\/api\/v1\/usage\/[^/]+$/;
const FIELDS = ["endpoint", "response_time_ms", "status_code", "service_id"];

/** With its length, as FastAPI's JSONResponse sends it (cheaper than chunked, too). */
function send(res, status, text) {
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
  });
  res.end(text);
}

const server = createServer(function fakeAuth(req, res) {
  let body = "";
  req.setEncoding("utf8");
  req.on("data", (chunk) => (body += chunk));
  req.on("end", () => {
    if (req.method === "GET" && req.url === "/stats") {
      send(res, 200, JSON.stringify(counts));
    } else if (req.url === "/api/v1/keys/validate") {
      counts.validations += 1;
      const ok = req.headers.authorization === `Bearer ${key}`;
      send(res, ok ? 200 : 401, ok ? record : '{"detail":"Invalid or expired API key"}');
    } else if (req.method === "POST" && USAGE.test(req.url ?? "")) {
      // Counted only when it carries the seeds' four fields.
      let parsed;
      try {
        parsed = JSON.parse(body);
      } catch {
        parsed = {};
      }
      if (FIELDS.every((f) => f in parsed)) counts.usage += 1;
      else counts.badUsage += 1;
      send(res, 201, '{"message":"Usage recorded successfully"}');
    } else {
      send(res, 404, '{"detail":"not found"}');
    }
  });
});
server.keepAliveTimeout = 30_000;
server.listen(0, "127.0.0.1", () => {
  const { port } = server.address();
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${port}` })}\n`);
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
