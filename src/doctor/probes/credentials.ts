/**
 * Step 4, credentials: is the Hugging Face token valid (whoami-v2), and can it read the model's
 * repository at its revision. The Hub client is modelgate's own (src/sources/huggingface), so
 * doctor asks exactly what the service would. Which token is tested is said: the one in doctor's
 * environment, or the value behind the deployment's secret reference (step 5) — never its value.
 */
import { isModelgateError } from "../../errors.js";
import { probeSource } from "../../sources/index.js";
import type { Source, SourceContext } from "../../sources/index.js";
import { tokenOwner } from "../../sources/huggingface/api.js";
import { looksLikeHfToken, TOKEN_VARIABLE } from "../../sources/huggingface/errors.js";
import type { ProbeSpec } from "../run-probe.js";
import { skipped } from "../run-probe.js";
import { sourceOfKind, withScratch } from "./model-source.js";

/** A token to test and where it came from ("doctor's environment (HF_TOKEN)"). */
export interface TokenToTest {
  value: string;
  origin: string;
}

export interface HubSettings {
  hubUrl: string;
  timeoutMs: number;
}

export type TokenResult =
  | { tested: true; origin: string; ok: true; owner: string }
  | { tested: true; origin: string; ok: false; code: string; detail: string }
  | { tested: false; reason: string };

export interface RepoResult {
  source: string;
  repo: string;
  revision: string | null;
  withToken: string | null;
  ok: boolean;
  commit: string | null;
  private: boolean | null;
  code: string | null;
  detail: string;
}

type HfSource = Extract<Source, { kind: "huggingface" }>;

/** The model's Hub source, or why there is none to check. */
export function hubSourceOf(source: string | null): { source: HfSource } | { reason: string } {
  return sourceOfKind(
    source,
    "huggingface",
    (s) => `the model's source is ${s}, not a Hugging Face repository: no Hub token is involved`,
  );
}

function sourceContext(
  hub: HubSettings,
  dataDir: string,
  token: string | undefined,
): SourceContext {
  return {
    dataDir,
    hubUrl: hub.hubUrl.replace(/\/+$/, ""),
    token,
    timeoutMs: hub.timeoutMs,
    retry: { attempts: 1 },
  };
}

export function hubTokenProbe(
  hub: HubSettings,
  model: () => { id: string; source: string | null },
  token: () => TokenToTest | null,
): ProbeSpec<TokenResult> {
  return {
    id: "hub-token",
    step: "credentials",
    title: "Check the Hugging Face token (whoami)",
    timeoutMs: hub.timeoutMs,
    async run() {
      const t = token();
      if (!t) {
        const reason = `no token to test: doctor's environment has no ${TOKEN_VARIABLE} (or HF_TOKEN, or ${TOKEN_VARIABLE}_FILE) and no secret reference for it was resolved`;
        return { ...skipped(`Not tested: ${reason}.`), data: { tested: false, reason } };
      }
      const command = `curl -sS ${hub.hubUrl}/api/whoami-v2 -H "Authorization: Bearer $${TOKEN_VARIABLE}"`;
      if (!looksLikeHfToken(t.value)) {
        const detail = `the token from ${t.origin} does not look like a Hugging Face token (hf_…)`;
        return {
          state: "problem",
          summary: `The token is malformed: ${detail}.`,
          commands: [command],
          data: { tested: true, origin: t.origin, ok: false, code: "source_unauthorized", detail },
        };
      }
      const { id, source } = model();
      const hf = hubSourceOf(source);
      const repo = "source" in hf ? hf.source.repo : "(no repository)";
      const site = {
        modelId: id,
        repo,
        revision: null,
        tokenSent: true,
        hubUrl: hub.hubUrl,
        timeoutMs: hub.timeoutMs,
      };
      try {
        const owner = await withScratch((dir) =>
          tokenOwner(sourceContext(hub, dir, t.value), site),
        );
        return {
          state: "ok",
          summary: `The Hub accepts the token from ${t.origin} (whoami: ${owner}).`,
          commands: [command],
          data: { tested: true, origin: t.origin, ok: true, owner },
        };
      } catch (err) {
        if (!isModelgateError(err)) throw err;
        const unreachable = err.code === "source_unreachable";
        return {
          state: unreachable ? "failed" : "problem",
          summary: unreachable
            ? `The Hub could not be asked from here: ${err.detail}`
            : `The Hub rejects the token from ${t.origin}: ${err.detail}`,
          commands: [command],
          data: { tested: true, origin: t.origin, ok: false, code: err.code, detail: err.detail },
        };
      }
    },
  };
}

export function hubRepoProbe(
  hub: HubSettings,
  model: () => { id: string; source: string | null },
  token: () => TokenToTest | null,
): ProbeSpec<RepoResult> {
  return {
    id: "hub-repo",
    step: "credentials",
    title: "Check the model's repository and revision on the Hub",
    timeoutMs: hub.timeoutMs,
    async run() {
      const { id, source } = model();
      const hf = hubSourceOf(source);
      if (!("source" in hf)) return skipped(`Not checked: ${hf.reason}.`);
      const t = token();
      const { repo, revision } = hf.source;
      const ref = revision ?? "main";
      const command = `curl -sS ${hub.hubUrl}/api/models/${repo}/revision/${encodeURIComponent(ref)}${t ? ` -H "Authorization: Bearer $${TOKEN_VARIABLE}"` : ""}`;
      const result = await withScratch((dir) =>
        probeSource(hf.source, id, sourceContext(hub, dir, t?.value)),
      );
      const base = { source: source ?? "", repo, revision, withToken: t?.origin ?? null };
      const as = t ? `with the token from ${t.origin}` : "without a token";
      if (result.ok) {
        return {
          state: "ok",
          summary: `${repo}@${ref} is readable ${as}: commit ${result.revision ?? "?"} (${result.private ? "private" : "public"} repository).`,
          details: [result.detail],
          commands: [command],
          data: {
            ...base,
            ok: true,
            commit: result.revision,
            private: result.private,
            code: null,
            detail: result.detail,
          },
        };
      }
      const { error } = result;
      const unreachable = error.code === "source_unreachable";
      // Without a token, "needs a token" is what a private repository says: evidence, not a fault here.
      const needsToken = !t && error.code === "source_credentials_missing";
      return {
        state: unreachable ? "failed" : needsToken ? "ok" : "problem",
        summary: needsToken
          ? `${repo} is private: the Hub answers only with a token (no token was available to test with).`
          : unreachable
            ? `The Hub could not be asked from here: ${error.detail}`
            : `${repo}@${ref} cannot be read ${as}: ${error.detail}`,
        commands: [command],
        data: {
          ...base,
          ok: false,
          commit: null,
          private: needsToken ? true : result.private,
          code: error.code,
          detail: error.detail,
        },
      };
    },
  };
}
