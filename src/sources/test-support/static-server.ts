import type { AddressInfo } from "node:net";
import { createServer } from "node:http";

export interface StaticServer {
  url: string;
  files: Map<string, Buffer>;
  hits: Map<string, number>;
  /** Answer every request with this status (null: serve normally). */
  status: number | null;
  close(): Promise<void>;
}

/** A tiny http server on 127.0.0.1 serving in-memory files by path (with byte ranges). */
export async function startStaticServer(
  files: Record<string, Buffer | string>,
): Promise<StaticServer> {
  const state: StaticServer = {
    url: "",
    files: new Map(Object.entries(files).map(([p, d]) => [p, Buffer.from(d)])),
    hits: new Map(),
    status: null,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    state.hits.set(path, (state.hits.get(path) ?? 0) + 1);
    if (state.status !== null) return void res.writeHead(state.status).end("fault");
    const body = state.files.get(path);
    if (!body) return void res.writeHead(404).end("not found");
    const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? "");
    if (!range) return void res.writeHead(200, { "Content-Length": body.length }).end(body);
    const start = Number(range[1]);
    const end = range[2] ? Math.min(Number(range[2]), body.length - 1) : body.length - 1;
    res
      .writeHead(206, {
        "Content-Range": `bytes ${start}-${end}/${body.length}`,
        "Content-Length": end - start + 1,
      })
      .end(body.subarray(start, end + 1));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return state;
}
