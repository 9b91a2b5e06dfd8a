/**
 * Which sources a run reads: the command-line flags, or — when no source flag is given — the
 * `sources` of the policy file, so CI can run `config check` and `config docs` with no flags.
 */
import { LIST_SOURCES } from "./findings/policy.js";
import type { Policy, SourceSettings } from "./findings/policy.js";

export type Sources = Required<Omit<SourceSettings, "region" | "container">> &
  Pick<SourceSettings, "region" | "container">;

const LISTS = LIST_SOURCES;

/** Flags win; with no source flag at all, the policy file's sources are used. */
export function resolveSources(given: Partial<Sources>, policy: Policy): Sources {
  const anyGiven = LISTS.some((k) => (given[k]?.length ?? 0) > 0) || given.schema === true;
  const base: SourceSettings = anyGiven ? {} : (policy.sources ?? {});
  const pick = <K extends keyof SourceSettings>(k: K): SourceSettings[K] =>
    given[k] !== undefined && (!Array.isArray(given[k]) || (given[k] as unknown[]).length > 0)
      ? given[k]
      : base[k];
  const out = {} as Sources;
  for (const k of LISTS) out[k] = (pick(k) as string[] | undefined) ?? [];
  // Excluded code paths are not a source: flags win, else the policy's, even with source flags.
  out.exclude =
    (given.exclude?.length ?? 0) > 0 ? (given.exclude ?? []) : (policy.sources?.exclude ?? []);
  out.schema = pick("schema") ?? false;
  out.includeTests = pick("includeTests") ?? false;
  const region = pick("region");
  const container = pick("container");
  if (region !== undefined) out.region = region;
  if (container !== undefined) out.container = container;
  return out;
}

export function hasAnySource(s: Sources): boolean {
  return LISTS.some((k) => k !== "entry" && k !== "tfVarFile" && s[k].length > 0) || s.schema;
}
