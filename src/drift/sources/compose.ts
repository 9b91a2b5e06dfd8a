/**
 * The `--compose PATH` source (a compose file, or the compose files at the top of a folder): each
 * service's `environment` (list or map form) and `env_file`s; its `build` folder, image and name
 * pair it with a service of the code.
 * `KEY` alone or `KEY=${KEY}` passes the value through from the host, which is not a plain value
 * in the file; only a literal counts as one. env_file contents are read for names only.
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { inputError } from "../errors.js";
import type { Provision, ProvisionKind, SourceSummary, Target } from "../model.js";
import { displayPath, findWordLine, isObject, readText } from "../text.js";
import { parseEnvExample } from "./env-example.js";
import { readSourceFiles } from "./files.js";
import { parseYamlDocs } from "./yaml-docs.js";

/** `compose.yaml`, `docker-compose.yml`, `docker-compose.prod.yml`, … */
const COMPOSE_FILE = /^(?:docker-)?compose(?:\.[\w-]+)?\.ya?ml$/;

/** A compose file as given, or the compose files at the top of a folder. */
function composeFiles(cwd: string, path: string): string[] {
  const abs = resolve(cwd, path);
  if (!statSync(abs, { throwIfNoEntry: false })?.isDirectory()) return [path];
  const found = readdirSync(abs)
    .filter((f) => COMPOSE_FILE.test(f))
    .sort()
    .map((f) => join(abs, f));
  if (found.length === 0)
    throw inputError(
      displayPath(cwd, abs),
      undefined,
      "has no compose file (compose.yaml, docker-compose.yml, docker-compose.*.yml); pass the file itself",
    );
  return found;
}

/** The folder an image is built from: the Dockerfile's folder, else the build context. */
function buildFolder(cwd: string, composeDir: string, build: unknown): string | undefined {
  if (typeof build === "string") return displayPath(cwd, resolve(composeDir, build));
  if (!isObject(build)) return undefined;
  const context = resolve(composeDir, typeof build.context === "string" ? build.context : ".");
  if (typeof build.context === "string" && /^[a-z]+:\/\//i.test(build.context)) return undefined;
  const dockerfile =
    typeof build.dockerfile === "string" ? resolve(context, build.dockerfile) : undefined;
  return displayPath(cwd, dockerfile ? dirname(dockerfile) : context);
}

export function readCompose(
  cwd: string,
  paths: string[],
  container: string | undefined,
): { targets: Target[]; summaries: SourceSummary[] } {
  const files = paths.flatMap((p) => composeFiles(cwd, p));
  const read = readSourceFiles(cwd, files, ({ abs, shown, text }) => {
    const targets: Target[] = [];
    const { docs, index } = parseYamlDocs(text, shown);
    const doc = docs[0]?.value;
    if (!isObject(doc) || !isObject(doc.services))
      throw inputError(shown, 1, "has no `services:`; pass a Docker Compose file");
    const ids: string[] = [];
    for (const [service, def] of Object.entries(doc.services)) {
      if (!isObject(def) || (container !== undefined && service !== container)) continue;
      const header = new RegExp(
        `^\\s+${service.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\s*:`,
        "m",
      ).exec(text);
      const from = header?.index ?? 0;
      const origin = { file: shown, line: index.line(from) };
      const target: Target = {
        id: `compose:${service}`,
        kind: "compose",
        label: `compose service ${service}`,
        role: "manifest",
        location: origin,
        containers: [service],
        provisions: new Map(),
        unresolved: [],
        notes: [],
        identity: {
          names: [service, ...(typeof def.container_name === "string" ? [def.container_name] : [])],
          images: typeof def.image === "string" ? [def.image] : [],
          builds: [buildFolder(cwd, dirname(abs), def.build)].filter((b): b is string => !!b),
        },
      };
      const add = (
        name: string,
        kind: ProvisionKind,
        reference?: string,
        file = shown,
        line?: number,
      ) => {
        const p: Provision = {
          kind,
          location: { file, line: line ?? findWordLine(text, index, name, from) ?? origin.line },
          container: service,
        };
        if (reference) p.reference = reference;
        target.provisions.set(name, [...(target.provisions.get(name) ?? []), p]);
      };
      const env = def.environment;
      const pairs: [string, unknown][] = Array.isArray(env)
        ? env.map((e) => {
            const s = String(e);
            const eq = s.indexOf("=");
            return eq === -1 ? [s, undefined] : [s.slice(0, eq), s.slice(eq + 1)];
          })
        : isObject(env)
          ? Object.entries(env)
          : [];
      for (const [name, value] of pairs) {
        const passthrough =
          value === undefined ||
          value === null ||
          (typeof value === "string" && /\$\{?[A-Za-z_]/.test(value));
        add(name.trim(), passthrough ? "host" : "value");
      }
      const envFiles =
        def.env_file === undefined
          ? []
          : Array.isArray(def.env_file)
            ? def.env_file
            : [def.env_file];
      for (const entry of envFiles) {
        const path = isObject(entry) ? String(entry.path) : String(entry);
        const required = !(isObject(entry) && entry.required === false);
        const envAbs = resolve(dirname(abs), path);
        const envShown = displayPath(cwd, envAbs);
        if (!existsSync(envAbs)) {
          if (required)
            target.unresolved.push({
              what: `env_file ${envShown} of service ${service}`,
              reason: "the file does not exist here; it is often kept out of git",
              location: origin,
              mayProvide: true,
            });
          continue;
        }
        const parsed = parseEnvExample(readText(envAbs, envShown), envShown);
        for (const [name, entryDoc] of parsed.entries) {
          if (!entryDoc.commentedOut)
            add(name, "env-file", envShown, envShown, entryDoc.location.line);
        }
      }
      targets.push(target);
      ids.push(target.id);
    }
    return {
      targets,
      summary: { kind: "compose", path: shown, detail: `${ids.length} service(s)`, targets: ids },
    };
  });
  return { targets: mergeOverrides(read.targets), summaries: read.summaries };
}

/**
 * `compose.override.yml` adds to the services of `compose.yml` in the same folder (as `docker
 * compose` merges them): one target per service, not a partial one per file.
 */
function mergeOverrides(targets: Target[]): Target[] {
  const key = (t: Target, file: string) => `${dirname(file)}\n${t.containers[0] ?? ""}`;
  const base = new Map<string, Target>();
  for (const t of targets) {
    const file = t.location.file ?? "";
    if (!/\.override\.ya?ml$/.test(file)) base.set(key(t, file), t);
  }
  return targets.filter((t) => {
    const file = t.location.file ?? "";
    const into = /\.override\.ya?ml$/.test(file) ? base.get(key(t, file)) : undefined;
    if (!into) return true;
    for (const [name, list] of t.provisions)
      into.provisions.set(name, [...(into.provisions.get(name) ?? []), ...list]);
    into.unresolved.push(...t.unresolved);
    if (into.identity && t.identity) {
      into.identity.images.push(...t.identity.images);
      into.identity.builds.push(...t.identity.builds);
    }
    into.notes.push(`merged with ${file}`);
    return false;
  });
}
