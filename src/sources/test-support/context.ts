import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { SourceContext } from "../types.js";

export interface TestContext extends SourceContext {
  /** Every wait the retry policy asked for, in ms (nothing actually waits). */
  delays: number[];
  cleanup(): void;
}

/**
 * A source context for tests: a fresh data dir, short timeouts, and a sleep that records the
 * delay instead of waiting, so retry and Retry-After behaviour is asserted without slow tests.
 */
export function testContext(
  hubUrl: string,
  overrides: Partial<SourceContext> = {},
  dataDir = mkdtempSync(join(tmpdir(), "mg-sources-")),
): TestContext {
  const delays: number[] = [];
  return {
    dataDir,
    hubUrl,
    token: undefined,
    timeoutMs: 2_000,
    ...overrides,
    retry: {
      attempts: 3,
      baseDelayMs: 10,
      maxDelayMs: 5_000,
      sleep: async (ms) => void delays.push(ms),
      ...overrides.retry,
    },
    delays,
    cleanup: () => rmSync(dataDir, { recursive: true, force: true }),
  };
}
