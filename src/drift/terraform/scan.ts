/**
 * Task definitions in the --terraform folder that the evaluation never reached: a module folder
 * nothing calls, another root module below the one given. Each is a `not-read` warning saying
 * which folder to pass, so no task definition in the folder goes unmentioned.
 */
import { readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import type { Unresolved } from "../model.js";
import { LineIndex, displayPath } from "../text.js";

/** Files looked at below one --terraform folder, at most, and how deep. */
const MAX_FILES = 5000;
const MAX_DEPTH = 10;
const SKIP = new Set(["node_modules", ".terraform", ".terragrunt-cache", ".git"]);

function tfFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string, depth: number) => {
    if (depth > MAX_DEPTH || out.length >= MAX_FILES) return;
    let names: string[];
    try {
      names = readdirSync(d).sort();
    } catch {
      return;
    }
    for (const n of names) {
      if (SKIP.has(n)) continue;
      const p = join(d, n);
      if (n.endsWith(".tf") || n.endsWith(".tf.json")) out.push(p);
      else if (statSync(p, { throwIfNoEntry: false })?.isDirectory()) walk(p, depth + 1);
    }
  };
  walk(dir, 0);
  return out;
}

const TASK_DEFINITION =
  /^[ \t]*resource\s+"?aws_ecs_task_definition"?\s+"?([\w-]+)"?|"aws_ecs_task_definition"\s*:\s*\{\s*"([\w-]+)"/gm;

export function unvisitedTaskDefinitions(
  rootDir: string,
  cwd: string,
  visited: Set<string>,
): Unresolved[] {
  const out: Unresolved[] = [];
  for (const file of tfFiles(rootDir)) {
    if (visited.has(file)) continue;
    let text: string;
    try {
      if ((statSync(file).size ?? 0) > 4 * 1024 * 1024) continue;
      text = readFileSync(file, "utf8");
    } catch {
      continue;
    }
    if (!text.includes("aws_ecs_task_definition")) continue;
    const index = new LineIndex(text);
    for (const m of text.matchAll(TASK_DEFINITION)) {
      const folder = displayPath(cwd, dirname(file));
      out.push({
        what: `aws_ecs_task_definition.${m[1] ?? m[2] ?? "?"}`,
        reason: `its folder ${folder} is neither the --terraform folder nor a module it calls; pass --terraform ${folder} (or the root module that calls it) to read it`,
        location: { file: displayPath(cwd, file), line: index.line(m.index) },
        mayProvide: false,
        unread: true,
      });
    }
  }
  return out;
}
