// A lean stand-in for the seeds' auth service, for `npm run bench -- --auth-service`: validates
// one key (POST /api/v1/keys/validate) and takes usage reports (POST /api/v1/usage/{key_id}),
// counting them. Prints {"url"} on its first line; GET /stats answers the counts.
//
// Raw HTTP/1.1 over TCP rather than node:http, and in its own process: a real auth service runs
// on other machines, so what it costs here is CPU taken from the service measured on the same
// two cores. It reads requests with Content-Length bodies (what modelgate and fetch send),
// answers in order, and writes every answer a read produced in one write.
// Usage: node bench/fake-auth-server.mjs KEY
import { createServer } from "node:net";

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
const USAGE = /^POST \/api\/v1\/usage\/[^/ ]+ HTTP/;
const FIELDS = ["endpoint", "response_time_ms", "status_code", "service_id"];
const REASONS = {
  200: "OK",
  201: "Created",
  400: "Bad Request",
  401: "Unauthorized",
  404: "Not Found",
};

function answer(status, text) {
  return `HTTP/1.1 ${status} ${REASONS[status]}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(text)}\r\n\r\n${text}`;
}

function handle(head, body) {
  const requestLine = head.slice(0, head.indexOf("\r\n"));
  if (requestLine.startsWith("GET /stats ")) return answer(200, JSON.stringify(counts));
  if (requestLine.startsWith("POST /api/v1/keys/validate ")) {
    counts.validations += 1;
    const auth = /\r\nauthorization:[ \t]*([^\r\n]*)/i.exec(head)?.[1];
    return auth === `Bearer ${key}`
      ? answer(200, record)
      : answer(401, '{"detail":"Invalid or expired API key"}');
  }
  if (USAGE.test(requestLine)) {
    // Counted only when it carries the seeds' four fields.
    let parsed;
    try {
      parsed = JSON.parse(body);
    } catch {
      parsed = {};
    }
    if (FIELDS.every((f) => f in parsed)) counts.usage += 1;
    else counts.badUsage += 1;
    return answer(201, '{"message":"Usage recorded successfully"}');
  }
  return answer(404, '{"detail":"not found"}');
}

const server = createServer((socket) => {
  let buffered = "";
  socket.setNoDelay(true);
  socket.setEncoding("latin1");
  socket.on("error", () => {});
  socket.on("data", (chunk) => {
    buffered += chunk;
    let out = "";
    for (;;) {
      const headEnd = buffered.indexOf("\r\n\r\n");
      if (headEnd < 0) break;
      const head = buffered.slice(0, headEnd);
      const length = Number(/\r\ncontent-length:[ \t]*(\d+)/i.exec(head)?.[1] ?? 0);
      if (buffered.length < headEnd + 4 + length) break;
      const body = Buffer.from(buffered.slice(headEnd + 4, headEnd + 4 + length), "latin1");
      buffered = buffered.slice(headEnd + 4 + length);
      out += handle(head, body.toString("utf8"));
    }
    if (out) socket.write(out, "latin1");
  });
});
server.listen(0, "127.0.0.1", () => {
  const { port } = server.address();
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${port}` })}\n`);
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
