/**
 * The Dockerfile and docker-compose.yml cannot be built here (no registry for base images), so
 * what they promise is checked against the code: the image's start command and every flag it
 * passes exist in the CLI, its HEALTHCHECK script answers 0 against a real modelgate (and 1 when
 * nothing listens), the compose replicas set only variables modelgate reads, and the smoke
 * service runs real commands after healthy replicas.
 */
import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import type { Command } from "commander";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { buildProgram } from "../src/cli/main.js";
import { schemaEntries } from "../src/config/index.js";
import { runCheck } from "../src/drift/check.js";
import type { TestService } from "./support/service.js";
import { startTestService } from "./support/service.js";

const ROOT = new URL("../", import.meta.url).pathname;
const run = promisify(execFile);

interface Instruction {
  keyword: string;
  args: string;
  stage: number;
}

/** Dockerfile instructions with continuations joined and comments dropped, by stage. */
function dockerfile(text: string): Instruction[] {
  const out: Instruction[] = [];
  let stage = -1;
  let pending = "";
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (pending === "" && (line === "" || line.startsWith("#"))) continue;
    if (line.endsWith("\\")) {
      pending += `${line.slice(0, -1).trim()} `;
      continue;
    }
    const full = (pending + line).trim();
    pending = "";
    if (full === "" || full.startsWith("#")) continue;
    const [keyword = "", ...rest] = full.split(/\s+/);
    const kw = keyword.toUpperCase();
    if (kw === "FROM") stage += 1;
    out.push({ keyword: kw, args: rest.join(" "), stage });
  }
  return out;
}

/** The JSON (exec) form of CMD / ENTRYPOINT / HEALTHCHECK CMD. */
function execForm(args: string): string[] {
  const json = args.slice(args.indexOf("["));
  return JSON.parse(json) as string[];
}

function command(program: Command, path: string[]): Command | undefined {
  let current: Command | undefined = program;
  for (const name of path) current = current?.commands.find((c) => c.name() === name);
  return current;
}

const context = () => ({
  cwd: ROOT,
  env: {},
  stdout: { write: () => true },
  stderr: { write: () => true },
});

/** Each `--flag` of an argv is an option the command declares. */
function unknownFlags(cmd: Command, argv: string[]): string[] {
  const longs = new Set(cmd.options.map((o) => o.long));
  return argv.filter((a) => a.startsWith("--")).filter((a) => !longs.has(a.split("=")[0] ?? a));
}

const instructions = dockerfile(readFileSync(join(ROOT, "Dockerfile"), "utf8"));
const finalStage = Math.max(...instructions.map((i) => i.stage));
const final = instructions.filter((i) => i.stage === finalStage);
const one = (kw: string) => final.filter((i) => i.keyword === kw).at(-1);

