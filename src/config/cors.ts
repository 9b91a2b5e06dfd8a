/**
 * CORS_ORIGINS: which browser origins may call the API. Read as the seeds' service reads it — a
 * comma-separated list, or the JSON list its settings class accepts (`["http://a", "http://b"]`)
 * — and checked at config load, so a typo is a start-up error naming the entry, not a browser
 * console full of blocked requests.
 */

/** "*" (any origin) or the exact origins, normalised as browsers send them in `Origin`. */
export type CorsOrigins = "*" | readonly string[];

/** More entries than this is a configuration mistake (a pasted file), not a list of front ends. */
export const MAX_CORS_ORIGINS = 100;

const ORIGIN_SHAPE = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]+$/i;
const EXAMPLE = "http://localhost:3000";

/** A list entry as config problems quote it: JSON-quoted, cut at 80 characters. */
export function shown(entry: string): string {
  return JSON.stringify(entry.length > 80 ? `${entry.slice(0, 80)}…` : entry);
}

/** One entry → its origin, or the sentence saying what is wrong and what to write. */
function parseOrigin(entry: string): { origin: string } | { problem: string } {
  let url: URL;
  try {
    url = new URL(entry);
  } catch {
    return {
      problem: `CORS_ORIGINS entry ${shown(entry)} is not an origin: write scheme://host[:port], like ${EXAMPLE}.`,
    };
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    return {
      problem: `CORS_ORIGINS entry ${shown(entry)} is not an http(s) origin: browsers send Origin as http://host[:port] or https://host[:port].`,
    };
  }
  if (url.username || url.password) {
    return {
      problem: `CORS_ORIGINS entry ${shown(entry)} has a user name or password: an origin is scheme://host[:port] only.`,
    };
  }
  if (url.hostname.includes("*")) {
    return {
      problem: `CORS_ORIGINS entry ${shown(entry)} has a wildcard: list each origin (scheme://host[:port]), or use * alone for any origin.`,
    };
  }
  if (!ORIGIN_SHAPE.test(entry)) {
    return {
      problem: `CORS_ORIGINS entry ${shown(entry)} has a path, query or trailing "/": browsers send the origin alone, write ${url.origin}.`,
    };
  }
  // Lower-case host, default port dropped: the form the Origin header has.
  return { origin: url.origin };
}

function entriesOf(raw: string): { entries: string[] } | { problem: string } {
  const text = raw.trim();
  if (!text.startsWith("[")) {
    return {
      entries: text
        .split(",")
        .map((e) => e.trim())
        .filter((e) => e !== ""),
    };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (!Array.isArray(parsed) || !parsed.every((e): e is string => typeof e === "string")) {
    return {
      problem: `CORS_ORIGINS starts with "[" but is not a JSON list of strings: write ["${EXAMPLE}"] or a comma-separated list (${EXAMPLE},https://app.example.com).`,
    };
  }
  return { entries: parsed.map((e) => e.trim()).filter((e) => e !== "") };
}

/** The origins, or every problem found (each naming the bad entry). */
export function parseCorsOrigins(
  raw: string,
): { origins: CorsOrigins; problems?: undefined } | { problems: string[] } {
  const listed = entriesOf(raw);
  if ("problem" in listed) return { problems: [listed.problem] };
  const { entries } = listed;
  if (entries.length === 0) {
    return {
      problems: [
        `CORS_ORIGINS lists no origin: list them (${EXAMPLE},https://app.example.com), use * for any origin, or unset it for no CORS.`,
      ],
    };
  }
  if (entries.length > MAX_CORS_ORIGINS) {
    return {
      problems: [
        `CORS_ORIGINS lists ${entries.length} origins, more than the ${MAX_CORS_ORIGINS} accepted: list only the front ends that call this API.`,
      ],
    };
  }
  if (entries.includes("*")) {
    return entries.length === 1
      ? { origins: "*" }
      : {
          problems: [
            "CORS_ORIGINS mixes * with origins: use * alone for any origin, or list the origins.",
          ],
        };
  }
  const origins: string[] = [];
  const problems: string[] = [];
  for (const entry of entries) {
    const parsed = parseOrigin(entry);
    if ("problem" in parsed) problems.push(parsed.problem);
    else if (!origins.includes(parsed.origin)) origins.push(parsed.origin);
  }
  return problems.length > 0 ? { problems } : { origins };
}

/** Config-load problems of the CORS variables, together. */
export function corsProblems(values: Readonly<Record<string, unknown>>): string[] {
  if (typeof values.corsOrigins !== "string") return [];
  const parsed = parseCorsOrigins(values.corsOrigins);
  if (parsed.problems) return parsed.problems;
  if (parsed.origins === "*" && values.corsAllowCredentials === true) {
    return [
      'CORS_ORIGINS=* with CORS_ALLOW_CREDENTIALS=true: browsers refuse credentials for any origin ("*"); list the origins that need them, or set CORS_ALLOW_CREDENTIALS=false.',
    ];
  }
  return [];
}
