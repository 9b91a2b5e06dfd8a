import { ModelgateError } from "../errors.js";

/** Exit codes of every command: 0 ok, 1 a check failed, 2 bad usage or unreadable input. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** The one way a command ends with a non-zero status; only the entry point prints and exits. */
export class ExitError extends Error {
  constructor(
    readonly exitCode: number,
    message: string,
  ) {
    super(message);
    this.name = "ExitError";
  }
}

const USAGE_CODES = new Set<string>([
  "invalid_request",
  "invalid_input",
  "spec_invalid",
  "config_invalid",
  "key_not_found",
  "model_not_found",
  "conflict",
  "bad_request",
]);

/** Exit code for a failure that reached the CLI. */
export function exitCodeFor(err: unknown): number {
  if (err instanceof ExitError) return err.exitCode;
  if (err instanceof ModelgateError) return USAGE_CODES.has(err.code) ? EXIT.usage : EXIT.failed;
  return EXIT.failed;
}
