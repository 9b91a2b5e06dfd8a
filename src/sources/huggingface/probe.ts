/**
 * What an hf:// source needs and whether it is met, without downloading the package:
 * `hfRequirements` reads only the disk cache (what the Hub last said about the repository),
 * `probeHf` asks the Hub: is the token accepted (whoami-v2), does the repository and revision
 * exist, is it private. Expected failures are values, never thrown.
 */
import { isModelgateError } from "../../errors.js";
import { findCached, readMeta, readRef, writeMeta } from "../cache/store.js";
import { hubBase } from "../context.js";
import { singleFlight } from "../single-flight.js";
import type {
  FetchOptions,
  ProbeResult,
  SourceContext,
  SourceRequirement,
  SourceRequirements,
} from "../types.js";
import { resolveRevision, tokenOwner } from "./api.js";
import {
  credentialsMissingSentence,
  looksLikeHfToken,
  malformedToken,
  TOKEN_VARIABLE,
} from "./errors.js";
import type { HfSource } from "./fetch.js";
import { callSite, cannotAsk, pinnedCommit, refName } from "./fetch.js";
import { formatHfSource } from "./repo.js";

/** The verified copy that would be served if the Hub could not be asked. */
export async function hfCachedRevision(
  source: HfSource,
  ctx: SourceContext,
  lastRevision?: string | null,
): Promise<string | null> {
  const recorded = await readRef(ctx, source, refName(source));
  const hit = await findCached(ctx, source, [pinnedCommit(source), lastRevision, recorded]);
  return hit?.revision ?? null;
}

export async function hfRequirements(
  source: HfSource,
  modelId: string,
  ctx: SourceContext,
  options: Pick<FetchOptions, "lastRevision"> = {},
): Promise<SourceRequirements> {
  const meta = await readMeta(ctx, source);
  const visibility = meta?.visibility ?? "unknown";
  const cachedRevision = await hfCachedRevision(source, ctx, options.lastRevision);
  const requirements: SourceRequirement[] = [];
  if (ctx.token && !looksLikeHfToken(ctx.token)) {
    requirements.push({
      variable: TOKEN_VARIABLE,
      reason: `model ${modelId} is fetched from the Hugging Face repository ${source.repo} with it`,
      met: false,
      problem: malformedToken(modelId, source.repo, hubBase(ctx)).detail,
    });
  } else if (visibility === "private") {
    requirements.push({
      variable: TOKEN_VARIABLE,
      reason: `model ${modelId} is stored in a private Hugging Face repository ${source.repo}`,
      met: Boolean(ctx.token),
      problem: ctx.token ? null : credentialsMissingSentence(modelId, source.repo),
    });
  }
  return { requirements, visibility, cachedRevision };
}

function tokenCheck(ctx: SourceContext, site: ReturnType<typeof callSite>): Promise<string> {
  // One whoami per token at a time, however many models are probed together.
  const key = `hf-whoami\0${hubBase(ctx)}\0${ctx.token ?? ""}`;
  return singleFlight(key, () => tokenOwner(ctx, site));
}

export async function probeHf(
  source: HfSource,
  modelId: string,
  ctx: SourceContext,
  options: Pick<FetchOptions, "lastRevision"> = {},
): Promise<ProbeResult> {
  const site = callSite(source, modelId, ctx);
  const known = async () => (await readMeta(ctx, source))?.visibility ?? null;
  const cachedRevision = () => hfCachedRevision(source, ctx, options.lastRevision);
  const blocked = cannotAsk(source, modelId, ctx);
  if (blocked) {
    const visibility = await known();
    return {
      ok: false,
      error: blocked,
      private: visibility === null ? null : visibility === "private",
      cachedRevision: await cachedRevision(),
    };
  }
  try {
    const owner = ctx.token ? await tokenCheck(ctx, site) : null;
    const resolved = await resolveRevision(ctx, site);
    await writeMeta(ctx, source, resolved.private ? "private" : "public");
    const as = owner ? `; ${TOKEN_VARIABLE} accepted (token of ${owner})` : "";
    return {
      ok: true,
      revision: resolved.commit,
      private: resolved.private,
      detail: `${formatHfSource(source.repo, source.revision)} resolves to commit ${resolved.commit} (${resolved.private ? "private" : "public"} repository${as})`,
    };
  } catch (err) {
    if (!isModelgateError(err)) throw err;
    if (err.code === "source_credentials_missing") await writeMeta(ctx, source, "private");
    const visibility = await known();
    return {
      ok: false,
      error: err,
      private: visibility === null ? null : visibility === "private",
      cachedRevision: await cachedRevision(),
    };
  }
}
