/**
 * A fake AWS Secrets Manager and SSM Parameter Store for tests: real HTTP on 127.0.0.1 speaking
 * the JSON 1.1 protocol the AWS SDK v3 uses (POST /, X-Amz-Target: secretsmanager.GetSecretValue
 * or AmazonSSM.GetParameter), with AWS's error shape ({"__type", "message"}, status 400). The
 * SDK signs its requests; the fake does not check signatures. Every request is recorded.
 */
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

export interface FakeAws {
  /** The endpoint to give the SDK clients. */
  url: string;
  /** Secret ARN (without the random suffix's key parts) or name → SecretString. */
  secrets: Map<string, string>;
  /** Parameter name or ARN → value. */
  parameters: Map<string, string>;
  /** Secret ids or parameter names that answer AccessDeniedException. */
  denied: Set<string>;
  requests: { target: string; id: string }[];
  close(): Promise<void>;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/x-amz-json-1.1" });
  res.end(JSON.stringify(body));
}

const error = (res: ServerResponse, type: string, message: string) =>
  send(res, 400, { __type: type, message });

async function body(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}") as Record<string, unknown>;
}

export async function startFakeAws(): Promise<FakeAws> {
  const secrets = new Map<string, string>();
  const parameters = new Map<string, string>();
  const denied = new Set<string>();
  const requests: FakeAws["requests"] = [];
  const server: Server = createServer((req, res) => {
    void (async () => {
      const target = String(req.headers["x-amz-target"] ?? "");
      const input = await body(req);
      if (target === "secretsmanager.GetSecretValue") {
        const id = String(input.SecretId ?? "");
        requests.push({ target, id });
        if (denied.has(id))
          return error(res, "AccessDeniedException", `User is not authorized to access ${id}`);
        const value = secrets.get(id);
        if (value === undefined)
          return error(
            res,
            "ResourceNotFoundException",
            "Secrets Manager can't find the specified secret.",
          );
        return send(res, 200, {
          ARN: id,
          Name: id.split(":secret:")[1] ?? id,
          SecretString: value,
          VersionId: "v1",
          VersionStages: ["AWSCURRENT"],
          CreatedDate: 1_700_000_000,
        });
      }
      if (target === "AmazonSSM.GetParameter") {
        const id = String(input.Name ?? "");
        requests.push({ target, id });
        if (denied.has(id))
          return error(res, "AccessDeniedException", `User is not authorized to access ${id}`);
        const value = parameters.get(id);
        if (value === undefined) return error(res, "ParameterNotFound", "");
        return send(res, 200, {
          Parameter: { Name: id, Type: "SecureString", Value: value, Version: 1 },
        });
      }
      requests.push({ target, id: "" });
      return error(res, "UnknownOperationException", `fake AWS does not implement ${target}`);
    })().catch((err: unknown) => error(res, "InternalFailure", String(err)));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    secrets,
    parameters,
    denied,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
