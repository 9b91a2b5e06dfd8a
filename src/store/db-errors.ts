/**
 * Reading the errors drivers throw. node-postgres and PGlite both put the SQLSTATE in `code`
 * (e.g. "23505"), better-sqlite3 its extended result code (e.g. "SQLITE_CONSTRAINT_UNIQUE");
 * Node's network errors put theirs there too (e.g. "ECONNREFUSED").
 */
import { ModelgateError } from "../errors.js";

export function errorCode(err: unknown): string | undefined {
  return err instanceof Error && "code" in err && typeof err.code === "string"
    ? err.code
    : undefined;
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** unique_violation: a row with this key already exists. */
export function isUniqueViolation(err: unknown): boolean {
  const code = errorCode(err);
  return (
    code === "23505" ||
    code === "SQLITE_CONSTRAINT_UNIQUE" ||
    code === "SQLITE_CONSTRAINT_PRIMARYKEY"
  );
}

/**
 * Errors leave the store as ModelgateErrors: already classified ones pass through, anything
 * else becomes store_unavailable saying what we were doing.
 */
export function asStoreError(err: unknown, doing: string): ModelgateError {
  if (err instanceof ModelgateError) return err;
  return new ModelgateError("store_unavailable", `${doing}: ${errorMessage(err)}`, { cause: err });
}
