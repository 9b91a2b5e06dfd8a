/** Where the embedded store keeps its database in the data dir (no driver loaded here). */
import { join } from "node:path";

export const SQLITE_FILE = "modelgate.db";

export function sqlitePathOf(dataDir: string): string {
  return join(dataDir, SQLITE_FILE);
}
