const UNITS: Record<string, number> = {
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/**
 * Parses "90s", "15m", "1h", "30d", "2w" (or a sum like "1h30m") into milliseconds.
 * Returns undefined for anything else so callers can name the bad value themselves.
 */
export function parseDuration(text: string): number | undefined {
  const trimmed = text.trim();
  if (!/^(\d+[smhdw])+$/.test(trimmed)) return undefined;
  let total = 0;
  for (const [, amount, unit] of trimmed.matchAll(/(\d+)([smhdw])/g)) {
    total += Number(amount) * (UNITS[unit ?? ""] ?? 0);
  }
  return total > 0 ? total : undefined;
}
