import { connect } from "node:net";

export interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** Milliseconds from the first byte sent to the connection closing. */
  ms: number;
}

/**
 * Writes `chunks` to a fresh TCP connection (each after `gapMs`), then reads until the server
 * closes it or `waitMs` passes. For what fetch cannot send: malformed requests, huge request
 * lines, bodies that stall.
 */
export function rawRequest(
  url: string,
  chunks: string[],
  options: { gapMs?: number; waitMs?: number } = {},
): Promise<RawAnswer> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = connect(Number(port), hostname);
    const received: Buffer[] = [];
    const timers: NodeJS.Timeout[] = [];
    socket.on("data", (chunk: Buffer) => received.push(chunk));
    socket.on("error", () => socket.destroy());
    socket.on("close", () => {
      for (const t of timers) clearTimeout(t);
      const text = Buffer.concat(received).toString("utf8");
      const [head = "", ...rest] = text.split("\r\n\r\n");
      const [statusLine = "", ...lines] = head.split("\r\n");
      const headers: Record<string, string> = {};
      for (const line of lines) {
        const at = line.indexOf(":");
        if (at > 0) headers[line.slice(0, at).toLowerCase()] = line.slice(at + 1).trim();
      }
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(statusLine)?.[1] ?? 0);
      if (status === 0 && text !== "")
        reject(new Error(`not an HTTP answer: ${text.slice(0, 80)}`));
      else resolve({ status, headers, body: rest.join("\r\n\r\n"), ms: Date.now() - started });
    });
    chunks.forEach((chunk, i) => {
      timers.push(
        setTimeout(
          () => {
            if (!socket.destroyed) socket.write(chunk);
          },
          i * (options.gapMs ?? 0),
        ),
      );
    });
    timers.push(setTimeout(() => socket.destroy(), options.waitMs ?? 10_000));
  });
}
