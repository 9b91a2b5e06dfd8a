/**
 * From the hypotheses to a verdict: the most specific confirmed explanation of the symptom is the
 * root cause; confirmed problems independent of it are reported beside it, each with its fix.
 * Confidence counts the independent observations that agree, and says which could not be made.
 */
import { dirname } from "node:path";
import type { VariableConfig } from "../probes/configuration.js";
import type { Confidence, Hypothesis, RootCause } from "../types.js";
import type { Evidence, Facts } from "./facts.js";

/** Most specific first: a deeper cause explains the shallower ones it implies. */
const CAUSE_ORDER = [
  "not-applied",
  // A reference that does not resolve keeps new tasks from starting: the old ones run on.
  "secret-unresolved",
  "not-redeployed",
  "never-deployed",
  "token-rejected",
  "repo-unreadable",
  "source-unreachable",
  "model-broken",
  "service-lacks-variable",
  "postgres",
  "redis",
  "other-secrets",
];

/** Hypotheses a root cause accounts for: not reported again beside it. */
const EXPLAINS: Record<string, string[]> = {
  "not-applied": ["service-lacks-variable", "never-deployed", "not-redeployed"],
  "not-redeployed": ["service-lacks-variable"],
  "never-deployed": ["service-lacks-variable"],
  "secret-unresolved": ["service-lacks-variable", "not-redeployed"],
};

const base = (id: string) => id.replace(/-\d+$/, "");
const rank = (x: Hypothesis) => {
  const i = CAUSE_ORDER.indexOf(base(x.id));
  return i === -1 ? CAUSE_ORDER.length : i;
};

export interface Verdict {
  rootCause: RootCause | null;
  alsoFound: RootCause[];
}

function variableOf(
  e: Evidence,
  f: Facts,
): { name: string; config: VariableConfig | undefined } | null {
  const name = f.needed[0]?.variable ?? e.config?.data?.variables[0]?.name;
  if (!name) return null;
  return { name, config: e.config?.data?.variables.find((v) => v.name === name) };
}

function confidenceOf(
  agreeing: string[],
  missing: string[],
): { confidence: Confidence; reason: string } {
  const n = agreeing.length;
  const confidence: Confidence = n >= 3 ? "high" : n === 2 ? "medium" : "low";
  const parts = [`${n} independent observation${n === 1 ? "" : "s"} agree: ${agreeing.join("; ")}`];
  if (missing.length > 0) parts.push(`not observed: ${missing.join("; ")}`);
  return { confidence, reason: `${parts.join(". ")}.` };
}

/** The step an evidence line comes from, by the prefix every line carries ("predict: …"). */
const VIEW_OF: [RegExp, string][] = [
  [/^[^:]*\bpredict\b[^:]*:/, "the symptom (predict's answer)"],
  [/^[^:]*(\/ready|model health|\/metrics)[^:]*:/, "the service's own account"],
  [/^config check/, "the configuration sources (config check)"],
  [/^Secrets/, "the secret store"],
  [/^Hub/, "the Hugging Face Hub"],
  [/^(Redis|PostgreSQL):/, "a connection from doctor's host"],
];

/** The independent views that support a confirmed hypothesis, and the steps that did not run. */
function independentViews(hyp: Hypothesis, e: Evidence): [string[], string[]] {
  const views = new Set<string>();
  for (const line of hyp.evidence) {
    for (const [re, view] of VIEW_OF) if (re.test(line)) views.add(view);
  }
  if (views.size === 0) views.add(hyp.conclusion);
  const missing: string[] = [];
  if (e.config?.state === "skipped" || e.config?.state === "failed")
    missing.push("the configuration sources (step 3 did not run)");
  return [[...views], missing];
}

const VERIFY = (e: Evidence, f: Facts, name?: string): string[] => {
  const m = f.model ?? "ID";
  const url = "$MODELGATE_URL";
  return [
    `\`modelgate smoke --url ${url} --api-key $MODELGATE_API_KEY --models ${m}\` exits 0 (predict answers 200).`,
    `\`modelgate doctor --url ${url} --api-key $MODELGATE_API_KEY --model ${m} …\` with the same sources finds nothing wrong.`,
    ...(name
      ? [
          `/metrics shows \`modelgate_config_requirement_unmet{model="${m}",variable="${name}"} 0\` and /ready answers 200.`,
        ]
      : []),
  ];
};

