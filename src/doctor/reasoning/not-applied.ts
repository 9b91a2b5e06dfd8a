/** The seeds' root cause written out: the Terraform declares it, the deployed revision lacks it. */
import { dirname } from "node:path";
import type { Hypothesis, RootCause } from "../types.js";
import type { Evidence, Facts } from "./facts.js";
import { confidenceOf, VERIFY, variableOf } from "./cause-support.js";

export function notAppliedCause(e: Evidence, f: Facts, hyp: Hypothesis): RootCause {
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
      text: `**The secret it references resolves**: ${secretRes.reason}; its value is not shown.`,
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
