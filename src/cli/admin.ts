import type { Config } from "../config/index.js";
import { keyServiceFactory } from "../auth/service.js";
import { startCluster } from "../cluster/index.js";
import type { Cluster } from "../cluster/index.js";
import { localAdminOps } from "../server/admin/ops.js";
import { ensureExampleModel } from "../server/bootstrap.js";
import type { AdminOps } from "../server/admin/ops.js";
import { adminSocketPath } from "../server/admin/socket.js";
import { usageReporter } from "../server/admin/usage.js";
import {
  keyRepository,
  modelRepository,
  openStore,
  readStoreLock,
  usageStoreOf,
} from "../store/index.js";
import { socketAdminOps } from "./admin-client.js";

export interface AdminSession {
  ops: AdminOps;
  /** "server": through a running `serve`; "store": this process opened the store. */
  via: "server" | "store";
  close(): Promise<void>;
}

/** A CLI must not hang on an unreachable Redis: the replicas' cache TTLs (≤ 1 s) cover it. */
const CLI_REDIS_WAIT_MS = 1_000;

/**
 * The embedded database admits one process. When a `serve` holds the data dir, talk to it
 * through its admin socket (changes apply there at once); otherwise open the store here.
 * PostgreSQL admits many processes, so it is always opened directly — and with REDIS_URL the
 * changes are published on the invalidation bus, so running replicas see a revoke at once.
 */
export async function openAdmin(config: Config): Promise<AdminSession> {
  if (!config.databaseUrl) {
    const lock = await readStoreLock(config.dataDir);
    if (lock) {
      return {
        ops: socketAdminOps(adminSocketPath(config.dataDir)),
        via: "server",
        close: async () => {},
      };
    }
  }
  const store = await openStore(
    config.databaseUrl ? { databaseUrl: config.databaseUrl } : { dataDir: config.dataDir },
  );
  // Model 21 on every new store, whatever the first command is (not only `serve`).
  if (config.registerExample) {
    try {
      await ensureExampleModel(store.db);
    } catch (err) {
      await store.close();
      throw err;
    }
  }
  // Without DATABASE_URL no replica runs (the store was free), so there is no one to tell.
  let cluster: Cluster | undefined;
  if (config.databaseUrl && config.redisUrl) {
    try {
      cluster = await startCluster(config, {
        prefix: config.redisKeyPrefix,
        connectWaitMs: CLI_REDIS_WAIT_MS,
      });
    } catch (err) {
      await store.close();
      throw err;
    }
  }
  const keys = keyServiceFactory({ keys: keyRepository(store.db) });
  const ops = localAdminOps({
    keys,
    models: modelRepository(store.db),
    bus: cluster?.bus,
    usage: usageReporter({ usage: usageStoreOf(store) }),
  });
  return {
    ops,
    via: "store",
    async close() {
      await cluster?.close();
      await store.close();
    },
  };
}
