import { ModelgateError } from "../errors.js";
import { formatHfSource, repoIdProblem, revisionProblem } from "./huggingface/repo.js";
import { formatLocalSource, parseLocalSource } from "./local.js";
import { formatMlflowSource, parseMlflowRef } from "./mlflow/uri.js";
import type { Source } from "./types.js";

export const ACCEPTED_FORMS =
  "a folder path, file:///abs/path, builtin:NAME, hf://owner/repo[@revision], models:/NAME/VERSION or models:/NAME@ALIAS (MLflow), an http(s) URL of a .tar.gz/.tgz package archive, or an http(s) folder URL ending in /";

function invalid(text: string, problem: string): ModelgateError {
  return new ModelgateError(
    "invalid_request",
    `The source "${text}" cannot be used: ${problem}. Give ${ACCEPTED_FORMS}.`,
    { errors: [{ field: "source", problem }] },
  );
}

function parseHf(text: string): Source {
  const rest = text.slice("hf://".length);
  const at = rest.indexOf("@");
  const repo = at === -1 ? rest : rest.slice(0, at);
  const revision = at === -1 ? null : rest.slice(at + 1);
  const repoProblem = repoIdProblem(repo);
  if (repoProblem) throw invalid(text, `the Hugging Face repository id ${repoProblem}`);
  if (revision !== null) {
    const revProblem = revisionProblem(revision);
    if (revProblem) throw invalid(text, `the revision after "@" ${revProblem}`);
  }
  return { kind: "huggingface", repo, revision };
}

/** `models:/NAME/VERSION`, `models:/NAME@ALIAS`, `models:/NAME/latest`; `mlflow://` alike. */
function parseMlflow(text: string): Source {
  const m = /^(?:models:\/(?!\/)|mlflow:\/\/)(.*)$/i.exec(text);
  if (!m) {
    throw invalid(text, "an MLflow model is written models:/NAME/VERSION or models:/NAME@ALIAS");
  }
  const ref = parseMlflowRef(m[1] ?? "");
  if (typeof ref === "string") throw invalid(text, ref);
  return { kind: "mlflow", ...ref };
}

const ARCHIVE = /\.(?:tar\.gz|tgz)$/i;
const SHA256_PIN = /^#sha256=([0-9a-f]{64})$/;

function parseHttp(text: string): Source {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw invalid(text, "it is not a valid URL");
  }
  if (url.username || url.password) {
    // A source is stored and shown (models list, /info): a password in it would leak.
    throw invalid(text, "credentials in a source URL would be stored and shown; serve it without");
  }
  const pin = url.hash === "" ? null : SHA256_PIN.exec(url.hash);
  if (url.hash !== "" && !pin)
    throw invalid(text, 'the only fragment understood is "#sha256=<64 hex>"');
  url.hash = "";
  if (ARCHIVE.test(url.pathname)) {
    return { kind: "http", url: url.href, layout: "archive", sha256: pin?.[1] ?? null };
  }
  if (pin) throw invalid(text, "#sha256= pins an archive; a folder URL has no single file to pin");
  if (/^(?:www\.)?(?:huggingface\.co|hf\.co)$/i.test(url.hostname)) {
    throw invalid(text, "a Hugging Face repository is addressed as hf://owner/repo[@revision]");
  }
  if (url.pathname.endsWith("/modelgate.json")) url.pathname = url.pathname.slice(0, -14);
  if (!url.pathname.endsWith("/")) {
    throw invalid(text, "an http(s) URL must end in .tar.gz or .tgz (an archive) or / (a folder)");
  }
  return { kind: "http", url: url.href, layout: "folder", sha256: null };
}

/**
 * Reads a source given by a person (CLI, admin API) or stored with a model; throws
 * `invalid_request` naming the accepted forms when it cannot be read. Relative folder paths are
 * made absolute against `cwd`.
 */
export function parseSource(text: string, cwd: string): Source {
  const trimmed = text.trim();
  if (trimmed === "") throw invalid(text, "it is empty");
  if (/^hf:\/\//i.test(trimmed)) return parseHf(trimmed.replace(/^hf:/i, "hf:"));
  if (/^https?:\/\//i.test(trimmed)) return parseHttp(trimmed);
  if (/^(?:models|mlflow):/i.test(trimmed)) return parseMlflow(trimmed);
  const local = parseLocalSource(trimmed, cwd);
  if (!local) {
    const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(trimmed)?.[1] ?? "";
    const why = trimmed.startsWith("builtin:")
      ? "a builtin name is lower-case letters, digits and -"
      : `"${scheme}:" sources are not supported`;
    throw invalid(text, why);
  }
  return local;
}

/** The canonical text of a source: what is stored with the model and shown. */
export function formatSource(source: Source): string {
  switch (source.kind) {
    case "builtin":
    case "local":
      return formatLocalSource(source);
    case "huggingface":
      return formatHfSource(source.repo, source.revision);
    case "http":
      return source.sha256 ? `${source.url}#sha256=${source.sha256}` : source.url;
    case "mlflow":
      return formatMlflowSource(source);
  }
}

/** parseSource then formatSource: the stored form of what a person typed. */
export function normaliseSource(text: string, cwd: string): string {
  return formatSource(parseSource(text, cwd));
}

/** Sources are stored canonical and absolute; a stored one is read with no working directory. */
export function toSource(source: string | Source): Source {
  return typeof source === "string" ? parseSource(source, "/") : source;
}
