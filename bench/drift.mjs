// npm run bench:drift: `config check` on a generated 5,000-file repository (TypeScript, Python and
// Go, plus a node_modules folder it must skip, a 200-variable .env.example, Terraform and a
// deployed task definition). Baseline measured in the same run: reading every source file once,
// which is the floor any scanner pays. Target: the whole check under 2 s.
// Usage: npm run bench:drift [-- --files 5000 --runs 5]
import { spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { runCheck } from "../src/drift/check.ts";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const args = process.argv.slice(2);
const arg = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? Number(args[i + 1]) : fallback;
};
const FILES = arg("files", 5000);
const RUNS = arg("runs", 5);
const VARS = 200;

function write(dir, path, text) {
  const abs = join(dir, path);
  mkdirSync(dirname(abs), { recursive: true });
  writeFileSync(abs, text);
}

const filler = (n, comment) =>
  Array.from(
    { length: n },
    (_, i) => `${comment} line ${i} of ordinary code without configuration`,
  ).join("\n");

function tsFile(i) {
  const reads =
    i % 10 === 0
      ? `export const v${i} = process.env.VAR_${i % VARS} ?? "default";\nconst { VAR_${(i + 1) % VARS} } = process.env;\n`
      : "";
  return `import { helper${i} } from "./helper-${i}.js";\nimport type { T } from "../types.js";\n${reads}export function f${i}(x: number): number {\n  return x * ${i};\n}\n${filler(120, "//")}\n`;
}
function pyFile(i) {
  const reads =
    i % 10 === 0
      ? `TOKEN = os.getenv("VAR_${i % VARS}")\nURL = os.environ.get("VAR_${(i + 3) % VARS}", "x")\n`
      : "";
  return `import os\nfrom app.util import helpers\n\n${reads}def f${i}(x):\n    return x * ${i}\n${filler(100, "#")}\n`;
}
function goFile(i) {
  const reads = i % 10 === 0 ? `var v${i} = os.Getenv("VAR_${i % VARS}")\n` : "";
  return `package pkg${i % 50}\n\nimport "os"\n\n${reads}func F${i}(x int) int { return x * ${i} }\n${filler(100, "//")}\n`;
}

function generate() {
  const dir = mkdtempSync(join(tmpdir(), "mg-drift-bench-"));
  for (let i = 0; i < FILES; i++) {
    const kind = i % 20 < 12 ? "ts" : i % 20 < 17 ? "py" : "go";
    const folder = `pkg${i % 40}/mod${i % 7}/sub${i % 3}`;
    if (kind === "ts") write(dir, `src/${folder}/file${i}.ts`, tsFile(i));
    else if (kind === "py") write(dir, `app/${folder}/file${i}.py`, pyFile(i));
    else write(dir, `cmd/${folder}/file${i}.go`, goFile(i));
  }
  for (let i = 0; i < 2000; i++)
    write(
      dir,
      `node_modules/dep${i % 100}/lib/f${i}.js`,
      `module.exports = process.env.DEP_${i};\n`,
    );
  const env = Array.from({ length: VARS }, (_, i) => `# Variable ${i}\nVAR_${i}=value${i}\n`).join(
    "\n",
  );
  write(dir, ".env.example", env);
  const names = Array.from({ length: VARS }, (_, i) => `VAR_${i}`);
  write(
    dir,
    "infra/main.tf",
    `locals {\n  env = {\n${names
      .slice(0, 150)
      .map((n) => `    ${n} = "v"`)
      .join(
        "\n",
      )}\n  }\n}\n\nresource "aws_ecs_task_definition" "app" {\n  family = "bench"\n  container_definitions = jsonencode([{\n    name = "app"\n    environment = [for k, v in local.env : { name = k, value = v }]\n    secrets = [${names
      .slice(150, 190)
      .map((n) => `{ name = "${n}", valueFrom = "arn:aws:ssm:us-east-1:1:parameter/${n}" }`)
      .join(", ")}]\n  }])\n}\n`,
  );
  const deployed = names.slice(0, 180).map((n) => ({ name: n, value: "v" }));
  write(
    dir,
    "deployed.json",
    JSON.stringify({
      taskDefinition: {
        family: "bench",
        revision: 7,
        containerDefinitions: [{ name: "app", environment: deployed }],
      },
    }),
  );
  return dir;
}

function walk(dir, out = []) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name === "node_modules") continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else if (/\.(ts|py|go)$/.test(e.name)) out.push(p);
  }
  return out;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (x) => `${x.toFixed(0)} ms`;

const dir = generate();
try {
  const sources = {
    code: ["."],
    envExample: [".env.example"],
    terraform: ["infra"],
    taskDefinition: ["deployed.json"],
  };
  const baseline = [];
  const check = [];
  let result;
  for (let r = 0; r < RUNS; r++) {
    let t = performance.now();
    for (const f of walk(dir)) readFileSync(f, "utf8");
    baseline.push(performance.now() - t);
    t = performance.now();
    result = await runCheck({ cwd: dir, env: {}, sources });
    check.push(performance.now() - t);
  }
  const summary = result.sources.find((s) => s.kind === "code")?.detail;
  console.log(
    `repository: ${FILES} source files (+2,000 in node_modules, skipped), ${VARS} variables; scanned: ${summary}`,
  );
  console.log(
    `findings: ${result.findings.length} (${result.findings.filter((f) => f.severity === "error").length} errors)`,
  );
  console.log(`baseline  read every source file once: median ${ms(median(baseline))}`);
  console.log(
    `check     in-process (first run includes the WebAssembly HCL parser start): median ${ms(median(check))}, first ${ms(check[0])}`,
  );
  console.log(`ratio     check / baseline: ${(median(check) / median(baseline)).toFixed(1)}x`);
  const bin = join(ROOT, "bin/modelgate");
  if (existsSync(join(ROOT, "dist/drift/check.js"))) {
    const cli = [];
    for (let r = 0; r < Math.min(RUNS, 3); r++) {
      const t = performance.now();
      const run = spawnSync(
        process.execPath,
        [
          bin,
          "config",
          "check",
          "--code",
          ".",
          "--env-example",
          ".env.example",
          "--terraform",
          "infra",
          "--task-definition",
          "deployed.json",
          "--format",
          "json",
        ],
        { cwd: dir, encoding: "utf8" },
      );
      cli.push(performance.now() - t);
      if (run.status === 2) throw new Error(run.stderr);
    }
    console.log(
      `end to end  node bin/modelgate config check (process start included): median ${ms(median(cli))} (target < 2000 ms)`,
    );
  } else {
    console.log("end to end  skipped: run `npm run build` first to time bin/modelgate");
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
