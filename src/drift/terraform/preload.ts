/**
 * Reads every module a configuration calls before anything is evaluated: parsing is
 * asynchronous (@cdktn/hcl2json) while evaluation is not, and a module's outputs may be needed in
 * the middle of an expression (`container_definitions = module.app.json`). Module sources are
 * literal strings in Terraform, so the folders are known without evaluating anything.
 */
import { moduleCalls, readModuleFiles } from "./files.js";
import { locateModule } from "./sources.js";

/** Modules followed below the root, and module folders read for one root, at most. */
const MAX_DEPTH = 8;
const MAX_MODULES = 500;

export async function preloadModules(rootDir: string, cwd: string): Promise<void> {
  const seen = new Set<string>();
  const visit = async (dir: string, key: string, depth: number): Promise<void> => {
    if (depth > MAX_DEPTH || seen.size >= MAX_MODULES) return;
    const files = await readModuleFiles(dir, cwd);
    for (const call of moduleCalls(files)) {
      const source = call.body.source;
      const childKey = key ? `${key}.${call.name}` : call.name;
      const found = locateModule(
        rootDir,
        dir,
        childKey,
        typeof source === "string" ? source : null,
      );
      if (!found.dir || seen.has(`${found.dir}|${childKey}`)) continue;
      seen.add(`${found.dir}|${childKey}`);
      await visit(found.dir, childKey, depth + 1);
    }
  };
  await visit(rootDir, "", 0);
}
