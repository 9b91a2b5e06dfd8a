/**
 * Flags shared by the commands that call a running modelgate (smoke, models verify --url): the
 * URL, the API key (from MODELGATE_API_KEY by preference) and durations, each refused with exit
 * 2 and a sentence naming the flag.
 */
import { durationTooLong, parseDuration } from "../duration.js";
import type { CliContext } from "./context.js";
import { EXIT, ExitError } from "./errors.js";

/** The environment variable holding the key, so it stays out of shell history and `ps`. */
export const API_KEY_ENV = "MODELGATE_API_KEY";

/** A duration flag in ms, or exit 2 naming the flag and the value. */
export function durationFlag(flag: string, text: string): number {
  const ms = parseDuration(text);
  if (ms === undefined) {
    throw new ExitError(
      EXIT.usage,
      `${flag} "${text}" is not a duration: use whole seconds, minutes or hours, e.g. 5s, 2m, 1h.`,
    );
  }
  const tooLong = durationTooLong(`${flag} "${text}"`, ms);
  if (tooLong) throw new ExitError(EXIT.usage, tooLong);
  return ms;
}

/** The service URL, or exit 2 saying what is wrong with it. */
export function serviceUrl(text: string | undefined, command: string): string {
  if (!text)
    throw new ExitError(
      EXIT.usage,
      `${command} needs --url URL (e.g. --url https://models.example.com).`,
    );
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ExitError(
      EXIT.usage,
      `--url "${text}" is not a URL: give it whole, e.g. http://127.0.0.1:8001.`,
    );
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new ExitError(EXIT.usage, `--url must be http:// or https://, got ${url.protocol}//.`);
  }
  if (url.search || url.hash) {
    throw new ExitError(
      EXIT.usage,
      `--url takes the service's base URL without a query or fragment (got "${url.search}${url.hash}").`,
    );
  }
  return url.toString().replace(/\/+$/, "");
}

/** The API key from --api-key or MODELGATE_API_KEY, or exit 2 saying how to give it. */
export function apiKeyFrom(opts: { apiKey?: string }, ctx: CliContext, command: string): string {
  const key = opts.apiKey ?? ctx.env[API_KEY_ENV];
  if (!key || key.trim() === "") {
    throw new ExitError(
      EXIT.usage,
      `${command} needs an API key: set ${API_KEY_ENV} (kept out of shell history) or pass --api-key KEY.`,
    );
  }
  return key.trim();
}
