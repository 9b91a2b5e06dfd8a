/**
 * Keeps secrets out of everything doctor prints or writes. Every secret doctor handles (the API
 * key it was given, a Hub token, a value read from Secrets Manager or SSM, a password in a
 * database URL) is registered here the moment it is read, and every string that leaves doctor
 * passes through `mask` — the rendered reports are masked once more as a whole, so a secret that
 * reached a message by another path (an error from a library) is caught there too.
 */

const MASK = "****";

/** Token shapes worth hiding even when doctor was not told they are secrets. */
const TOKEN_PATTERNS: RegExp[] = [
  // modelgate API keys (src/auth/keys.ts): keep the recognisable prefix.
  /\b(hk_(?:live|test)_)[0-9A-Za-z]{8,}/g,
  // Hugging Face tokens.
  /\b(hf_)[0-9A-Za-z]{8,}/g,
  // AWS access key ids.
  /\b((?:AKIA|ASIA))[0-9A-Z]{16}\b/g,
];

/** scheme://user:password@host or scheme://token@host → scheme://****@host */
const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@:]+(?::[^\s/@]*)?@/gi;

export class Masker {
  private readonly secrets = new Set<string>();

  /** Registers a secret value; short values (< 4 characters) would mask ordinary words. */
  add(value: string | undefined | null): void {
    if (typeof value !== "string") return;
    const trimmed = value.trim();
    if (trimmed.length >= 4) this.secrets.add(trimmed);
  }

  /** Registers the credentials inside a URL (user, password, query). */
  addUrl(value: string | undefined): void {
    if (!value) return;
    try {
      const url = new URL(value);
      this.add(decodeURIComponent(url.password));
      if (url.password === "") this.add(decodeURIComponent(url.username));
      for (const [, v] of url.searchParams) this.add(v);
    } catch {
      // Not a URL: nothing to pick out.
    }
  }

  mask(text: string): string {
    let out = text;
    // Longest first, so a secret containing another is hidden whole.
    for (const secret of [...this.secrets].sort((a, b) => b.length - a.length)) {
      out = out.split(secret).join(MASK);
    }
    for (const pattern of TOKEN_PATTERNS) out = out.replace(pattern, `$1${MASK}`);
    return out.replace(URL_USERINFO, `$1${MASK}@`);
  }

  /** Masks every string inside a JSON-like value (for --json). */
  maskDeep<T>(value: T): T {
    return this.walk(value) as T;
  }

  private walk(value: unknown): unknown {
    if (typeof value === "string") return this.mask(value);
    if (Array.isArray(value)) return value.map((v) => this.walk(v));
    if (value && typeof value === "object") {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.walk(v)]));
    }
    return value;
  }
}
