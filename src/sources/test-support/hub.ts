import { afterAll, beforeAll, beforeEach } from "vitest";
import type { FakeHub } from "../../../test/support/fake-hub.js";
import { startFakeHub } from "../../../test/support/fake-hub.js";
import type { TestContext } from "./context.js";
import { testContext } from "./context.js";

/**
 * One fake Hugging Face Hub for a test file, and a fresh source context (its own data dir) for
 * each test. Between tests the Hub's faults are cleared and, if a test took it down, it is
 * brought back up. Read `hub` and `ctx` inside tests: they are set by the hooks.
 */
export function useFakeHub(): { hub: FakeHub; ctx: TestContext } {
  const state = {} as { hub: FakeHub; ctx: TestContext };
  beforeAll(async () => {
    state.hub = await startFakeHub();
  });
  afterAll(() => state.hub.close());
  beforeEach(async () => {
    state.hub.clearFaults();
    await state.hub.up().catch(() => undefined);
    state.ctx = testContext(state.hub.url);
    return () => state.ctx.cleanup();
  });
  return state;
}
