/**
 * The `--compose FILE` source: each service's `environment` (list or map form) and `env_file`s.
 * `KEY` alone or `KEY=${KEY}` passes the value through from the host, which is not a plain value
 * in the file; only a literal counts as one. env_file contents are read for names only.
 */
import { dirname, resolve } from "node:path";
import { existsSync } from "node:fs";
import { inputError } from "../errors.js";
import type { Provision, ProvisionKind, SourceSummary, Target } from "../model.js";
import { displayPath, findWordLine, isObject, readText } from "../text.js";
import { parseEnvExample } from "./env-example.js";
import { readSourceFiles } from "./files.js";
import { parseYamlDocs } from "./yaml-docs.js";

export function readCompose(
  cwd: string,
  files: string[],
  container: string | undefined,
): { targets: Target[]; summaries: SourceSummary[] } {
  return readSourceFiles(cwd, files, ({ abs, shown, text }) => {
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
              reason: "the file does not exist here (it is often kept out of git)",
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
}
