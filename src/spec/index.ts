/**
 * The model package format: `modelgate.json` (see docs/model-package.md). A spec is data; it is
 * validated once (parseSpec), then compiled into the three functions serving calls per request:
 * the input validator, the feature pipeline and the output mapper.
 */
export type * from "./types.js";
export {
  modelKind,
  onnxRuntimeOf,
  parseSpec,
  readSpecFile,
  SPEC_FILE,
  SPEC_FORMAT_VERSION,
} from "./parse.js";
export { checkInputs, compileInputValidator } from "./input-validator.js";
export type { InputValidator, ProblemBudget } from "./input-validator.js";
export { SPEC_LIMITS } from "./limits.js";
export { compileFeaturePipeline, encodeFeatures, keywordMatcher } from "./features.js";
export type { FeaturePipeline } from "./features.js";
export { compileOutputMapper, compileRowMapper, roundTo } from "./outputs.js";
export type { OutputMapper, RowMapper } from "./outputs.js";
