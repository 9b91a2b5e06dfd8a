/**
 * A fake MLflow tracking server for tests: real HTTP on 127.0.0.1, implementing the REST
 * endpoints modelgate calls with MLflow's answers and error shape ({"error_code", "message"}):
 * model-versions/get, registered-models/alias, registered-models/get-latest-versions,
 * model-versions/get-download-uri, and the proxied artifact store (mlflow-artifacts list and
 * download, byte ranges honoured). Authentication can be on (as `mlflow server --app-name
 * basic-auth` behind a token proxy: a bearer token or basic auth; 401 without or with a wrong
 * one, 403 for a user without permission) or off. It can be taken down, made to fail, and counts
 * every request.
 */
import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

export * from "./mlflow-mlmodel.js";

export interface FakeVersion {
  name: string;
  version: number;
  runId: string;
  /** Where its files are in the fake artifact store ("1/<run>/artifacts/model"). */
  artifactPath: string;
  status: "READY" | "PENDING_REGISTRATION" | "FAILED_REGISTRATION";
  /** What get-download-uri answers (default: mlflow-artifacts:/<artifactPath>). */
  downloadUri?: string;
}

export interface RegisterOptions {
  status?: FakeVersion["status"];
  /** Answer this artifact URI instead of the proxied one (a direct http(s) URL, s3://...). */
  downloadUri?: string;
}

export type MlflowFault =
  | { kind: "status"; status: number; retryAfter?: number }
  /** Destroy the connection before answering. */
  | { kind: "close" };

export interface FakeMlflow {
  url: string;
  /** `read` may read every model; `noPermission` is known but may read none (403). */
  tokens: { read: string; noPermission: string };
  basic: { username: string; password: string };
  /** Require credentials on every endpoint (as a server with authentication on). */
  auth: boolean;
  /** Stores `files` as a new run's model artifacts and registers them as the next version. */
  register(name: string, files: Record<string, Buffer | string>, options?: RegisterOptions): number;
  setAlias(name: string, alias: string, version: number): void;
  versions: FakeVersion[];
  /** The artifact store: path from its root → bytes. */
  artifacts: Map<string, Buffer>;
  requests: { method: string; path: string; authorization: string | null }[];
  /** Requests whose "METHOD /path?query" contains `match`. */
  hits(match: string): number;
  /** Every request whose line contains `match` (default: all) answers with the fault. */
  fault(fault: MlflowFault, match?: string): void;
  clearFaults(): void;
  /** Stop listening (connection refused) until `up()`. */
  down(): Promise<void>;
  up(): Promise<void>;
  close(): Promise<void>;
}

const API = "/api/2.0/mlflow/";
const ARTIFACTS = "/api/2.0/mlflow-artifacts/artifacts";

function versionJson(v: FakeVersion, aliases: string[]) {
  return {
    name: v.name,
    version: String(v.version),
    creation_timestamp: 1_767_225_600_000 + v.version,
    last_updated_timestamp: 1_767_225_600_000 + v.version,
    current_stage: "None",
    description: "",
    source: `models:/m-${v.runId.slice(0, 8)}`,
    run_id: v.runId,
    status: v.status,
    run_link: "",
    aliases,
  };
}

