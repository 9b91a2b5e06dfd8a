/**
 * Terraform's pure functions over known values. A function not listed here (or in
 * ./functions.ts) is reported as not evaluated, never guessed. Each throws a FnError for an
 * argument Terraform would refuse; the caller turns it into an error Unknown.
 */
import { COLLECTION_FUNCTIONS } from "./fn-collections.js";
import { ENCODING_FUNCTIONS } from "./fn-encoding.js";
import { STRING_FUNCTIONS } from "./fn-strings.js";
import type { PureFn } from "./fn-support.js";

export type { PureFn } from "./fn-support.js";

export const PURE_FUNCTIONS: Record<string, PureFn> = {
  ...STRING_FUNCTIONS,
  ...COLLECTION_FUNCTIONS,
  ...ENCODING_FUNCTIONS,
};
