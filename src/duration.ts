const DAY_MS = 86_400_000;
const UNITS: Record<string, number> = {
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: DAY_MS,
  w: 7 * DAY_MS,
};

/**
 * The longest duration modelgate accepts anywhere (a key's lifetime, a usage period, a cache
 * duration). Past it a date would stop being a date ("99999999w" from now is past year 275760,
 * where JavaScript dates end) long before it meant anything to a person.
 */
export const MAX_DURATION_MS = 3650 * DAY_MS;
export const MAX_DURATION_TEXT = "3650d (10 years)";

/**
 * Parses "90s", "15m", "1h", "30d", "2w" (or a sum like "1h30m") into milliseconds.
 * Returns undefined for anything else so callers can name the bad value themselves; a duration
 * past MAX_DURATION_MS is returned as it is, for `durationTooLong` to refuse with its sentence.
 */
export function parseDuration(text: string): number | undefined {
  const trimmed = text.trim();
  // Bounded before the regular expressions run: no duration needs more characters.
  if (trimmed.length > 64 || !/^(\d+[smhdw])+$/.test(trimmed)) return undefined;
  let total = 0;
  for (const [, amount, unit] of trimmed.matchAll(/(\d+)([smhdw])/g)) {
    total += Number(amount) * (UNITS[unit ?? ""] ?? 0);
  }
  return total > 0 ? total : undefined;
}

/** The sentence refusing a duration past the maximum, naming `what`; null when it is fine. */
export function durationTooLong(what: string, ms: number): string | null {
  if (ms <= MAX_DURATION_MS) return null;
  return `${what} is longer than ${MAX_DURATION_TEXT}, the longest duration modelgate accepts: give a shorter one or a date.`;
}
