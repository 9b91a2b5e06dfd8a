/**
 * Parity of a model with golden answers (`modelgate models verify`): golden files (JSON or
 * CSV), field comparison with tolerances, in-process and HTTP predictors. See docs/migrate.md.
 */
export { compareField, compareRow } from "./compare.js";
export type { FieldDifference, Tolerance } from "./compare.js";
export {
  GOLDEN_LIMITS,
  GoldenError,
  PROBABILITY,
  parseGoldenCsv,
  parseGoldenJson,
} from "./golden.js";
export type { GoldenRow, GoldenSchema } from "./golden.js";
export { inProcessPredictor, schemaOf } from "./predictor.js";
export type { Predictor, RowAnswer } from "./predictor.js";
export { remotePredictor, VerifyServiceError } from "./remote.js";
export type { RemoteOptions } from "./remote.js";
export { MAX_LISTED_ROWS, readGolden, renderVerifyText, runVerify, TEXT_ROWS } from "./run.js";
export type { GoldenFile, GoldenFormat, RowResult, VerifyReport } from "./run.js";
