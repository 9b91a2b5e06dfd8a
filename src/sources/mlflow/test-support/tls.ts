/**
 * TLS in front of the fake MLflow tracking server, for tests: a self-signed certificate for
 * 127.0.0.1 made by openssl in the test (null when openssl is not installed: the caller skips,
 * saying so), and a TLS listener on 127.0.0.1 that forwards each connection to a plain HTTP
 * server — so the fake tracking server is served over https exactly as it answers over http.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer as createHttpServer } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer as createTlsServer } from "node:tls";

export interface TestCertificate {
  /** The PEM certificate (its own CA: self-signed). */
  cert: string;
  key: string;
  /** Where the certificate's PEM file is (what MLFLOW_TRACKING_SERVER_CERT_PATH names). */
  certPath: string;
  dir: string;
  cleanup(): void;
}

/** A self-signed certificate for IP 127.0.0.1, or null without an openssl binary. */
export function selfSignedCertificate(): TestCertificate | null {
  const dir = mkdtempSync(join(tmpdir(), "mg-mlflow-tls-"));
  const certPath = join(dir, "cert.pem");
  const keyPath = join(dir, "key.pem");
  try {
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-keyout",
        keyPath,
        "-out",
        certPath,
        "-days",
        "2",
        "-subj",
        "/CN=127.0.0.1",
        "-addext",
        "subjectAltName=IP:127.0.0.1",
      ],
      { stdio: "pipe" },
    );
  } catch {
    rmSync(dir, { recursive: true, force: true });
    return null;
  }
  return {
    cert: readFileSync(certPath, "utf8"),
    key: readFileSync(keyPath, "utf8"),
    certPath,
    dir,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export interface TlsFront {
  /** https://127.0.0.1:PORT */
  url: string;
  close(): Promise<void>;
}

/** A TLS listener on 127.0.0.1 forwarding every connection to `target` (http://127.0.0.1:N). */
export async function startTlsFront(target: string, cert: TestCertificate): Promise<TlsFront> {
  const port = Number(new URL(target).port);
  const server = createTlsServer({ key: cert.key, cert: cert.cert }, (socket) => {
    const upstream = connect(port, "127.0.0.1");
    socket.pipe(upstream).pipe(socket);
    const end = () => {
      socket.destroy();
      upstream.destroy();
    };
    socket.on("error", end);
    upstream.on("error", end);
    socket.on("close", end);
    upstream.on("close", end);
  });
  // A client refusing the certificate ends its handshake: not an error of the test.
  server.on("tlsClientError", () => undefined);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port: own } = server.address() as AddressInfo;
  const sockets = new Set<Socket>();
  server.on("secureConnection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  return {
    url: `https://127.0.0.1:${own}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A plain HTTP server that answers every request with a redirect to `to` + the same path. */
export async function startRedirector(
  to: string,
): Promise<{ url: string; close(): Promise<void> }> {
  const server = createHttpServer((req: IncomingMessage, res: ServerResponse) => {
    res.writeHead(302, { Location: `${to}${req.url ?? "/"}` }).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
