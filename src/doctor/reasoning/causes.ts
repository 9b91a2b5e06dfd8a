/** Every other root cause: its title, explanation, fix and prevention, from the hypothesis. */
import type { Hypothesis, RootCause } from "../types.js";
import type { Evidence, Facts } from "./facts.js";
import { confidenceOf, independentViews, VERIFY, variableOf } from "./cause-support.js";

/** "not-applied-2" → "not-applied": a hypothesis id without its per-variable suffix. */
export const base = (id: string) => id.replace(/-\d+$/, "");

export function genericCause(e: Evidence, f: Facts, hyp: Hypothesis): RootCause {
  const v = variableOf(e, f);
  const name = v?.name;
  const byId: Record<
    string,
    Pick<RootCause, "fix" | "prevention"> & { title?: string; explanation?: string }
  > = {
    "service-lacks-variable": {
      title: `${name} is not set in the running service.`,
      explanation: `The service says ${name} is not set, so model ${f.model} cannot be served. Where it should come from could not be compared${e.config?.state === "skipped" ? " (no configuration source was given: pass --terraform and --task-definition or --ecs-service to find out why)" : ""}.`,
      fix: [
        {
          text: `Set ${name} where the service runs (from a secret: ECS secrets valueFrom, a Kubernetes Secret) and restart or redeploy it.`,
        },
      ],
      prevention: [
        "Run `modelgate config check` against the deployment in CI.",
        "Start with --strict so a replica without it refuses to start.",
      ],
    },
    "never-deployed": {
      title: `${name} was never added to the deployment: no target read provides it.`,
      explanation: `The service needs ${name} for model ${f.model}, and none of the deployment sources read (${(v?.config?.presence ?? []).map((p) => p.target.label).join(", ")}) provides it.`,
      fix: [
        {
          text: `Store the value as a secret (e.g. \`aws secretsmanager create-secret --name …\`), add ${name} to the task definition's \`secrets\` in the Terraform with its ARN as \`valueFrom\`, grant the execution role secretsmanager:GetSecretValue on it, apply, and deploy.`,
        },
      ],
      prevention: ["`modelgate config check` in CI with the policy's `required` listing it."],
    },
    "not-redeployed": {
      title: `The deployment provides ${name}, but the running service was not redeployed with it.`,
      fix: [
        {
          text: "Force a new deployment so the tasks run the current revision:",
          command:
            "aws ecs update-service --cluster CLUSTER --service SERVICE --force-new-deployment",
        },
      ],
      prevention: [
        "Compare the live service (`config check --ecs-service CLUSTER/SERVICE`), not only the files.",
      ],
    },
    "secret-unresolved": {
      title: `The secret reference for ${name} does not resolve.`,
      explanation: `${hyp.conclusion} ECS refuses to start a task whose secrets cannot be fetched (ResourceInitializationError), so a revision carrying the reference never runs and older tasks without ${name} stay; other platforms start the container without the value.`,
      fix: [
        {
          text: "Create the secret (or the JSON key) it names, or point valueFrom at the right ARN; then redeploy.",
        },
      ],
      prevention: ["Resolve every valueFrom in CI (`modelgate doctor --task-definition …`)."],
    },
    "token-rejected": {
      title: "The Hub rejects the Hugging Face token.",
      fix: [
        {
          text: "Create a new read token for the repository's owner at the Hub's settings/tokens, store it in the secret the deployment references, and redeploy.",
        },
      ],
      prevention: [
        "Alert on `modelgate_config_requirement_unmet` and rotate tokens through the secret store, with a redeploy.",
      ],
    },
    "repo-unreadable": {
      title: "The model's repository or revision cannot be read.",
      fix: [
        {
          text: `Check the source registered for model ${f.model} (\`modelgate models register ${f.model} --source hf://owner/repo@revision\`) and that the token's account can read it.`,
        },
      ],
      prevention: [
        "Pin revisions (a tag or commit) and register through `modelgate models register`, which checks the source first.",
      ],
    },
    "mlflow-model": {
      title: "The model's MLflow registry entry cannot be read.",
      fix: [
        {
          text: `Check the source registered for model ${f.model} (\`modelgate models register ${f.model} --source models:/NAME@ALIAS\` names an existing registered model and alias), and that the MLFLOW_TRACKING_TOKEN (or MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD) where the service runs is valid and its user has READ on the registered model; for a private CA, set MLFLOW_TRACKING_SERVER_CERT_PATH. Then restart the service.`,
        },
      ],
      prevention: [
        "Register through `modelgate models register`, which asks the registry first, and run `modelgate doctor --model ID` after rotating the MLflow credential.",
      ],
    },
    "source-unreachable": {
      title: "The service cannot reach the model's source.",
      fix: [
        {
          text: "Allow the service's egress to the Hub (HF_ENDPOINT) or the artifact URL; meanwhile `modelgate models pull` on a host that can reach it fills the disk cache.",
        },
      ],
      prevention: [
        "Keep verified copies in the disk cache (MODELGATE_DATA_DIR on a volume) so a source outage does not stop a warm model.",
      ],
    },
    "model-broken": {
      title: `Model ${f.model} fails inside the service (not a configuration state).`,
      fix: [
        {
          text: "Read the service's log line with the request id above; a 500 is a modelgate bug: report it with that id.",
        },
      ],
      prevention: ["Run `modelgate smoke` after each deploy and model registration."],
    },
    postgres: {
      title: "PostgreSQL cannot be reached.",
      fix: [
        {
          text: "Allow the service's security group (or this host) to reach the database port; check DATABASE_URL's host and port.",
        },
      ],
      prevention: [
        "Keep the security-group rules in Terraform and check them with `terraform plan` in CI.",
      ],
    },
    redis: {
      title: "Redis cannot be reached.",
      fix: [
        {
          text: "Add (or apply) the security-group rule that lets the service's tasks reach Redis on its port (the seeds' `redis_from_data_pipeline_ecs`), then check again from where the service runs.",
        },
      ],
      prevention: [
        "Keep the rule in Terraform and apply it with the service; `modelgate doctor` from inside the VPC reaches what the tasks reach.",
      ],
    },
    "other-secrets": {
      title: "Other secret references do not resolve.",
      fix: [{ text: "Create the missing secrets or keys, or correct the ARNs, then redeploy." }],
      prevention: ["Resolve every valueFrom in CI."],
    },
  };
  const spec = byId[base(hyp.id)] ?? { fix: [], prevention: [] };
  const { confidence, reason } = confidenceOf(...independentViews(hyp, e));
  const first = spec.fix[0];
  return {
    hypothesis: hyp.id,
    fixSummary: first
      ? `${first.text.replace(/:$/, "")}${first.text.endsWith(".") ? "" : "."}`
      : "See below.",
    title: spec.title ?? hyp.statement,
    explanation: spec.explanation ?? hyp.conclusion,
    confidence,
    confidenceReason: reason,
    evidence: hyp.evidence.map((text) => ({ ok: false, text })),
    fix: spec.fix,
    verify: VERIFY(e, f, name),
    prevention: spec.prevention,
  };
}
