/**
 * Whether a variable name looks like it holds a secret: one of its underscore-separated words
 * says so, and its last word does not describe a non-secret companion (the URL of a service, the
 * id of a key, the path of a credentials file). So AUTH_SERVICE_URL is not secret and
 * REDIS_AUTH_TOKEN is.
 */
const SECRET_WORDS = new Set([
  "KEY",
  "APIKEY",
  "TOKEN",
  "SECRET",
  "PASSWORD",
  "PASSWD",
  "PWD",
  "CREDENTIAL",
  "CREDENTIALS",
  "PRIVATE",
]);

const NON_SECRET_LAST = new Set([
  "URL",
  "URI",
  "HOST",
  "PORT",
  "ID",
  "NAME",
  "PATH",
  "FILE",
  "REGION",
  "TIMEOUT",
  "ENABLED",
]);

export function isSecretLike(name: string): boolean {
  const words = name.toUpperCase().split("_").filter(Boolean);
  const last = words[words.length - 1];
  if (last === undefined || NON_SECRET_LAST.has(last)) return false;
  return words.some((w) => SECRET_WORDS.has(w));
}
