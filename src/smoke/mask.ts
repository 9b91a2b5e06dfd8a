/**
 * Secrets never reach a report: the API key in use is replaced wherever it appears (a server
 * that echoes a header, a proxy error page), and so is anything shaped like a modelgate key, a
 * Hugging Face token or a bearer credential.
 */
const SHAPES: [RegExp, string][] = [
  [/\bhk_(live|test)_[0-9A-Za-z]{8,}/g, "hk_$1_***"],
  [/\bhf_[0-9A-Za-z]{8,}/g, "hf_***"],
  [/\b(Bearer|ApiKey)\s+[A-Za-z0-9._~+/=-]{8,}/gi, "$1 ***"],
];

/** `text` with each of `secrets` (4+ characters) and every key- or token-shaped string masked. */
export function maskSecrets(text: string, secrets: readonly (string | undefined)[] = []): string {
  let out = text;
  for (const secret of secrets) {
    if (secret && secret.length >= 4) out = out.split(secret).join("***");
  }
  for (const [pattern, replacement] of SHAPES) out = out.replace(pattern, replacement);
  return out;
}

/** A URL as it may be shown: user and password replaced. */
export function maskUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.username || u.password) {
      u.username = u.username ? "***" : "";
      u.password = u.password ? "***" : "";
    }
    return u.toString().replace(/\/$/, "");
  } catch {
    return url;
  }
}
