/**
 * Is the store answering? For /ready: a bounded question, so a store that swallows packets
 * makes the check fail within `timeoutMs` instead of holding the probe until the query's own
 * timeout. The query itself still ends by that timeout (and frees its connection).
 */
import { sql } from "kysely";
import { within } from "../deadline.js";
import type { Store } from "./open.js";

export async function storeReadiness(
  store: Pick<Store, "db" | "kind" | "label">,
  timeoutMs: number,
): Promise<{ ok: boolean; reason: string }> {
  const answer = sql`select 1`.execute(store.db).then(
    () => ({ ok: true, reason: `${store.kind} reachable` }),
    (err: unknown) => ({ ok: false, reason: err instanceof Error ? err.message : String(err) }),
  );
  return (
    (await within(answer, timeoutMs)) ?? {
      ok: false,
      reason: `${store.label} did not answer within ${timeoutMs} ms: check that it runs and the network to it`,
    }
  );
}
