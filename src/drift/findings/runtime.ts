/**
 * Variables read by the platform, the language runtime or an agent's library rather than by the
 * service's code. Providing one is never reported as `unused`.
 */
const NAMES = new Set([
  "PATH",
  "HOME",
  "TZ",
  "LANG",
  "LC_ALL",
  "NODE_ENV",
  "NODE_OPTIONS",
  "NODE_EXTRA_CA_CERTS",
  "UV_THREADPOOL_SIZE",
  "PYTHONUNBUFFERED",
  "PYTHONDONTWRITEBYTECODE",
  "PYTHONPATH",
  "PYTHONHASHSEED",
  "PYTHONFAULTHANDLER",
  "WEB_CONCURRENCY",
  "GUNICORN_CMD_ARGS",
  "FORWARDED_ALLOW_IPS",
  "GOMAXPROCS",
  "GOMEMLIMIT",
  "GODEBUG",
  "GOGC",
  "JAVA_OPTS",
  "JAVA_TOOL_OPTIONS",
  "SSL_CERT_FILE",
  "REQUESTS_CA_BUNDLE",
  "HTTP_PROXY",
  "HTTPS_PROXY",
  "NO_PROXY",
  "SENTRY_DSN",
  "SENTRY_ENVIRONMENT",
  "SENTRY_RELEASE",
]);

/** Prefixes of variables read by the AWS SDKs and agents (Datadog, OpenTelemetry, ECS). */
const PREFIXES = ["AWS_", "ECS_", "DD_", "OTEL_", "NEW_RELIC_", "ELASTIC_APM_", "UVICORN_"];

export function isRuntimeVariable(name: string): boolean {
  return NAMES.has(name) || PREFIXES.some((p) => name.startsWith(p));
}
