/**
 * The pipelined transport against real servers on 127.0.0.1: Node's HTTP server (which answers
 * pipelined requests in order, as uvicorn does) and raw TCP servers for what a well-behaved one
 * never does.
 */
import { createServer } from "node:http";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { createServer as createTcpServer } from "node:net";
import type { Server as TcpServer, Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { pipelinedTransport } from "./pipelined-transport.js";

const servers: (Server | TcpServer)[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    if ("closeAllConnections" in s) s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

async function listen<S extends Server | TcpServer>(server: S): Promise<URL> {
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no address");
  return new URL(`http://127.0.0.1:${address.port}`);
}

interface Seen {
  connections: number;
  bodies: string[];
}

/** Answers /status/NNN with that status and the body it got; counts connections. */
async function httpServer(
  handle?: (req: IncomingMessage, res: ServerResponse, body: string) => boolean,
): Promise<{ url: URL; seen: Seen }> {
  const seen: Seen = { connections: 0, bodies: [] };
  const server = createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (c: string) => (body += c));
    req.on("end", () => {
      seen.bodies.push(body);
      if (handle?.(req, res, body)) return;
      const status = Number(/\/status\/(\d{3})/.exec(req.url ?? "")?.[1] ?? 200);
      res.writeHead(status, status === 503 ? { "retry-after": "7" } : {});
      res.end(JSON.stringify({ got: body, path: req.url }));
    });
  });
  server.on("connection", () => (seen.connections += 1));
  return { url: await listen(server), seen };
}

const json = { "content-type": "application/json" };

