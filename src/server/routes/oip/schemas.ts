import { Type } from "typebox";
import { OIP_DATATYPES } from "../../../serving/oip/datatypes.js";
import { ModelId } from "../../schemas.js";

export const OipError = Type.Object(
  { error: Type.String({ description: "What went wrong and what to do about it." }) },
  { description: "The Open Inference Protocol's error body." },
);

export const ModelParams = Type.Object({ model_id: ModelId });
export const VersionParams = Type.Object({
  model_id: ModelId,
  model_version: Type.String({ minLength: 1, maxLength: 128, description: "The model's version." }),
});

export const MetadataTensor = Type.Object({
  name: Type.String(),
  datatype: Type.String({ description: OIP_DATATYPES.join(", ") }),
  shape: Type.Array(Type.Integer(), { description: "-1 for a dynamic dimension." }),
});

const Parameters = Type.Record(
  Type.String(),
  Type.Union([Type.String(), Type.Number(), Type.Boolean()]),
  {
    description:
      'Request: `content_type: "pd"` sends a feature-spec model its named fields; other entries are accepted and ignored. The binary tensor data extension is refused.',
  },
);

const TensorData = Type.Array(Type.Unknown(), {
  description: "Row-major elements, flat or nested as the shape; exactly the product of the shape.",
});

export const InferRequestSchema = Type.Object({
  id: Type.Optional(Type.String()),
  parameters: Type.Optional(Parameters),
  inputs: Type.Array(
    Type.Object({
      name: Type.String(),
      shape: Type.Array(Type.Integer({ minimum: 0 })),
      datatype: Type.String({ enum: [...OIP_DATATYPES] }),
      parameters: Type.Optional(Parameters),
      data: TensorData,
    }),
  ),
  outputs: Type.Optional(
    Type.Array(Type.Object({ name: Type.String(), parameters: Type.Optional(Parameters) })),
  ),
});

export const InferResponseSchema = Type.Object({
  model_name: Type.String(),
  model_version: Type.String(),
  id: Type.String({
    description: "The request's id, or modelgate's request id when it sent none.",
  }),
  parameters: Type.Optional(Parameters),
  outputs: Type.Array(
    Type.Object({
      name: Type.String(),
      shape: Type.Array(Type.Integer()),
      datatype: Type.String(),
      parameters: Type.Optional(Parameters),
      data: TensorData,
    }),
  ),
});

export function oipErrors(...statuses: number[]): Record<number, typeof OipError> {
  return Object.fromEntries(statuses.map((s) => [s, OipError]));
}
