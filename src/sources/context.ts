import type { Config } from "../config/index.js";
import type { RetryPolicy, SourceContext } from "./types.js";

const DEFAULT_RETRY: RetryPolicy = {
  attempts: 4,
  baseDelayMs: 500,
  // A longer Retry-After fails at once with that Retry-After: a cold load holds a request.
  maxDelayMs: 10_000,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** The seconds a client is told to wait (Retry-After) when the source gave no better figure. */
export const DEFAULT_RETRY_AFTER_S = 30;

export function retryPolicy(ctx: SourceContext): RetryPolicy {
  const policy = { ...DEFAULT_RETRY, ...ctx.retry };
  return { ...policy, attempts: Math.max(1, Math.floor(policy.attempts)) };
}

export function hubBase(ctx: SourceContext): string {
  return ctx.hubUrl.replace(/\/+$/, "");
}

export function fetchOf(ctx: SourceContext): typeof fetch {
  return ctx.fetch ?? fetch;
}

/** The sources' view of the validated configuration (the composition root calls this once). */
export function sourceContextFromConfig(
  config: Pick<
    Config,
    | "dataDir"
    | "hfEndpoint"
    | "huggingfaceApiKey"
    | "sourceTimeoutMs"
    | "sourceRetries"
    | "hfHubOffline"
    | "sourceDownloadTimeoutS"
    | "modelMaxPackageMb"
    | "modelMaxArchiveRatio"
    | "mlflowTrackingUri"
    | "mlflowTrackingToken"
    | "mlflowTrackingUsername"
    | "mlflowTrackingPassword"
    | "mlflowTrackingInsecureTls"
    | "mlflowTrackingServerCertPath"
  >,
): SourceContext {
  return {
    dataDir: config.dataDir,
    hubUrl: config.hfEndpoint,
    token: config.huggingfaceApiKey,
    timeoutMs: config.sourceTimeoutMs,
    offline: config.hfHubOffline,
    retry: { attempts: config.sourceRetries + 1 },
    limits: {
      maxPackageBytes: config.modelMaxPackageMb * 1024 * 1024,
      maxArchiveRatio: config.modelMaxArchiveRatio,
      downloadTimeoutMs: config.sourceDownloadTimeoutS * 1000,
    },
    mlflow: {
      trackingUri: config.mlflowTrackingUri,
      token: config.mlflowTrackingToken,
      username: config.mlflowTrackingUsername,
      password: config.mlflowTrackingPassword,
      insecureTls: config.mlflowTrackingInsecureTls,
      serverCertPath: config.mlflowTrackingServerCertPath,
    },
  };
}
