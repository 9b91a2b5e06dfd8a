import type { Config } from "../config/index.js";
import { keyServiceFactory } from "../auth/service.js";
import { localAdminOps } from "../server/admin/ops.js";
import type { AdminOps } from "../server/admin/ops.js";
import { adminSocketPath } from "../server/admin/socket.js";
import { keyRepository, modelRepository, openStore, readStoreLock } from "../store/index.js";
import { socketAdminOps } from "./admin-client.js";

export interface AdminSession {
  ops: AdminOps;
  /** "server": through a running `serve`; "store": this process opened the store. */
  via: "server" | "store";
  close(): Promise<void>;
}

/**
 * The embedded database admits one process. When a `serve` holds the data dir, talk to it
 * through its admin socket (changes apply there at once); otherwise open the store here.
 * PostgreSQL admits many processes, so it is always opened directly.
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
  const keys = keyServiceFactory({ keys: keyRepository(store.db) });
  const models = modelRepository(store.db);
  return { ops: localAdminOps({ keys, models }), via: "store", close: () => store.close() };
}
