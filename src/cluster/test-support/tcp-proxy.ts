/**
 * A TCP proxy in front of a real server, for tests that need the server to go away and come
 * back (PostgreSQL, Redis, the auth service) without stopping the machine's shared instance.
 *
 * Two kinds of outage:
 * - `stop()` refuses: every connection is reset and nothing listens; `start()` listens again.
 * - `blackhole()` lies: connections stay open and new ones are accepted, but every byte is
 *   swallowed — no answer, no reset, no FIN — as a partitioned network or a firewall that drops
 *   packets does. Only timeouts can tell. `heal()` lets new connections through again; the ones
 *   that lived through the blackhole stay silent for good (their state was lost, as when a NAT
 *   or conntrack entry expires during a partition), so a client must replace them.
 */
import { connect, createServer } from "node:net";
import type { Server, Socket } from "node:net";

export interface TcpProxy {
  readonly port: number;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Swallow every byte on every connection, open or new, without answering or closing. */
  blackhole(): void;
  /** New connections reach the server again; blackholed ones stay silent. */
  heal(): void;
}

export async function tcpProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  /** Client sockets of live relays, to swallow when the blackhole starts. */
  const relays = new Map<Socket, Socket>();
  let server: Server | undefined;
  let port = 0;
  let black = false;

  function track(socket: Socket): void {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => socket.destroy());
  }

  /** Read and drop everything, never write, never end (half-open allowed). */
  function swallow(socket: Socket): void {
    socket.unpipe();
    socket.removeAllListeners("data");
    socket.on("data", () => undefined);
    socket.resume();
  }

  function relay(client: Socket): void {
    track(client);
    if (black) {
      swallow(client);
      return;
    }
    const upstream = connect({ port: targetPort, host: targetHost, allowHalfOpen: true });
    track(upstream);
    relays.set(client, upstream);
    client.pipe(upstream);
    upstream.pipe(client);
    client.on("close", () => {
      relays.delete(client);
      upstream.destroy();
    });
    upstream.on("close", () => client.destroy());
  }

  async function start(): Promise<void> {
    black = false;
    const next = createServer({ allowHalfOpen: true }, relay);
    await new Promise<void>((resolve, reject) => {
      next.once("error", reject);
      next.listen(port, "127.0.0.1", () => resolve());
    });
    const address = next.address();
    if (address === null || typeof address === "string") throw new Error("no TCP address");
    port = address.port;
    server = next;
  }

  async function stop(): Promise<void> {
    const current = server;
    server = undefined;
    for (const socket of sockets) socket.destroy();
    relays.clear();
    if (current) await new Promise<void>((resolve) => current.close(() => resolve()));
  }

  function blackhole(): void {
    black = true;
    for (const [client, upstream] of relays) {
      // The server side goes quiet too; it is kept open (a partition closes nothing).
      swallow(client);
      swallow(upstream);
    }
    relays.clear();
  }

  await start();
  return {
    get port() {
      return port;
    },
    start,
    stop,
    blackhole,
    heal: () => {
      black = false;
    },
  };
}
