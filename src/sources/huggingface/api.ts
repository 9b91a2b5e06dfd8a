/**
 * The Hub's API, through @huggingface/hub (loaded on the first call: ./hub-lib.ts): revision → commit, file metadata, the token's owner.
 * The library never reads HF_ENDPOINT (hubUrl is passed), and our fetch gives every call a
 * deadline and retries. Tokens are checked for the hf_ prefix before any call (the library
 * would throw a TypeError), see ./errors.ts.
 */
import { hubBase } from "../context.js";
import { resilientFetch } from "../net/transport.js";
import type { SourceContext } from "../types.js";
import type { HubCallSite } from "./errors.js";
import { hubError } from "./errors.js";
import { hubLib } from "./hub-lib.js";
import { COMMIT_SHA } from "./repo.js";

export interface ResolvedRevision {
  commit: string;
  private: boolean;
}

/** What the Hub says about one file at a commit. */
export interface HubFile {
  path: string;
  size: number;
  /** The git blob id (of the LFS pointer, for LFS files). */
  oid: string | null;
  /** The content's sha256, for files stored with LFS. */
  lfsSha256: string | null;
}

function credentials(ctx: SourceContext): { accessToken?: string } {
  return ctx.token ? { accessToken: ctx.token } : {};
}

async function call<T>(
  ctx: SourceContext,
  site: HubCallSite,
  run: (fetch: typeof globalThis.fetch, hub: Awaited<ReturnType<typeof hubLib>>) => Promise<T>,
  signal?: AbortSignal,
): Promise<T> {
  const hub = await hubLib();
  const transport = resilientFetch(ctx, signal);
  try {
    return await run(transport, hub);
  } catch (err) {
    return hubError(err, site, transport.lastErrorCode);
  }
}

/** The commit a branch, tag or commit names (the default branch when revision is null). */
export async function resolveRevision(
  ctx: SourceContext,
  site: HubCallSite,
  signal?: AbortSignal,
): Promise<ResolvedRevision> {
  const info = await call(
    ctx,
    site,
    (fetch, hub) =>
      hub.modelInfo({
        name: site.repo,
        revision: site.revision ?? undefined,
        additionalFields: ["sha"],
        hubUrl: hubBase(ctx),
        fetch,
        ...credentials(ctx),
      }),
    signal,
  );
  const commit = info.sha;
  if (typeof commit !== "string" || !COMMIT_SHA.test(commit)) {
    return hubError(new SyntaxError("the repository info carries no commit sha"), site, null);
  }
  return { commit, private: info.private === true };
}

/** Metadata of `paths` at a commit; a path the Hub does not list is absent from the map. */
export async function filesInfo(
  ctx: SourceContext,
  site: HubCallSite & { commit: string },
  paths: string[],
  signal?: AbortSignal,
): Promise<Map<string, HubFile>> {
  const infos = await call(
    ctx,
    site,
    (fetch, hub) =>
      hub.pathsInfo({
        repo: { type: "model", name: site.repo },
        paths,
        revision: site.commit,
        hubUrl: hubBase(ctx),
        fetch,
        ...credentials(ctx),
      }),
    signal,
  );
  const files = new Map<string, HubFile>();
  for (const info of infos) {
    if (info.type !== "file" || typeof info.size !== "number") continue;
    files.set(info.path, {
      path: info.path,
      size: info.lfs?.size ?? info.size,
      oid: info.oid ?? null,
      lfsSha256: info.lfs?.oid ?? null,
    });
  }
  return files;
}

/** The name of the token's owner, or a typed error when the Hub rejects the token. */
export async function tokenOwner(ctx: SourceContext, site: HubCallSite): Promise<string> {
  const me = await call(ctx, site, (fetch, hub) =>
    hub.whoAmI({ hubUrl: hubBase(ctx), fetch, accessToken: ctx.token ?? "" }),
  );
  return me.name;
}
