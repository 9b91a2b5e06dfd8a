import type { Config } from "../../config/index.js";
import { durationTooLong, parseDuration } from "../../duration.js";
import type { CreatedKeyView, KeyView } from "../../server/admin/ops.js";
import { openAdmin } from "../admin.js";
import type { CliContext } from "../context.js";
import { configOrExit } from "../context.js";
import { EXIT, ExitError } from "../errors.js";
import type { CommandOutput } from "../output.js";
import { table } from "../output.js";

export interface KeysCreateOptions {
  name?: string;
  scopes?: string;
  models?: string;
  expires?: string;
  user?: string;
  rateLimitPerHour?: string;
}

function list(text: string | undefined): string[] | undefined {
  if (text === undefined) return undefined;
  return text
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
}

/** "30d", "12h" from now, or an ISO date. */
export function parseExpires(text: string, now: Date = new Date()): string {
  const ms = parseDuration(text);
  if (ms !== undefined) {
    const tooLong = durationTooLong(`--expires "${text}"`, ms);
    if (tooLong) throw new ExitError(EXIT.usage, tooLong);
    return new Date(now.getTime() + ms).toISOString();
  }
  const date = new Date(text);
  if (/^\d{4}-\d{2}-\d{2}/.test(text) && !Number.isNaN(date.getTime())) return date.toISOString();
  throw new ExitError(
    EXIT.usage,
    `--expires "${text}" is not a duration or a date: use e.g. 30d, 12h, or 2027-01-31.`,
  );
}

/** A whole number ≥ 0 (0 = unlimited); undefined keeps RATE_LIMIT_DEFAULT_PER_HOUR. */
export function parseRateLimit(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (/^\d+$/.test(text.trim()) && Number.isSafeInteger(Number(text))) return Number(text);
  throw new ExitError(
    EXIT.usage,
    `--rate-limit-per-hour "${text}" is not a whole number: give requests per hour, e.g. 1000, or 0 for unlimited.`,
  );
}

/** How a key's limit reads: its own, unlimited, or the deployment's default (resolved per request). */
export function rateLimitText(limit: number | null, defaultPerHour: number): string {
  if (limit === null) return `default (${rateLimitText(defaultPerHour, 0)})`;
  return limit === 0 ? "unlimited" : `${limit}/h`;
}

async function withAdmin<T>(
  config: Config,
  fn: (ops: Awaited<ReturnType<typeof openAdmin>>["ops"]) => Promise<T>,
): Promise<T> {
  const session = await openAdmin(config);
  try {
    return await fn(session.ops);
  } finally {
    await session.close();
  }
}

export async function keysCreate(opts: KeysCreateOptions, ctx: CliContext): Promise<CommandOutput> {
  if (!opts.name?.trim())
    throw new ExitError(
      EXIT.usage,
      "keys create needs --name NAME (a label for the key, e.g. --name partner-acme).",
    );
  const rateLimit = parseRateLimit(opts.rateLimitPerHour);
  const { config } = configOrExit(ctx);
  const created: CreatedKeyView = await withAdmin(config, (ops) =>
    ops.createKey({
      name: opts.name ?? "",
      user_id: opts.user,
      scopes: list(opts.scopes),
      models: list(opts.models) ?? null,
      expires_at: opts.expires ? parseExpires(opts.expires) : null,
      rate_limit_per_hour: rateLimit ?? null,
    }),
  );
  const text = [
    `Created API key ${created.id} (${created.name}), scopes: ${created.scopes.join(", ")}` +
      (created.models ? `, models: ${created.models.join(", ")}` : "") +
      (created.expires_at ? `, expires ${created.expires_at}` : "") +
      `, rate limit: ${rateLimitText(created.rate_limit_per_hour, config.rateLimitDefaultPerHour)}.`,
    "",
    `  ${created.key}`,
    "",
    "This is the only time the key is shown: store it now (only its hash is kept).",
  ].join("\n");
  return { data: created, text };
}

export async function keysList(ctx: CliContext): Promise<CommandOutput> {
  const { config } = configOrExit(ctx);
  const keys: KeyView[] = await withAdmin(config, (ops) => ops.listKeys());
  const text =
    keys.length === 0
      ? "No API keys yet: create one with `modelgate keys create --name NAME`."
      : table(
          ["ID", "NAME", "PREFIX", "SCOPES", "MODELS", "LIMIT", "STATUS", "EXPIRES", "LAST USED"],
          keys.map((k) => [
            k.id,
            k.name,
            `${k.prefix}…`,
            k.scopes.join(","),
            k.models?.join(",") ?? "all",
            rateLimitText(k.rate_limit_per_hour, config.rateLimitDefaultPerHour),
            k.status,
            k.expires_at,
            k.last_used_at,
          ]),
        );
  return { data: keys, text };
}

export async function keysRevoke(id: string, ctx: CliContext): Promise<CommandOutput> {
  const revoked = await withAdmin(configOrExit(ctx).config, (ops) => ops.revokeKey(id));
  return {
    data: revoked,
    text: `Revoked API key ${revoked.id} (${revoked.name}) at ${revoked.revoked_at}.`,
  };
}
