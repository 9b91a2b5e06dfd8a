/**
 * TRUST_PROXY: which proxies in front of modelgate may say who the client is (X-Forwarded-For).
 *
 * Behind a load balancer every connection comes from the balancer, so everything keyed by the
 * client's address — the budget of requests with invalid keys (AUTH_FAILED_ATTEMPTS_PER_MINUTE)
 * — would be one budget for all clients: one client sending bad keys would lock every other
 * client out. With the balancer trusted, the address it saw is used instead. Trusting every
 * sender would let any client pick its own address, so that is refused: the proxies are named
 * (addresses, CIDR ranges, or loopback / linklocal / uniquelocal), or counted (hops).
 */
import { isIP } from "node:net";
import { shown } from "./cors.js";

/** What Fastify's `trustProxy` takes: a number of hops, or the trusted addresses and ranges. */
export type TrustProxy = number | string[];

/** More hops than this is a mistake, not a chain of proxies. */
const MAX_HOPS = 10;
const MAX_ENTRIES = 100;
const NAMED_RANGES = ["loopback", "linklocal", "uniquelocal"];
const EXAMPLE = "10.0.0.0/8 (your load balancers' subnet), or 1 (one proxy in front)";

function entryProblem(entry: string): string | null {
  if (NAMED_RANGES.includes(entry)) return null;
  const [address = "", prefix, extra] = entry.split("/");
  const family = isIP(address);
  if (family === 0 || extra !== undefined) {
    return `TRUST_PROXY entry ${shown(entry)} is not an IP address or CIDR range: write addresses like 10.0.0.7, ranges like 10.0.0.0/8 or fd00::/8, or ${NAMED_RANGES.join(", ")}.`;
  }
  if (prefix === undefined) return null;
  const bits = family === 4 ? 32 : 128;
  if (!/^\d{1,3}$/.test(prefix) || Number(prefix) > bits) {
    return `TRUST_PROXY entry ${shown(entry)} has a prefix length that is not 0-${bits}.`;
  }
  return null;
}

/** The setting, or every problem found (each naming the bad entry). */
export function parseTrustProxy(
  raw: string,
): { trust: TrustProxy | false; problems?: undefined } | { problems: string[] } {
  const text = raw.trim();
  if (text === "" || text === "false") return { trust: false };
  if (text === "true" || text === "*") {
    return {
      problems: [
        `TRUST_PROXY=${text} would believe any client's X-Forwarded-For, so a client could choose its own address: name the proxies in front, like ${EXAMPLE}.`,
      ],
    };
  }
  if (/^\d+$/.test(text)) {
    const hops = Number(text);
    if (hops < 1 || hops > MAX_HOPS) {
      return {
        problems: [
          `TRUST_PROXY=${text}: a number counts the proxies in front of modelgate, 1 to ${MAX_HOPS}; unset it for none.`,
        ],
      };
    }
    return { trust: hops };
  }
  const entries = text
    .split(",")
    .map((e) => e.trim())
    .filter((e) => e !== "");
  if (entries.length > MAX_ENTRIES) {
    return {
      problems: [
        `TRUST_PROXY lists ${entries.length} entries, more than the ${MAX_ENTRIES} accepted: use CIDR ranges.`,
      ],
    };
  }
  const problems = entries.map(entryProblem).filter((p): p is string => p !== null);
  return problems.length > 0 ? { problems } : { trust: entries };
}

/** Config-load problems of TRUST_PROXY. */
export function trustProxyProblems(values: Readonly<Record<string, unknown>>): string[] {
  if (typeof values.trustProxy !== "string") return [];
  return parseTrustProxy(values.trustProxy).problems ?? [];
}

/** The parsed setting of a loaded (valid) configuration; false when unset. */
export function trustProxyOf(config: { trustProxy?: string | undefined }): TrustProxy | false {
  if (config.trustProxy === undefined) return false;
  const parsed = parseTrustProxy(config.trustProxy);
  return parsed.problems ? false : parsed.trust;
}
