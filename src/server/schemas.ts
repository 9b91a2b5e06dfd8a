import { Type } from "typebox";
import { ERROR_CATALOGUE } from "../errors.js";

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
        description: "Every bad field, for 422 answers.",
      }),
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

export const ModelIdParams = Type.Object({
  model_id: Type.String({
    minLength: 1,
    maxLength: 128,
    description: "The registered model id, e.g. 21.",
  }),
});

export const SECURITY: { [scheme: string]: string[] }[] = [{ apiKey: [] }, { bearer: [] }];