describe("pipelinedTransport", () => {
  it("sends the calls of one tick together on one connection; answers come back in order", async () => {
    const { url, seen } = await httpServer();
    const t = pipelinedTransport({ depth: 64 });
    const statuses = Array.from({ length: 40 }, (_, i) => [201, 404, 503, 500][i % 4] ?? 200);
    const answers = await Promise.all(
      statuses.map((status, i) =>
        t.post(new URL(`/status/${status}?n=${i}`, url), json, `{"n":${i}}`, 2_000),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual(statuses);
    answers.forEach((a, i) => {
      expect(JSON.parse(a.text)).toEqual({
        got: `{"n":${i}}`,
        path: `/status/${statuses[i]}?n=${i}`,
      });
    });
    expect(answers[2]?.retryAfter).toBe("7");
    expect(answers[0]?.retryAfter).toBeNull();
    expect(seen.connections).toBe(1);
    t.close();
  });

  it("opens another connection past `depth` calls waiting, up to `connections`", async () => {
    const { url, seen } = await httpServer();
    const t = pipelinedTransport({ depth: 4, connections: 3 });
    const posts = Array.from({ length: 12 }, () => t.post(new URL("/x", url), json, "{}", 2_000));
    expect((await Promise.all(posts)).every((a) => a.status === 200)).toBe(true);
    expect(seen.connections).toBe(3);
    // A 13th waiting call has no room: refused at once, to be sent again.
    const full = Array.from({ length: 13 }, () => t.post(new URL("/x", url), json, "{}", 2_000));
    const settled = await Promise.allSettled(full);
    expect(settled.filter((s) => s.status === "rejected")).toHaveLength(1);
    const refused = settled.find((s) => s.status === "rejected");
    expect(refused?.status === "rejected" && (refused.reason as Error).name).toBe(
      "ConnectionAborted",
    );
    t.close();
  });

  it("reads chunked answers (a server that sends no length)", async () => {
    const { url } = await httpServer((_req, res, body) => {
      res.writeHead(201);
      res.write('{"first":');
      res.end(`${JSON.stringify(body)}}`);
      return true;
    });
    const t = pipelinedTransport();
    const [a, b] = await Promise.all([
      t.post(new URL("/c", url), json, "one", 2_000),
      t.post(new URL("/c", url), json, "two", 2_000),
    ]);
    expect([a?.status, a?.text, b?.text]).toEqual([201, '{"first":"one"}', '{"first":"two"}']);
    t.close();
  });

  it("after Connection: close, the calls behind it are aborted and a new connection is used", async () => {
    let answered = 0;
    const { url, seen } = await httpServer((_req, res) => {
      answered += 1;
      res.writeHead(201, answered === 1 ? { connection: "close" } : {});
      res.end("{}");
      return true;
    });
    const t = pipelinedTransport();
    const settled = await Promise.allSettled(
      [1, 2, 3].map(() => t.post(new URL("/u", url), json, "{}", 2_000)),
    );
    expect(settled[0]).toMatchObject({ status: "fulfilled", value: { status: 201 } });
    for (const s of settled.slice(1)) {
      expect(s.status === "rejected" && (s.reason as Error).name).toBe("ConnectionAborted");
    }
    expect((await t.post(new URL("/u", url), json, "{}", 2_000)).status).toBe(201);
    expect(seen.connections).toBe(2);
    t.close();
  });

  /** A raw TCP server: `answer` gets each connection and the bytes read so far. */
  async function tcpServer(answer: (socket: Socket, received: string) => void): Promise<URL> {
    const server = createTcpServer((socket) => {
      let received = "";
      socket.on("data", (d) => {
        received += d.toString("latin1");
        answer(socket, received);
      });
      socket.on("error", () => {});
    });
    return listen(server);
  }

  it("a call past its deadline gets TimeoutError; those behind it on the connection are aborted", async () => {
    // Answers the first request of a connection only, then goes silent.
    const url = await tcpServer((socket, received) => {
      if (received.includes("\r\n\r\n{}") && !socket.readableEnded && !("done" in socket)) {
        Object.assign(socket, { done: true });
        socket.write("HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\n{}");
      }
    });
    const t = pipelinedTransport();
    const settled = await Promise.allSettled([
      t.post(new URL("/t", url), json, "{}", 300),
      t.post(new URL("/t", url), json, "{}", 300),
      t.post(new URL("/t", url), json, "{}", 300),
    ]);
    expect(settled[0]).toMatchObject({ status: "fulfilled", value: { status: 201 } });
    expect(settled[1]?.status === "rejected" && (settled[1].reason as Error).name).toBe(
      "TimeoutError",
    );
    expect(settled[2]?.status === "rejected" && (settled[2].reason as Error).name).toBe(
      "ConnectionAborted",
    );
    t.close();
  });

  it("reads an HTTP/1.0 answer that runs to the close", async () => {
    const url = await tcpServer((socket, received) => {
      if (received.includes("\r\n\r\n")) socket.end('HTTP/1.0 200 OK\r\n\r\n{"ok":true}');
    });
    const t = pipelinedTransport();
    expect(await t.post(new URL("/h", url), json, "{}", 2_000)).toEqual({
      status: 200,
      retryAfter: null,
      text: '{"ok":true}',
    });
    t.close();
  });

  it.each([
    [
      "an answer past 64 KiB",
      `HTTP/1.1 200 OK\r\nContent-Length: ${70 * 1024}\r\n\r\n`,
      /65536 bytes/,
    ],
    ["something that is not HTTP", "SSH-2.0-OpenSSH_9.6\r\n\r\n", /not HTTP/],
    ["a malformed length", "HTTP/1.1 200 OK\r\nContent-Length: 12x\r\n\r\n", /Content-Length/],
  ])("refuses %s", async (_what, reply, reason) => {
    const url = await tcpServer((socket, received) => {
      if (received.includes("\r\n\r\n{}")) socket.write(reply);
    });
    const t = pipelinedTransport();
    await expect(t.post(new URL("/r", url), json, "{}", 2_000)).rejects.toThrow(reason);
    t.close();
  });

  it("drops a connection that answers more than it was asked; the next call gets a new one", async () => {
    let connections = 0;
    const url = await tcpServer((socket, received) => {
      if (!received.endsWith("\r\n\r\n{}")) return;
      if (!("counted" in socket)) {
        Object.assign(socket, { counted: true });
        connections += 1;
      }
      socket.write("HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n".repeat(2));
    });
    const t = pipelinedTransport();
    expect((await t.post(new URL("/x", url), json, "{}", 2_000)).status).toBe(201);
    expect((await t.post(new URL("/x", url), json, "{}", 2_000)).status).toBe(201);
    expect(connections).toBe(2);
    t.close();
  });

  it("a refused connection rejects with the network error; close() aborts what waits", async () => {
    const { url } = await httpServer((_req, _res) => true); // never answers
    const t = pipelinedTransport();
    const waiting = t.post(new URL("/w", url), json, "{}", 5_000);
    await new Promise((r) => setTimeout(r, 50));
    t.close();
    await expect(waiting).rejects.toMatchObject({ name: "ConnectionAborted" });
    const closedPort = new URL(url);
    for (const s of servers.splice(0)) {
      if ("closeAllConnections" in s) s.closeAllConnections();
      await new Promise((r) => s.close(r));
    }
    const t2 = pipelinedTransport();
    await expect(t2.post(new URL("/w", closedPort), json, "{}", 2_000)).rejects.toMatchObject({
      code: "ECONNREFUSED",
    });
    t2.close();
  });
});
