import { request } from "node:http";
import { ModelgateError } from "../errors.js";
import type { ErrorCode } from "../errors.js";
import type { AdminOps, CreatedKeyView, KeyView, ModelView } from "../server/admin/ops.js";
import type { UsageReport, UsageRequest } from "../server/admin/usage.js";

function usagePath(request: UsageRequest): string {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(request)) {
    if (typeof value === "string" && value !== "") query.set(name, value);
  }
  const text = query.toString();
  return text ? `/usage?${text}` : "/usage";
}

interface Envelope {
  detail?: string;
  code?: string;
}

function call<T>(socketPath: string, method: string, path: string, body?: unknown): Promise<T> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise<T>((resolve, reject) => {
    const req = request(
      {
        socketPath,
        method,
        path,
        headers: payload
          ? { "content-type": "application/json", "content-length": Buffer.byteLength(payload) }
          : {},
        timeout: 10_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          let parsed: unknown;
          try {
            parsed = JSON.parse(text);
          } catch {
            reject(
              new ModelgateError(
                "internal_error",
                `The running server answered ${res.statusCode} with non-JSON.`,
              ),
            );
            return;
          }
          if ((res.statusCode ?? 500) >= 400) {
            const env = parsed as Envelope;
            reject(new ModelgateError((env.code ?? "internal_error") as ErrorCode, env.detail));
            return;
          }
          resolve(parsed as T);
        });
      },
    );
    req.on("timeout", () => req.destroy(new Error("timed out")));
    req.on("error", (err) =>
      reject(
        new ModelgateError(
          "store_unavailable",
          `The running modelgate server did not answer on ${socketPath} (${err.message}): check it is healthy, or stop it and retry.`,
        ),
      ),
    );
    if (payload) req.write(payload);
    req.end();
  });
}

/** AdminOps through the admin socket of a running `serve`. */
export function socketAdminOps(socketPath: string): AdminOps {
  return {
    createKey: (input) => call<CreatedKeyView>(socketPath, "POST", "/keys", input),
    listKeys: async () => (await call<{ keys: KeyView[] }>(socketPath, "GET", "/keys")).keys,
    revokeKey: (id) =>
      call<KeyView>(socketPath, "POST", `/keys/${encodeURIComponent(id)}/revoke`, {}),
    listModels: async () =>
      (await call<{ models: ModelView[] }>(socketPath, "GET", "/models")).models,
    registerModel: (input) => call<ModelView>(socketPath, "POST", "/models", input),
    removeModel: (id) => call<ModelView>(socketPath, "DELETE", `/models/${encodeURIComponent(id)}`),
    recordPull: (id, revision) =>
      call<ModelView>(socketPath, "POST", `/models/${encodeURIComponent(id)}/pulled`, { revision }),
    usage: (request) => call<UsageReport>(socketPath, "GET", usagePath(request)),
  };
}
