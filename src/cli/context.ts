import type { Env, LoadedConfig } from "../config/index.js";
import { loadConfig } from "../config/index.js";
import { ExitError, EXIT } from "./errors.js";

/** Everything a command may touch of the outside world, passed in so tests can supply their own. */
export interface CliContext {
  cwd: string;
  env: Env;
  stdout: { write(text: string): unknown; isTTY?: boolean };
  stderr: { write(text: string): unknown; isTTY?: boolean };
}

/** The configuration, or exit 2 listing every problem (one line each). */
export function configOrExit(
  ctx: CliContext,
  overrides: Record<string, string | undefined> = {},
): LoadedConfig {
  const env = { ...ctx.env };
  for (const [name, value] of Object.entries(overrides)) if (value !== undefined) env[name] = value;
  const loaded = loadConfig(env, { cwd: ctx.cwd });
  if (loaded.problems.length > 0) {
    throw new ExitError(
      EXIT.usage,
      `The configuration is invalid:\n${loaded.problems.map((p) => `  - ${p}`).join("\n")}`,
    );
  }
  return loaded;
}
