import {
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  ECSClient,
} from "@aws-sdk/client-ecs";
import type { ContainerDefinition, Service } from "@aws-sdk/client-ecs";
import { describe, expect, it, vi } from "vitest";
import { parseServiceRef, readEcsServices } from "./ecs-service.js";

const ARN = "arn:aws:ecs:us-east-1:932100697590:task-definition/hokusai-api-development";

function container(extra: Partial<ContainerDefinition> = {}): ContainerDefinition {
  return {
    name: "hokusai-api",
    image: "api:latest",
    environment: [{ name: "MLFLOW_SERVER_URL", value: "http://mlflow:5000" }],
    secrets: [
      { name: "DATABASE_HOST", valueFrom: "arn:aws:secretsmanager:us-east-1:1:secret:db:host::" },
    ],
    ...extra,
  };
}

/** A real SDK client whose `send` is mocked: no AWS is reachable from tests. */
function mockedClient(
  service: Partial<Service> | undefined,
  definitions: Record<string, ContainerDefinition[]>,
) {
  const client = new ECSClient({
    region: "us-east-1",
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
  });
  const send = vi.spyOn(client, "send").mockImplementation(async (command: unknown) => {
    if (command instanceof DescribeServicesCommand) {
      return service
        ? { services: [service], failures: [] }
        : { services: [], failures: [{ arn: "x", reason: "MISSING" }] };
    }
    if (command instanceof DescribeTaskDefinitionCommand) {
      const arn = command.input.taskDefinition ?? "";
      const revision = Number(arn.split(":").pop());
      return {
        taskDefinition: {
          taskDefinitionArn: arn,
          family: "hokusai-api-development",
          revision,
          containerDefinitions: definitions[arn] ?? [],
        },
      };
    }
    throw new Error("unexpected command");
  });
  return { client, send };
}

describe("ECS service source (SDK mocked)", () => {
  it("reads the PRIMARY deployment and an ACTIVE one still running during a rollout", async () => {
    const { client, send } = mockedClient(
      {
        deployments: [
          {
            status: "PRIMARY",
            taskDefinition: `${ARN}:151`,
            runningCount: 1,
            rolloutState: "IN_PROGRESS",
          },
          { status: "ACTIVE", taskDefinition: `${ARN}:150`, runningCount: 2 },
          { status: "ACTIVE", taskDefinition: `${ARN}:149`, runningCount: 0 },
        ],
      },
      {
        [`${ARN}:151`]: [
          container({
            secrets: [
              {
                name: "HUGGINGFACE_API_KEY",
                valueFrom: "arn:aws:secretsmanager:us-east-1:1:secret:hf",
              },
            ],
          }),
        ],
        [`${ARN}:150`]: [container()],
      },
    );
    const { targets, summaries } = await readEcsServices(
      ["hokusai-development/hokusai-api-development"],
      "us-east-1",
      undefined,
      () => client,
    );
    expect(targets.map((t) => [t.id, t.revision, t.status, t.role])).toEqual([
      [
        "ecs-service:hokusai-development/hokusai-api-development:hokusai-api-development:151",
        151,
        "PRIMARY",
        "deployed",
      ],
      [
        "ecs-service:hokusai-development/hokusai-api-development:hokusai-api-development:150",
        150,
        "ACTIVE",
        "deployed",
      ],
    ]);
    expect(targets[0]?.provisions.get("HUGGINGFACE_API_KEY")?.[0]?.location).toEqual({
      resource: `${ARN}:151`,
      container: "hokusai-api",
    });
    expect(summaries[0]?.detail).toBe("2 running revision(s)");
    const calls = send.mock.calls.map(([c]) => c.constructor.name);
    expect(calls).toEqual([
      "DescribeServicesCommand",
      "DescribeTaskDefinitionCommand",
      "DescribeTaskDefinitionCommand",
    ]);
    expect((send.mock.calls[0]?.[0] as DescribeServicesCommand).input).toEqual({
      cluster: "hokusai-development",
      services: ["hokusai-api-development"],
    });
  });

  it("reads the task sets of a CodeDeploy (blue/green) service", async () => {
    const { client } = mockedClient(
      {
        deploymentController: { type: "CODE_DEPLOY" },
        deployments: [],
        taskSets: [
          { status: "PRIMARY", taskDefinition: `${ARN}:12` },
          { status: "ACTIVE", taskDefinition: `${ARN}:13` },
          { status: "DRAINING", taskDefinition: `${ARN}:11` },
        ],
      },
      { [`${ARN}:12`]: [container()], [`${ARN}:13`]: [container()] },
    );
    const { targets } = await readEcsServices(["c/s"], undefined, undefined, () => client);
    expect(targets.map((t) => [t.revision, t.status])).toEqual([
      [12, "task set PRIMARY"],
      [13, "task set ACTIVE"],
    ]);
  });

  it("reports environmentFiles as unresolved, not as missing", async () => {
    const { client } = mockedClient(
      { deployments: [{ status: "PRIMARY", taskDefinition: `${ARN}:5` }] },
      {
        [`${ARN}:5`]: [
          container({ environmentFiles: [{ value: "arn:aws:s3:::bucket/api.env", type: "s3" }] }),
        ],
      },
    );
    const { targets } = await readEcsServices(["c/s"], undefined, undefined, () => client);
    expect(targets[0]?.unresolved).toEqual([
      {
        what: "environment file arn:aws:s3:::bucket/api.env of container hokusai-api",
        reason: "the variables it sets live in S3 and are not read by this check",
        location: { resource: `${ARN}:5` },
        mayProvide: true,
      },
    ]);
  });

  it("fails with an actionable input error for a missing service or an AWS error", async () => {
    const { client } = mockedClient(undefined, {});
    await expect(readEcsServices(["c/nope"], "eu-west-1", undefined, () => client)).rejects.toThrow(
      "ECS service c/nope was not found (MISSING) in eu-west-1; check --ecs-service and --region.",
    );
    const broken = new ECSClient({
      region: "us-east-1",
      credentials: { accessKeyId: "t", secretAccessKey: "t" },
    });
    vi.spyOn(broken, "send").mockRejectedValue(
      Object.assign(new Error("The security token included in the request is invalid."), {
        name: "UnrecognizedClientException",
      }),
    );
    await expect(readEcsServices(["c/s"], undefined, undefined, () => broken)).rejects.toThrow(
      /AWS DescribeServices failed \(UnrecognizedClientException: The security token .*\); check the AWS credentials/,
    );
  });

  it("parses CLUSTER/SERVICE and service ARNs", () => {
    expect(parseServiceRef("hokusai-development/hokusai-api-development")).toEqual({
      cluster: "hokusai-development",
      service: "hokusai-api-development",
    });
    expect(parseServiceRef("arn:aws:ecs:us-east-1:1:service/prod/api")).toEqual({
      cluster: "prod",
      service: "api",
    });
    expect(() => parseServiceRef("just-a-service")).toThrow(/is not CLUSTER\/SERVICE/);
  });
});
