/**
 * Logging for what runs off the request path: a service that refuses every usage report must
 * not write a line per request, so each kind of trouble is said at most once a minute, with
 * how many times it happened meanwhile.
 */
import type { ReportClock } from "./clock.js";

export interface ReportLogger {
  warn(obj: Record<string, unknown>, msg: string): void;
  error(obj: Record<string, unknown>, msg: string): void;
}

const EVERY_MS = 60_000;

export function throttledLog(
  logger: ReportLogger | undefined,
  clock: Pick<ReportClock, "now">,
): (kind: string, obj: Record<string, unknown>, msg: string) => void {
  const last = new Map<string, { at: number; suppressed: number }>();
  return function warnAtMostEveryMinute(kind, obj, msg) {
    if (!logger) return;
    const seen = last.get(kind);
    const now = clock.now();
    if (seen && now - seen.at < EVERY_MS) {
      seen.suppressed += 1;
      return;
    }
    logger.warn({ ...obj, repeated: seen?.suppressed ?? 0 }, msg);
    last.set(kind, { at: now, suppressed: 0 });
  };
}

/** A network error's code (ECONNREFUSED …) or message: never a key, never a body. */
export function networkReason(err: unknown): string {
  if (err instanceof Error && "code" in err && typeof err.code === "string") return err.code;
  return err instanceof Error ? err.message : String(err);
}
