import { Type } from "typebox";
import { ERROR_CATALOGUE } from "../errors.js";
import { KEY_ID_MAX_LENGTH, MODEL_ID_MAX_LENGTH, MODEL_ID_PATTERN, MODEL_ID_RULE } from "../ids.js";

export const ErrorSchema = Type.Object(
  {
    detail: Type.String({ description: "What went wrong and what to do about it." }),
    code: Type.String({
      description: "Stable snake_case code.",
      enum: Object.keys(ERROR_CATALOGUE),
    }),
    request_id: Type.String(),
    errors: Type.Optional(
      Type.Array(Type.Object({ field: Type.String(), problem: Type.String() }), {
        description: "The bad fields, for 422 answers: at most 20.",
      }),
    ),
    errors_omitted: Type.Optional(
      Type.Integer({ description: "How many more problems were found than `errors` lists." }),
    ),
  },
  { $id: "Error", description: "The one error envelope." },
);

const errorRef = Type.Ref("Error");

/** Response schemas for the error statuses a route can answer. */
export function errorResponses(...statuses: number[]): Record<number, typeof errorRef> {
  return Object.fromEntries(statuses.map((status) => [status, errorRef]));
}

/** The statuses every authenticated route can answer. */
export const AUTH_ERRORS = [401, 403, 429] as const;

/** A model id in a URL or a query: the one rule (src/ids.ts), so a longer one is a 422, never a 414. */
export const ModelId = Type.String({
  minLength: 1,
  maxLength: MODEL_ID_MAX_LENGTH,
  pattern: MODEL_ID_PATTERN.source,
  description: `The registered model id, e.g. 21: ${MODEL_ID_RULE}.`,
});

export const KeyId = Type.String({
  minLength: 1,
  maxLength: KEY_ID_MAX_LENGTH,
  description: "An API key id (key_…, or the external auth service's id).",
});

/**
 * Longest path segment the router hands on (Fastify's default, 100, made ids of 101–128
 * characters a 414 before their schema could name them); longer ones are 414 uri_too_long.
 */
export const MAX_PARAM_LENGTH = 2_048;

export const ModelIdParams = Type.Object({ model_id: ModelId });

export const SECURITY: { [scheme: string]: string[] }[] = [{ apiKey: [] }, { bearer: [] }];
