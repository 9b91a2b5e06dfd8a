// The baseline: a bare Fastify route answering a fixed JSON body of the given size.
import Fastify from "fastify";

const size = Number(process.argv[2] ?? "400");
const app = Fastify({ logger: false });
const body = { model_id: "21", padding: "" };
body.padding = "x".repeat(Math.max(0, size - JSON.stringify(body).length));
const payload = JSON.stringify(body);
app.post("/bare", async (_request, reply) => reply.type("application/json").send(payload));
const address = await app.listen({ port: 0, host: "127.0.0.1" });
process.stdout.write(`${JSON.stringify({ url: address })}\n`);
process.on("SIGTERM", () => app.close().then(() => process.exit(0)));
