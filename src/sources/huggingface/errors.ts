/**
 * Every way the Hub can refuse, as one actionable sentence with its catalogue code. The token is
 * never part of a message: only the variable's name is.
 */
import { ModelgateError } from "../../errors.js";
import { HttpStatusError } from "../net/download.js";
import { describeFailure, IntegrityError, TransportError } from "../net/transport.js";
import { SourceLimitError, tooLargeError } from "../limits.js";
import { formatHfSource } from "./repo.js";
import { loadedHubLib } from "./hub-lib.js";

export const TOKEN_VARIABLE = "HUGGINGFACE_API_KEY";

/** What was being done when the Hub refused, for the sentence. */
export interface HubCallSite {
  modelId: string;
  repo: string;
  /** The revision as registered (branch, tag, commit), null for the default branch. */
  revision: string | null;
  /** The commit, once resolved. */
  commit?: string;
  /** The package file being fetched. */
  file?: string;
  tokenSent: boolean;
  hubUrl: string;
  timeoutMs: number;
}

export function looksLikeHfToken(token: string): boolean {
  return token.startsWith("hf_");
}

/** The seeds' incident, in one sentence (what to do follows it). */
export function credentialsMissingSentence(modelId: string, repo: string): string {
  return `${TOKEN_VARIABLE} is not set; model ${modelId} is stored in a private Hugging Face repository ${repo}`;
}

export function credentialsMissing(modelId: string, repo: string): ModelgateError {
  return new ModelgateError(
    "source_credentials_missing",
    `${credentialsMissingSentence(modelId, repo)}. Set ${TOKEN_VARIABLE} (or HF_TOKEN, or ${TOKEN_VARIABLE}_FILE) to a Hugging Face access token that can read ${repo}, where the service runs, and restart it.`,
  );
}

/** @huggingface/hub throws a TypeError for such a token before any request: say it plainly. */
export function malformedToken(modelId: string, repo: string, hubUrl: string): ModelgateError {
  return new ModelgateError(
    "source_unauthorized",
    `${TOKEN_VARIABLE} does not look like a Hugging Face token (hf_…); model ${modelId} is fetched from the Hugging Face repository ${repo}. Set ${TOKEN_VARIABLE} to an access token created at ${hubUrl}/settings/tokens (it starts with hf_).`,
  );
}

export function offlineError(modelId: string, source: string): ModelgateError {
  return new ModelgateError(
    "source_unreachable",
    `HF_HUB_OFFLINE is set and no verified copy of model ${modelId}'s source ${source} is in the disk cache: unset HF_HUB_OFFLINE, or pull the model where the source is reachable.`,
    { headers: { "Retry-After": "60" } },
  );
}

export function unreachable(what: string, reason: string, retryAfterS: number): ModelgateError {
  return new ModelgateError(
    "source_unreachable",
    `${what} (${reason}): retry after ${retryAfterS} s; if it persists, check the network and the source's URL.`,
    { headers: { "Retry-After": String(retryAfterS) } },
  );
}

function revisionName(site: HubCallSite): string {
  return site.revision ?? "main (the default branch)";
}

function notFound(site: HubCallSite, errorCode: string | null): ModelgateError {
  const source = formatHfSource(site.repo, site.revision);
  const fix = `check the source (re-register with \`modelgate models register ${site.modelId} --source hf://owner/repo[@revision]\`)`;
  if (errorCode === "RevisionNotFound") {
    return new ModelgateError(
      "source_not_found",
      `The Hugging Face repository ${site.repo} has no revision "${revisionName(site)}" (branch, tag or commit) for model ${site.modelId}: ${fix}.`,
    );
  }
  if (errorCode === "EntryNotFound" || site.file) {
    return new ModelgateError(
      "source_not_found",
      `The Hugging Face repository ${site.repo} at ${site.commit ?? revisionName(site)} has no file ${site.file ?? "(unknown)"}, which model ${site.modelId}'s package needs (${source}): add it to the repository, or ${fix}.`,
    );
  }
  const access = site.tokenSent
    ? `, or ${TOKEN_VARIABLE} cannot read it (the Hub hides private repositories it may not read)`
    : "";
  return new ModelgateError(
    "source_not_found",
    `The Hugging Face repository ${site.repo} of model ${site.modelId} does not exist${access}: ${fix}${site.tokenSent ? ", or give the token read access" : ""}.`,
  );
}

function byStatus(status: number, errorCode: string | null, site: HubCallSite): ModelgateError {
  if (status === 401) {
    if (!site.tokenSent) return credentialsMissing(site.modelId, site.repo);
    return new ModelgateError(
      "source_unauthorized",
      `The Hugging Face Hub rejected ${TOKEN_VARIABLE} (HTTP 401) for model ${site.modelId}'s repository ${site.repo}: the token is invalid, expired or revoked; set a valid read token.`,
    );
  }
  if (status === 403) {
    return new ModelgateError(
      "source_unauthorized",
      `${TOKEN_VARIABLE} may not read the Hugging Face repository ${site.repo} of model ${site.modelId} (HTTP 403): give the token read access to it (a fine-grained token lists its repositories; a gated repository needs its terms accepted by the token's owner).`,
    );
  }
  if (status === 404 || status === 400 || status === 410) return notFound(site, errorCode);
  return unreachable(
    `The Hugging Face Hub at ${site.hubUrl} answered model ${site.modelId}'s request for ${site.repo} with HTTP ${status}`,
    "unexpected status",
    30,
  );
}

/**
 * Maps anything a Hub call can throw for an expected reason to a ModelgateError; anything else
 * (a bug) is rethrown as is.
 */
export function hubError(err: unknown, site: HubCallSite, errorCode: string | null): never {
  if (err instanceof ModelgateError) throw err;
  if (err instanceof SourceLimitError) {
    throw tooLargeError(err, site.modelId, formatHfSource(site.repo, site.revision));
  }
  const what = `The Hugging Face Hub at ${site.hubUrl} is unavailable for model ${site.modelId}'s repository ${site.repo}`;
  if (err instanceof TransportError) {
    const tries = err.attempts > 1 ? `, ${err.attempts} attempts` : "";
    throw unreachable(what, `${err.reason}${tries}`, err.retryAfterS);
  }
  const hub = loadedHubLib();
  if (hub && err instanceof hub.HubApiError) throw byStatus(err.statusCode, errorCode, site);
  if (err instanceof HttpStatusError) throw byStatus(err.status, err.errorCode, site);
  if (err instanceof IntegrityError) {
    throw unreachable(
      `The Hugging Face Hub at ${site.hubUrl} served ${site.file ?? "a file"} of ${site.repo}@${site.commit ?? revisionName(site)} corrupted: ${err.message}`,
      "integrity check failed",
      30,
    );
  }
  if (
    (hub && err instanceof hub.InvalidApiResponseFormatError) ||
    err instanceof SyntaxError ||
    (err instanceof DOMException && (err.name === "TimeoutError" || err.name === "AbortError"))
  ) {
    throw unreachable(what, describeFailure(err, site.timeoutMs), 30);
  }
  throw err;
}
