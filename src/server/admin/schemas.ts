/**
 * The admin socket's request schemas: its bodies are checked like the HTTP API's, so a
 * malformed one is a 422 naming the field instead of a 500 or a record stored wrong
 * (`"models": "21"` was once stored as ["2", "1"]).
 */
import { Type } from "typebox";
import { MAX_DURATION_MS } from "../../duration.js";
import { KeyId, ModelId } from "../schemas.js";

const Name = Type.String({ minLength: 1, maxLength: 200 });
const nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) =>
  Type.Union([schema, Type.Null()]);

export const CreateKeyBody = Type.Object(
  {
    name: Name,
    user_id: Type.Optional(Name),
    scopes: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 16 })),
    models: Type.Optional(nullable(Type.Array(ModelId, { maxItems: 1_000 }))),
    expires_at: Type.Optional(nullable(Type.String({ minLength: 1, maxLength: 64 }))),
    // A number: the key service says what a limit must be, in its own sentence.
    rate_limit_per_hour: Type.Optional(nullable(Type.Number())),
  },
  { additionalProperties: false },
);

export const RegisterModelBody = Type.Object(
  {
    id: ModelId,
    source: Type.String({ minLength: 1, maxLength: 2_048 }),
    name: Type.Optional(Name),
    // Checked by parseSpec in the operation (the same rules as a package's modelgate.json).
    spec: nullable(Type.Object({}, { additionalProperties: true })),
    resolved_revision: Type.Optional(nullable(Type.String({ minLength: 1, maxLength: 256 }))),
    max_batch_size: Type.Optional(nullable(Type.Integer({ minimum: 1, maximum: 10_000 }))),
    cache_duration_s: Type.Optional(
      nullable(Type.Integer({ minimum: 0, maximum: MAX_DURATION_MS / 1000 })),
    ),
    warm: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export const PulledBody = Type.Object(
  { revision: nullable(Type.String({ minLength: 1, maxLength: 256 })) },
  { additionalProperties: false },
);

export const ModelParams = Type.Object({ id: ModelId });
export const KeyParams = Type.Object({ id: KeyId });