function notAppliedCause(e: Evidence, f: Facts, hyp: Hypothesis): RootCause {
  const v = variableOf(e, f);
  const name = v?.name ?? "the variable";
  const presence = v?.config?.presence ?? [];
  const declared = presence.filter((p) => p.target.role === "declared" && p.provided);
  const lacking = presence.filter((p) => p.target.role === "deployed" && !p.provided);
  const tf = declared[0];
  const dep = lacking[0];
  const ref = tf?.references[0];
  const family = dep?.target.family ?? tf?.target.family ?? "FAMILY";
  const tfDir = tf?.at ? dirname(tf.at.replace(/:\d+$/, "")) : "INFRA_DIR";
  const secretRes = (e.secrets?.data?.refs ?? []).find(
    (r) => r.variable === name && r.resolves === "yes",
  );
  const token = e.hubToken?.data;
  const repo = e.hubRepo?.data;
  const agreeing: string[] = [];
  const missing: string[] = [];
  if (f.failure) agreeing.push(`predict answers ${f.failure.code} naming ${name}`);
  else missing.push("the symptom (predict was not called)");
  const said =
    f.needed.find((n) => n.variable === name)?.saidBy.filter((b) => b !== "predict") ?? [];
  if (said.length > 0)
    agreeing.push(`the service's own account (${said.join(", ")}) says ${name} is not set`);
  else missing.push("the service's own account");
  agreeing.push(
    `config check: the Terraform declares ${name}, the deployed ${dep?.target.label ?? "revision"} does not`,
  );
  if (secretRes) agreeing.push("the secret it references exists and holds a value");
  if (token?.tested && token.ok) agreeing.push(`that value is a working Hub token`);
  const { confidence, reason } = confidenceOf(agreeing, missing);
  const evidence: RootCause["evidence"] = [];
  if (tf)
    evidence.push({
      ok: true,
      text: `**The Terraform declares it** (${tf.target.label}, \`${tf.at}\`)${ref ? ` from \`${ref}\`` : ""}.`,
    });
  if (secretRes)
    evidence.push({
      ok: true,
      text: `**The secret exists** (${secretRes.reason.replace(/^the secret exists and /, "")}); its value is not shown.`,
    });
  else if (ref)
    evidence.push({
      ok: true,
      text: `The secret reference is \`${ref}\` (whether it resolves was not checked: ${e.secrets?.summary ?? "step 5 did not run"}).`,
    });
  if (token?.tested && token.ok)
    evidence.push({
      ok: true,
      text: `**The token is valid**: the Hub's whoami accepts it (${token.owner}).`,
    });
  if (repo?.ok && repo.withToken)
    evidence.push({
      ok: true,
      text: `**It can read the model's repository**: ${repo.repo}@${repo.revision ?? "main"} resolves to commit ${repo.commit}.`,
    });
  if (dep)
    evidence.push({
      ok: false,
      text: `**The deployed task definition lacks it**: ${dep.target.label} (\`${dep.at ?? dep.target.file}\`) has no ${name} in its environment or secrets.`,
    });
  if (f.failure)
    evidence.push({
      ok: false,
      text: `**The service says so**: ${f.failure.where} answers \`${f.failure.code}\`.`,
      code: f.failure.detail,
    });
  const model = f.model ?? "the model";
  const source = e.health?.data?.source;
  const latent = f.serviceHas(name) === "ok";
  return {
    hypothesis: hyp.id,
    title: `${name} is declared in the Terraform but missing from the deployed task definition${dep ? ` ${dep.target.label}` : ""} (configuration drift: never applied).`,
    explanation: latent
      ? `The service probed has ${name} and serves model ${model}, so it is not running ${dep?.target.label ?? "the deployed revision given"}; but that revision lacks ${name} while the Terraform declares it${tf?.at ? ` (\`${tf.at}\`)` : ""}. Any task started from it — a scale-out, a replacement, the next deploy — fails for model ${model} as the seeds' service did.`
      : [
          `Model ${model}${source ? ` is stored in ${source}` : ""} and can only be fetched with ${name}.`,
          `The running service does not have ${name}, so it cannot fetch the package and answers every prediction with 503 \`${f.failure?.code ?? "source_credentials_missing"}\`.`,
          `${name} reaches the container only through the task definition${ref ? `'s secrets list (valueFrom \`${ref}\`)` : ""}. The Terraform declares it${tf?.at ? ` (\`${tf.at}\`)` : ""}, but the revision deployed${dep ? `, ${dep.target.label},` : ""} has no such entry: the Terraform change was never applied, or applied without deploying the new revision.`,
        ].join(" "),
    confidence,
    confidenceReason: reason,
    evidence,
    fixSummary: `Apply the Terraform (\`terraform -chdir=${tfDir} apply\`) so a revision of ${family} with ${name} is registered, then deploy that revision to the ECS service.`,
    fix: [
      {
        text: `Plan the Terraform and check the diff adds ${name} to the task definition's secrets (and nothing unexpected):`,
        command: `terraform -chdir=${tfDir} plan`,
      },
      {
        text: "Apply it: a new revision of the task definition is registered.",
        command: `terraform -chdir=${tfDir} apply`,
      },
      {
        text: `Deploy the new revision of ${family} to the ECS service${ref ? `; the task execution role must be allowed secretsmanager:GetSecretValue on \`${ref}\`, or the new tasks will not start` : ""}:`,
        command: `aws ecs update-service --cluster CLUSTER --service SERVICE --task-definition ${family} --force-new-deployment\naws ecs wait services-stable --cluster CLUSTER --services SERVICE`,
      },
    ],
    verify: VERIFY(e, f, name),
    prevention: [
      `Run \`modelgate config check --terraform ${tfDir} --ecs-service CLUSTER/SERVICE\` after every deploy (and in CI): it fails on exactly this drift (finding \`not-applied\`).`,
      `Alert on \`modelgate_config_requirement_unmet == 1\` (deploy/prometheus/alerts.yml): it turned 1 the moment the service started without ${name}.`,
      "Start the service with --strict (the default with NODE_ENV=production): a replica that lacks a model's setting refuses to start, so the deployment fails visibly instead of serving 503s.",
    ],
  };
}

function genericCause(e: Evidence, f: Facts, hyp: Hypothesis): RootCause {
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

function causeFor(e: Evidence, f: Facts, hyp: Hypothesis): RootCause {
  return base(hyp.id) === "not-applied" ? notAppliedCause(e, f, hyp) : genericCause(e, f, hyp);
}

export function decide(e: Evidence, f: Facts, hypotheses: Hypothesis[]): Verdict {
  const confirmed = hypotheses
    .filter((x) => x.status === "confirmed")
    .sort((a, b) => rank(a) - rank(b));
  const first = confirmed[0];
  if (!first) return { rootCause: null, alsoFound: [] };
  const explained = new Set(EXPLAINS[base(first.id)] ?? []);
  const rest = confirmed.slice(1).filter((x) => !explained.has(base(x.id)));
  return { rootCause: causeFor(e, f, first), alsoFound: rest.map((x) => causeFor(e, f, x)) };
}
