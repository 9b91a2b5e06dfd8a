/**
 * Run by lock tests as a second process: `node --import tsx open-in-child.ts <dataDir>`.
 * Tries to open the embedded store and prints the outcome as one JSON line.
 */
import { openStore } from "../open.js";
import { isModelgateError } from "../../errors.js";

const dataDir = process.argv[2] ?? "";

try {
  const store = await openStore({ dataDir });
  await store.close();
  process.stdout.write(`${JSON.stringify({ ok: true, pid: process.pid })}\n`);
} catch (err) {
  const code = isModelgateError(err) ? err.code : "unexpected";
  const message = err instanceof Error ? err.message : String(err);
  process.stdout.write(`${JSON.stringify({ ok: false, pid: process.pid, code, message })}\n`);
}