describe("Dockerfile", () => {
  it("is multi-stage, installs production dependencies only in the final stage, runs as non-root", () => {
    expect(instructions.filter((i) => i.keyword === "FROM").length).toBeGreaterThanOrEqual(2);
    const installs = final.filter((i) => i.keyword === "RUN").map((i) => i.args);
    expect(installs.join("\n")).toMatch(/npm ci --omit=dev/);
    const env = final
      .filter((i) => i.keyword === "ENV")
      .map((i) => i.args)
      .join(" ");
    expect(env).toMatch(/NODE_ENV=production/);
    expect(env).toMatch(/ONNXRUNTIME_NODE_INSTALL=skip/);
    const user = one("USER")?.args;
    expect(user).toBeDefined();
    expect(["root", "0"]).not.toContain(user);
  });

  it("keeps every write in the data volume, which is the configured data dir", () => {
    const env = final
      .filter((i) => i.keyword === "ENV")
      .map((i) => i.args)
      .join(" ");
    const dataDir = /MODELGATE_DATA_DIR=(\S+)/.exec(env)?.[1];
    expect(dataDir).toBeDefined();
    expect(one("VOLUME")?.args).toContain(`"${dataDir}"`);
    // The variable it sets is the one modelgate reads for its data dir.
    expect(schemaEntries().map(([, s]) => s.env)).toContain("MODELGATE_DATA_DIR");
  });

  it("copies only files that exist and that .dockerignore lets through", () => {
    const ignore = readFileSync(join(ROOT, ".dockerignore"), "utf8");
    for (const copy of instructions.filter(
      (i) => i.keyword === "COPY" && !i.args.includes("--from"),
    )) {
      const sources = copy.args.split(/\s+/).slice(0, -1);
      for (const src of sources) {
        expect(existsSync(join(ROOT, src)), src).toBe(true);
        expect(ignore, `.dockerignore lets ${src} through`).toContain(
          `!${src.replace(/^\.\//, "")}`,
        );
      }
    }
  });

  it("starts a command and flags the CLI really has", () => {
    const entry = execForm(one("ENTRYPOINT")?.args ?? "[]");
    const cmd = execForm(one("CMD")?.args ?? "[]");
    expect(entry).toEqual(["node", "bin/modelgate"]);
    expect(existsSync(join(ROOT, "bin/modelgate"))).toBe(true);
    const [name = "", ...argv] = cmd;
    const serve = command(buildProgram(context()), [name]);
    expect(serve?.name()).toBe("serve");
    expect(serve && unknownFlags(serve, argv)).toEqual([]);
    // Listening on every interface: inside a container, 127.0.0.1 is unreachable from outside.
    expect(argv.join(" ")).toContain("--host 0.0.0.0");
    const port = /PORT=(\d+)/.exec(
      final
        .filter((i) => i.keyword === "ENV")
        .map((i) => i.args)
        .join(" "),
    )?.[1];
    expect(one("EXPOSE")?.args).toBe(port);
  });

  describe("HEALTHCHECK", () => {
    let svc: TestService;
    beforeAll(async () => {
      svc = await startTestService({ MODELGATE_REGISTER_EXAMPLE: "true" });
      // Model 21 is warm: /ready answers 503 until it has loaded, as a starting container's would.
      for (let i = 0; i < 300; i++) {
        if ((await fetch(`${svc.url}/ready`)).status === 200) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    });
    afterAll(async () => {
      await svc.close();
    });

    const health = one("HEALTHCHECK")?.args ?? "";
    const argv = execForm(health.slice(health.indexOf("CMD")));

    it("asks /ready, a route the service answers", async () => {
      expect(health).toMatch(/--timeout=\d+s/);
      const paths = [...(argv.join(" ").matchAll(/'(\/[a-z/]+)'/g) ?? [])].map((m) => m[1]);
      expect(paths).toEqual(["/ready"]);
      const res = await fetch(`${svc.url}/ready`);
      expect(res.status).toBe(200);
    });

    it("exits 0 against a ready modelgate on PORT and 1 when nothing answers", async () => {
      const [node, ...rest] = argv;
      expect(node).toBe("node");
      const port = new URL(svc.url).port;
      const ok = await run(process.execPath, rest, { env: { PORT: port } }).then(
        () => 0,
        (err: { code?: number }) => err.code ?? -1,
      );
      expect(ok).toBe(0);
      const down = await run(process.execPath, rest, { env: { PORT: "1" } }).then(
        () => 0,
        (err: { code?: number }) => err.code ?? -1,
      );
      expect(down).toBe(1);
    });
  });
});

describe("docker-compose.yml", () => {
  const compose = parse(readFileSync(join(ROOT, "docker-compose.yml"), "utf8")) as {
    services: Record<
      string,
      {
        image?: string;
        build?: unknown;
        environment?: Record<string, string>;
        depends_on?: Record<string, { condition: string }>;
        healthcheck?: unknown;
        command?: string[];
        read_only?: boolean;
        tmpfs?: string[];
      }
    >;
  };
  const replicas = Object.entries(compose.services).filter(([name]) =>
    name.startsWith("modelgate-"),
  );
  const known = new Set(
    schemaEntries().flatMap(([, s]) => [
      s.env,
      ...(s.aliases ?? []),
      ...(s.secret ? [`${s.env}_FILE`] : []),
    ]),
  );

  it("runs two replicas of the image on PostgreSQL and Redis, started once both are healthy", () => {
    expect(replicas).toHaveLength(2);
    for (const [, svc] of replicas) {
      expect(svc.image).toBe("modelgate:local");
      expect(svc.read_only).toBe(true);
      expect(svc.tmpfs).toContain("/tmp");
      expect(svc.depends_on).toEqual({
        postgres: { condition: "service_healthy" },
        redis: { condition: "service_healthy" },
      });
      expect(svc.environment?.DATABASE_URL).toMatch(/postgres:\/\/.*@postgres:5432\//);
      expect(svc.environment?.REDIS_URL).toMatch(/redis:\/\/redis:6379/);
    }
    expect(compose.services.postgres?.healthcheck).toBeDefined();
    expect(compose.services.redis?.healthcheck).toBeDefined();
  });

  it("sets only variables modelgate reads on the services that run modelgate", () => {
    for (const [name, svc] of Object.entries(compose.services)) {
      if (svc.image !== "modelgate:local") continue;
      const unknown = Object.keys(svc.environment ?? {}).filter((v) => !known.has(v));
      expect(unknown, name).toEqual([]);
    }
  });

  it("runs a one-shot smoke after both replicas are healthy, with real commands and flags", () => {
    const smoke = compose.services.smoke;
    expect(smoke?.depends_on).toEqual({
      "modelgate-1": { condition: "service_healthy" },
      "modelgate-2": { condition: "service_healthy" },
    });
    const script = smoke?.command?.join(" ") ?? "";
    const program = buildProgram(context());
    const calls = [
      ...script.matchAll(
        /node bin\/modelgate ((?:[a-z]+ )+)((?:--[a-z-]+(?: [^\s-|&;)][^\s|&;)]*)? ?)*)/g,
      ),
    ];
    expect(calls.map((c) => c[1]?.trim())).toEqual(["keys create", "smoke", "smoke"]);
    for (const call of calls) {
      const cmd = command(program, (call[1] ?? "").trim().split(" "));
      expect(cmd, call[0]).toBeDefined();
      if (cmd) expect(unknownFlags(cmd, (call[2] ?? "").split(/\s+/)), call[0]).toEqual([]);
    }
    // Each replica is smoke-tested at the address compose gives it.
    for (const [name] of replicas) expect(script).toContain(`--url http://${name}:8001`);
  });

  it("passes config check with modelgate's schema, as CI runs it", async () => {
    const result = await runCheck({
      cwd: ROOT,
      sources: { schema: true, compose: ["docker-compose.yml"] },
      env: {},
    });
    const errors = result.findings.filter((f) => f.severity === "error");
    expect(errors.map((f) => f.message)).toEqual([]);
    expect(result.coverage.filter((c) => c.compared).map((c) => c.target)).toEqual(
      expect.arrayContaining(["compose:modelgate-1", "compose:modelgate-2"]),
    );
  });
});