export async function startFakeMlflow(): Promise<FakeMlflow> {
  const tokens = {
    read: `mlflow-read-${randomBytes(8).toString("hex")}`,
    noPermission: `mlflow-outsider-${randomBytes(8).toString("hex")}`,
  };
  const basic = { username: "modelgate", password: `pw-${randomBytes(6).toString("hex")}` };
  const versions: FakeVersion[] = [];
  const aliases = new Map<string, Map<string, number>>();
  const artifacts = new Map<string, Buffer>();
  const requests: FakeMlflow["requests"] = [];
  let faults: { fault: MlflowFault; match: string | undefined }[] = [];

  function send(res: ServerResponse, status: number, body: unknown, headers = {}): void {
    const text = JSON.stringify(body);
    res
      .writeHead(status, {
        "Content-Type": "application/json",
        "Content-Length": Buffer.byteLength(text),
        ...headers,
      })
      .end(text);
  }
  const error = (res: ServerResponse, status: number, code: string, message: string) =>
    send(res, status, { error_code: code, message });

  /** Who the request is from: "ok", or the answer already sent. */
  function authorise(req: IncomingMessage, res: ServerResponse): boolean {
    if (!state.auth) return true;
    const header = req.headers.authorization ?? "";
    const bearer = /^Bearer (.+)$/.exec(header)?.[1];
    const basicPair = /^Basic (.+)$/.exec(header)?.[1];
    const pair = basicPair ? Buffer.from(basicPair, "base64").toString("utf8") : null;
    if (bearer === tokens.read || pair === `${basic.username}:${basic.password}`) return true;
    if (bearer === tokens.noPermission) {
      error(res, 403, "PERMISSION_DENIED", "Permission denied");
      return false;
    }
    // As MLflow's basic-auth app answers: text, with a challenge.
    const text = "You are not authenticated. Please see the documentation for details.";
    res
      .writeHead(401, { "WWW-Authenticate": 'Basic realm="mlflow"', "Content-Type": "text/plain" })
      .end(text);
    return false;
  }

  function findVersion(name: string, version: string | null) {
    return versions.find((v) => v.name === name && String(v.version) === version);
  }
  const aliasesOf = (v: FakeVersion) =>
    [...(aliases.get(v.name) ?? new Map<string, number>())]
      .filter(([, n]) => n === v.version)
      .map(([a]) => a);

  function sendFile(req: IncomingMessage, res: ServerResponse, path: string): void {
    const body = artifacts.get(path);
    if (!body) return error(res, 404, "RESOURCE_DOES_NOT_EXIST", `File ${path} not found`);
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? "");
    if (!range) {
      res.writeHead(200, {
        "Content-Type": "application/octet-stream",
        "Content-Length": body.length,
        ETag: `"${path.length}-${body.length}"`,
      });
      return void res.end(body);
    }
    const start = Number(range[1]);
    res.writeHead(206, {
      "Content-Range": `bytes ${start}-${body.length - 1}/${body.length}`,
      "Content-Length": body.length - start,
      ETag: `"${path.length}-${body.length}"`,
    });
    res.end(body.subarray(start));
  }

  function listFolder(res: ServerResponse, folder: string): void {
    const prefix = folder === "" ? "" : `${folder.replace(/\/+$/, "")}/`;
    const seen = new Map<string, { path: string; is_dir: boolean; file_size?: number }>();
    for (const [path, bytes] of artifacts) {
      if (!path.startsWith(prefix)) continue;
      const [head, ...rest] = path.slice(prefix.length).split("/");
      if (!head) continue;
      seen.set(
        head,
        rest.length > 0
          ? { path: head, is_dir: true }
          : { path: head, is_dir: false, file_size: bytes.length },
      );
    }
    // MLflow answers {} for an empty or missing folder.
    send(res, 200, seen.size === 0 ? {} : { files: [...seen.values()] });
  }

  async function readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    try {
      return JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}") as Record<string, unknown>;
    } catch {
      return {};
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const method = req.method ?? "GET";
    const line = `${method} ${url.pathname}${url.search}`;
    requests.push({
      method,
      path: `${url.pathname}${url.search}`,
      authorization: req.headers.authorization ?? null,
    });
    for (const { fault, match } of faults) {
      if (match !== undefined && !line.includes(match)) continue;
      if (fault.kind === "close") return void req.socket.destroy();
      const headers =
        fault.retryAfter === undefined ? {} : { "Retry-After": String(fault.retryAfter) };
      const body = { error_code: "INTERNAL_ERROR", message: `fake mlflow fault ${fault.status}` };
      return send(res, fault.status, body, headers);
    }
    if (!authorise(req, res)) return;
    const q = url.searchParams;
    if (url.pathname === ARTIFACTS) return listFolder(res, q.get("path") ?? "");
    if (url.pathname.startsWith(`${ARTIFACTS}/`)) {
      const path = url.pathname
        .slice(ARTIFACTS.length + 1)
        .split("/")
        .map(decodeURIComponent)
        .join("/");
      return sendFile(req, res, path);
    }
    if (!url.pathname.startsWith(API)) return error(res, 404, "ENDPOINT_NOT_FOUND", "Not found");
    const endpoint = url.pathname.slice(API.length);
    const name = q.get("name") ?? "";
    if (endpoint === "model-versions/get" || endpoint === "model-versions/get-download-uri") {
      const v = findVersion(name, q.get("version"));
      if (!v) {
        return error(
          res,
          404,
          "RESOURCE_DOES_NOT_EXIST",
          `Model Version (name=${name}, version=${q.get("version")}) not found`,
        );
      }
      if (endpoint === "model-versions/get")
        return send(res, 200, { model_version: versionJson(v, aliasesOf(v)) });
      return send(res, 200, {
        artifact_uri: v.downloadUri ?? `mlflow-artifacts:/${v.artifactPath}`,
      });
    }
    if (endpoint === "registered-models/alias") {
      const alias = q.get("alias") ?? "";
      const n = aliases.get(name)?.get(alias);
      const v = n === undefined ? undefined : findVersion(name, String(n));
      if (!v)
        return error(
          res,
          404,
          "RESOURCE_DOES_NOT_EXIST",
          `Registered model alias ${alias} not found.`,
        );
      return send(res, 200, { model_version: versionJson(v, aliasesOf(v)) });
    }
    if (endpoint === "registered-models/get-latest-versions" && method === "POST") {
      const body = await readBody(req);
      const mine = versions.filter((v) => v.name === body.name);
      if (mine.length === 0) {
        return error(
          res,
          404,
          "RESOURCE_DOES_NOT_EXIST",
          `Registered Model with name=${String(body.name)} not found`,
        );
      }
      // One version per stage; every fake version is in stage "None".
      const latest = mine.reduce((a, b) => (b.version > a.version ? b : a));
      return send(res, 200, { model_versions: [versionJson(latest, aliasesOf(latest))] });
    }
    return error(res, 404, "ENDPOINT_NOT_FOUND", `No endpoint ${method} ${url.pathname}`);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      res.writeHead(500).end(String(err));
    });
  });
  const listen = (port = 0) =>
    new Promise<number>((resolve) =>
      server.listen(port, "127.0.0.1", () => resolve((server.address() as AddressInfo).port)),
    );
  const stop = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  const port = await listen();

  const state: FakeMlflow = {
    url: `http://127.0.0.1:${port}`,
    tokens,
    basic,
    auth: false,
    register(name, files, options = {}) {
      const version = versions.filter((v) => v.name === name).length + 1;
      const runId = randomBytes(16).toString("hex");
      const artifactPath = `1/${runId}/artifacts/model`;
      for (const [path, bytes] of Object.entries(files)) {
        artifacts.set(`${artifactPath}/${path}`, Buffer.from(bytes));
      }
      versions.push({
        name,
        version,
        runId,
        artifactPath,
        status: options.status ?? "READY",
        ...(options.downloadUri ? { downloadUri: options.downloadUri } : {}),
      });
      return version;
    },
    setAlias(name, alias, version) {
      const map = aliases.get(name) ?? new Map<string, number>();
      map.set(alias, version);
      aliases.set(name, map);
    },
    versions,
    artifacts,
    requests,
    hits: (match) => requests.filter((r) => `${r.method} ${r.path}`.includes(match)).length,
    fault: (fault, match) => void faults.push({ fault, match }),
    clearFaults: () => void (faults = []),
    down: stop,
    up: async () => {
      await listen(port);
    },
    close: async () => {
      if (server.listening) await stop();
    },
  };
  return state;
}
