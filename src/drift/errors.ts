import { ModelgateError } from "../errors.js";

/**
 * An input the check cannot read or parse. It always names the file (and the line when known),
 * and the CLI turns it into exit code 2.
 */
export function inputError(
  file: string,
  line: number | undefined,
  problem: string,
): ModelgateError {
  const where = line === undefined ? file : `${file}:${line}`;
  return new ModelgateError("bad_request", `${where}: ${problem}`);
}

/** A usage problem that is not tied to a file (a bad option value). */
export function usageError(message: string): ModelgateError {
  return new ModelgateError("bad_request", message);
}

export function isDriftInputError(err: unknown): err is ModelgateError {
  return err instanceof ModelgateError && err.code === "bad_request";
}
