import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from "node:http";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

export interface ScriptedServer {
  url: string;
  /** The headers of every request, in order. */
  requests: IncomingHttpHeaders[];
  close(): Promise<void>;
}

/**
 * An http server on 127.0.0.1 whose every answer is written by the test: for sources that
 * misbehave on purpose (drip a byte at a time, never end, change between requests).
 */
export async function startScriptedServer(
  handler: (req: IncomingMessage, res: ServerResponse, index: number) => void,
): Promise<ScriptedServer> {
  const requests: IncomingHttpHeaders[] = [];
  const server = createServer((req, res) => {
    requests.push(req.headers);
    handler(req, res, requests.length - 1);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Writes `chunk` every `everyMs` until the client goes away (an endless, dripping body). */
export function drip(res: ServerResponse, chunk: Buffer, everyMs: number): void {
  const timer = setInterval(() => {
    if (res.destroyed || res.writableEnded) return clearInterval(timer);
    res.write(chunk);
  }, everyMs);
  res.on("close", () => clearInterval(timer));
}
