/**
 * The `--ecs-service CLUSTER/SERVICE` source: the task definition revisions a service is really
 * running — the PRIMARY deployment, any ACTIVE one still running during a rollout, or the task
 * sets of a CodeDeploy service — read with DescribeServices and DescribeTaskDefinition. Read-only;
 * credentials come from the standard AWS chain.
 */
import type * as EcsSdk from "@aws-sdk/client-ecs";
import type { ECSClient } from "@aws-sdk/client-ecs";
import { usageError } from "../errors.js";
import type { SourceSummary, Target } from "../model.js";
import {
  taskDefinitionLabel,
  taskDefinitionTarget,
  unwrapTaskDefinition,
} from "./task-definition.js";

export type EcsClientLike = Pick<ECSClient, "send">;
export type EcsClientFactory = (
  region: string | undefined,
) => EcsClientLike | Promise<EcsClientLike>;

/** The real client: loaded on first use, so commands that never touch AWS stay fast. */
export const defaultEcsClient: EcsClientFactory = async (region) => {
  const { ECSClient: Client } = await import("@aws-sdk/client-ecs");
  return new Client(region ? { region } : {});
};

interface Running {
  taskDefinition: string;
  status: string;
}

export function parseServiceRef(ref: string): { cluster: string; service: string } {
  const arn = /^arn:aws[\w-]*:ecs:[^:]*:[^:]*:service\/([^/]+)\/(.+)$/.exec(ref);
  if (arn) return { cluster: arn[1] as string, service: arn[2] as string };
  const slash = ref.indexOf("/");
  if (slash <= 0 || slash === ref.length - 1) {
    throw usageError(
      `--ecs-service "${ref}" is not CLUSTER/SERVICE; write it like hokusai-development/hokusai-api-development.`,
    );
  }
  return { cluster: ref.slice(0, slash), service: ref.slice(slash + 1) };
}

function awsFailure(call: string, err: unknown): Error {
  const e = err as { name?: string; message?: string };
  return usageError(
    `AWS ${call} failed (${e.name ?? "Error"}: ${e.message ?? String(err)}); check the AWS credentials, --region and the service name.`,
  );
}

type Sdk = typeof EcsSdk;

async function runningRevisions(
  sdk: Sdk,
  client: EcsClientLike,
  cluster: string,
  service: string,
  region: string | undefined,
): Promise<Running[]> {
  let out;
  try {
    out = await client.send(new sdk.DescribeServicesCommand({ cluster, services: [service] }));
  } catch (err) {
    throw awsFailure("DescribeServices", err);
  }
  const svc = out.services?.[0];
  if (!svc) {
    const reason = out.failures?.[0]?.reason ?? "MISSING";
    throw usageError(
      `ECS service ${cluster}/${service} was not found (${reason})${region ? ` in ${region}` : ""}; check --ecs-service and --region.`,
    );
  }
  const running: Running[] = [];
  for (const d of svc.deployments ?? []) {
    const live =
      d.status === "PRIMARY" ||
      (d.status === "ACTIVE" && ((d.runningCount ?? 0) > 0 || (d.pendingCount ?? 0) > 0));
    if (live && d.taskDefinition)
      running.push({ taskDefinition: d.taskDefinition, status: d.status ?? "?" });
  }
  for (const ts of svc.taskSets ?? []) {
    if ((ts.status === "PRIMARY" || ts.status === "ACTIVE") && ts.taskDefinition) {
      running.push({ taskDefinition: ts.taskDefinition, status: `task set ${ts.status}` });
    }
  }
  if (running.length === 0 && svc.taskDefinition)
    running.push({ taskDefinition: svc.taskDefinition, status: "service" });
  return running.filter(
    (r, i) => running.findIndex((o) => o.taskDefinition === r.taskDefinition) === i,
  );
}

export async function readEcsServices(
  refs: string[],
  region: string | undefined,
  container: string | undefined,
  factory: EcsClientFactory,
): Promise<{ targets: Target[]; summaries: SourceSummary[] }> {
  const targets: Target[] = [];
  const summaries: SourceSummary[] = [];
  if (refs.length === 0) return { targets, summaries };
  const sdk = await import("@aws-sdk/client-ecs");
  const client = await factory(region);
  for (const ref of refs) {
    const { cluster, service } = parseServiceRef(ref);
    const ids: string[] = [];
    for (const run of await runningRevisions(sdk, client, cluster, service, region)) {
      let out;
      try {
        out = await client.send(
          new sdk.DescribeTaskDefinitionCommand({ taskDefinition: run.taskDefinition }),
        );
      } catch (err) {
        throw awsFailure(`DescribeTaskDefinition ${run.taskDefinition}`, err);
      }
      const td = unwrapTaskDefinition({ taskDefinition: out.taskDefinition ?? {} });
      if (!td)
        throw usageError(
          `DescribeTaskDefinition returned no container definitions for ${run.taskDefinition}.`,
        );
      const arn = td.taskDefinitionArn ?? run.taskDefinition;
      const label = taskDefinitionLabel(td);
      const { target, selected } = taskDefinitionTarget(
        td,
        `ecs-service:${cluster}/${service}:${label}`,
        { resource: arn },
        () => ({ resource: arn }),
        container,
      );
      if (!selected) continue;
      target.kind = "ecs-service";
      target.status = run.status;
      target.label = `${label} (${cluster}/${service}, ${run.status})`;
      for (const list of target.provisions.values())
        for (const p of list) p.location = { resource: arn, container: p.container };
      targets.push(target);
      ids.push(target.id);
    }
    summaries.push({
      kind: "ecs-service",
      path: `${cluster}/${service}`,
      detail: `${ids.length} running revision(s)`,
      targets: ids,
    });
  }
  return { targets, summaries };
}
