import { pino } from "pino";
import type { Logger } from "pino";
import type { Config } from "../../config/index.js";
import { startService } from "../../server/start.js";
import type { CliContext } from "../context.js";
import { configOrExit } from "../context.js";
import { logBlocks } from "../log-blocks.js";

export interface ServeOptions {
  port?: string;
  host?: string;
  strict?: boolean;
}

/** How long a log line may wait in the buffer before it is written anyway. */
const LOG_FLUSH_MS = 200;
const LOG_BLOCK_BYTES = 32 * 1024;

/**
 * JSON lines on stdout; credentials are redacted should a request ever be logged whole.
 *
 * Written asynchronously and in blocks (src/cli/log-blocks.ts): lines gather until
 * LOG_BLOCK_BYTES (about 140 request lines) or LOG_FLUSH_MS have passed, then go to the kernel
 * in one write off the event loop. Written a line at a time and synchronously, the request log
 * cost ~25 µs of a prediction's ~130 µs on the thread that answers them (bench/profile.mjs);
 * even handed to libuv's thread pool, each write cost that thread ~57 µs under load (measured:
 * 2,264 writes of 4 KiB for 42,915 requests, 128 ms), hence blocks of 32 KiB. What is still
 * gathered when the process exits is written synchronously on its way out.
 */
export function createLogger(config: Pick<Config, "logLevel">): Logger {
  const destination = logBlocks({ fd: 1, blockBytes: LOG_BLOCK_BYTES, flushMs: LOG_FLUSH_MS });
  return pino(
    {
      level: config.logLevel,
      base: { service: "modelgate" },
      redact: {
        paths: [
          "req.headers.authorization",
          'req.headers["x-api-key"]',
          "headers.authorization",
          'headers["x-api-key"]',
        ],
        censor: "[redacted]",
      },
    },
    destination,
  );
}

function bootstrapBanner(key: string, keyId: string): string {
  const lines = [
    "First start: created an admin API key. It is shown only this once; store it now.",
    "",
    `  ${key}`,
    "",
    `  id ${keyId} · scopes: admin · revoke with \`modelgate keys revoke ${keyId}\``,
    "",
    "Try it:",
    `  curl -X POST http://127.0.0.1:PORT/api/v1/models/21/predict -H "X-API-Key: ${key}" \\`,
    `    -H "Content-Type: application/json" --data '{"inputs":{"company_size":1000,"industry":"Technology","engagement_score":75,"website_visits":10,"email_opens":5,"content_downloads":3,"demo_requested":true,"budget_confirmed":false,"decision_timeline":"Q2 2025","title":"VP of Sales"}}'`,
  ];
  const width = Math.max(...lines.map((l) => l.length));
  const bar = "=".repeat(Math.min(width, 100));
  return `${bar}\n${lines.join("\n")}\n${bar}\n`;
}

/** Runs the service until SIGTERM/SIGINT, then shuts down gracefully. Resolves when stopped. */
export async function serve(opts: ServeOptions, ctx: CliContext): Promise<void> {
  const { config } = configOrExit(ctx, { PORT: opts.port, HOST: opts.host });
  const logger = createLogger(config);
  let banner: { key: string; keyId: string } | null = null;
  const service = await startService({
    config,
    logger,
    strict: opts.strict === true,
    onWarning: (sentence) => ctx.stderr.write(`${sentence}\n`),
    onBootstrapKey: (key, keyId) => {
      banner = { key, keyId };
    },
  });
  const port = new URL(service.url).port;
  if (banner) {
    const { key, keyId } = banner;
    // Printed straight to the terminal, not through the logger: the key must never be in a log.
    ctx.stderr.write(bootstrapBanner(key, keyId).replace("PORT", port));
  }
  logger.info(
    { url: service.url, data_dir: config.dataDir, store: service.store.kind },
    "modelgate is serving",
  );

  await new Promise<void>((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      process.off("SIGTERM", stop);
      process.off("SIGINT", stop);
      logger.info({ signal }, "shutting down: finishing in-flight requests");
      const timer = setTimeout(() => {
        logger.error(
          { timeout_ms: config.shutdownTimeoutMs },
          "shutdown timed out; exiting with requests unfinished",
        );
        resolve();
      }, config.shutdownTimeoutMs);
      timer.unref();
      service
        .close()
        .catch((err: unknown) => logger.error({ err }, "error while shutting down"))
        .finally(() => {
          clearTimeout(timer);
          logger.info("stopped");
          resolve();
        });
    };
    process.on("SIGTERM", stop);
    process.on("SIGINT", stop);
  });
}
