/**
 * GET /v2/models/{name}[/versions/{version}]/ready: 200 `{"name", "ready": true}` once the model
 * is loaded; otherwise 503 with `"ready": false` and the reason in `error`. A model that is not
 * loaded yet starts loading, so the probe that asks is what brings it up.
 */
import type { FastifyInstance, FastifyReply } from "fastify";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { ModelgateError } from "../../../errors.js";
import { SECURITY } from "../../schemas.js";
import { allowModel } from "../../../auth/hook.js";
import type { OipModelDeps } from "./model-metadata.js";
import { ModelParams, oipErrors, VersionParams } from "./schemas.js";

const Ready = Type.Object({ name: Type.String(), ready: Type.Boolean() });
const NotReady = Type.Object({ name: Type.String(), ready: Type.Boolean(), error: Type.String() });

export function oipModelReadyRoutes(app: FastifyInstance, deps: OipModelDeps): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const onRequest = deps.auth.require("models:read");
  const response = { 200: Ready, 503: NotReady, ...oipErrors(400, 401, 403, 404, 429) };

  async function ready(id: string, version: string | undefined, reply: FastifyReply) {
    const record = await deps.models.get(id);
    const s = deps.models.state(id);
    const served = s.state === "ready" ? (await deps.models.load(id)).spec.version : record.version;
    if (version !== undefined && version !== served) {
      throw new ModelgateError(
        "model_not_found",
        `Model ${id} serves version ${served}, not ${version}: ask /v2/models/${id}/ready.`,
      );
    }
    if (s.state === "ready") return { name: id, ready: true };
    let why: string;
    if (s.state === "loading") why = `model ${id} is loading`;
    else if (s.state === "failed") why = s.lastError?.detail ?? `model ${id} failed to load`;
    else {
      const source = await deps.models.sourceProblem(record);
      why = source.ok ? `model ${id} is loading (it loads on first use)` : source.reason;
      // The probe brings the model up; its outcome shows on the next probe.
      if (source.ok) void deps.models.load(id).catch(() => undefined);
    }
    void reply.status(503);
    return { name: id, ready: false, error: why };
  }

  r.get(
    "/models/:model_id/ready",
    {
      onRequest,
      schema: {
        tags: ["oip"],
        summary: "Model ready (Open Inference Protocol)",
        security: SECURITY,
        params: ModelParams,
        response,
      },
    },
    async function modelReady(request, reply) {
      allowModel(request, request.params.model_id);
      return ready(request.params.model_id, undefined, reply);
    },
  );

  r.get(
    "/models/:model_id/versions/:model_version/ready",
    {
      onRequest,
      schema: {
        tags: ["oip"],
        summary: "Model version ready (Open Inference Protocol)",
        security: SECURITY,
        params: VersionParams,
        response,
      },
    },
    async function modelVersionReady(request, reply) {
      allowModel(request, request.params.model_id);
      return ready(request.params.model_id, request.params.model_version, reply);
    },
  );
}
