/**
 * MLflow model registry URIs, as MLflow spells them: `models:/<name>/<version>`,
 * `models:/<name>@<alias>` and `models:/<name>/latest` (`mlflow://` is read the same). Names and
 * aliases are validated as the registry validates them, so a typo is refused at registration
 * instead of becoming a 404 at the first prediction.
 */

/** A registered model name: letters, digits, `_ . + -` and inner spaces (no `/` or `@`). */
const NAME = /^[A-Za-z0-9_](?:[A-Za-z0-9_.+ -]{0,254}[A-Za-z0-9_.+-])?$/;
/** MLflow's own alias rule (`_validate_model_alias_name`): word characters and `-`. */
const ALIAS = /^[A-Za-z0-9_-]{1,255}$/;
const VERSION = /^[1-9][0-9]{0,9}$/;
/** The stages MLflow deprecated in 2.9 in favour of aliases. */
const STAGES = /^(?:production|staging|archived|none)$/i;

export interface MlflowRef {
  name: string;
  /** A version number ("3") or "latest"; null when an alias names the version. */
  version: string | null;
  alias: string | null;
}

/** Why `name` is not a registered model name modelgate reads, or null. */
export function modelNameProblem(name: string): string | null {
  if (name === "") return "the registered model's name is empty";
  if (!NAME.test(name) || name.includes("..")) {
    return `the registered model name "${name}" must be 1–256 letters, digits, "_", ".", "+", "-" or inner spaces (no "/", "@" or "..")`;
  }
  return null;
}

/** Why `alias` is not an MLflow alias, or null. */
export function aliasProblem(alias: string): string | null {
  if (!ALIAS.test(alias)) return `the alias "${alias}" must be 1–255 letters, digits, "_" or "-"`;
  if (/^(?:latest|v\d+)$/i.test(alias)) {
    return `"${alias}" is reserved by MLflow and cannot be an alias (write models:/NAME/latest or models:/NAME/VERSION)`;
  }
  return null;
}

/**
 * Reads what follows `models:/` (or `mlflow://`): `NAME/VERSION`, `NAME/latest` or
 * `NAME@ALIAS`. Returns the reference, or the problem as the end of a sentence.
 */
export function parseMlflowRef(rest: string): MlflowRef | string {
  const at = rest.indexOf("@");
  if (at !== -1) {
    const name = rest.slice(0, at);
    const alias = rest.slice(at + 1);
    return modelNameProblem(name) ?? aliasProblem(alias) ?? { name, version: null, alias };
  }
  const slash = rest.lastIndexOf("/");
  if (slash === -1) {
    return `"${rest}" names no version: write models:/${rest}/VERSION, models:/${rest}@ALIAS or models:/${rest}/latest`;
  }
  const name = rest.slice(0, slash);
  const version = rest.slice(slash + 1);
  const nameProblem = modelNameProblem(name);
  if (nameProblem) return nameProblem;
  if (version.toLowerCase() === "latest") return { name, version: "latest", alias: null };
  if (STAGES.test(version)) {
    return `stages ("${version}") are deprecated in MLflow: give the version an alias and write models:/${name}@ALIAS`;
  }
  if (!VERSION.test(version)) {
    return `the version "${version}" must be a version number (1, 2, ...), "latest", or an alias after "@"`;
  }
  return { name, version, alias: null };
}

/** The canonical text: `models:/NAME/VERSION` or `models:/NAME@ALIAS`. */
export function formatMlflowSource(ref: MlflowRef): string {
  return ref.alias !== null
    ? `models:/${ref.name}@${ref.alias}`
    : `models:/${ref.name}/${ref.version ?? "latest"}`;
}

/** The version a source pins (a number), or null for an alias or "latest". */
export function pinnedVersion(ref: MlflowRef): string | null {
  return ref.version !== null && VERSION.test(ref.version) ? ref.version : null;
}

/** The cache revision of a model version: `v3` (a version's artifacts never change). */
export function versionRevision(version: string): string {
  return `v${version}`;
}

/** The ref file an alias or "latest" records its last version under. */
export function refName(ref: MlflowRef): string {
  return ref.alias !== null ? `@${ref.alias}` : (ref.version ?? "latest");
}
