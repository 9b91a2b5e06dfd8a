/**
 * The Open Inference Protocol v2 (REST) beside the seeds' API, for every registered model:
 * KServe, Triton, MLServer and Seldon clients call modelgate as they call those servers. One
 * file per endpoint group; one plugin under /v2 so the protocol's error body (`{"error"}`)
 * answers every failure on these routes, including auth, parsing and unknown routes.
 * See docs/open-inference-protocol.md.
 */
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { authGuards } from "../../../auth/hook.js";
import type { DebitHook } from "../../../auth/usage-report/index.js";
import { oipInference } from "../../../serving/oip/infer.js";
import type { ModelService } from "../../../serving/service.js";
import type { UsageRecorder } from "../../../serving/usage.js";
import type { VersionInfo } from "../../../version.js";
import type { ReadinessCheck } from "../service.js";
import { recordUsageHook } from "../usage.js";
import { registerInferBodyParsers } from "./binary-body.js";
import { handleOipError, handleOipNotFound } from "./errors.js";
import { debitedRows, inferPreflight, inferredRows, oipInferRoutes } from "./infer.js";
import { oipModelMetadataRoutes } from "./model-metadata.js";
import { oipModelReadyRoutes } from "./model-ready.js";
import { oipServerRoutes } from "./server.js";

export interface OipRoutesDeps {
  auth: ReturnType<typeof authGuards>;
  models: ModelService;
  recorder: Pick<UsageRecorder, "record">;
  /** USAGE_DEBIT: each inference paid for before it runs, as each seeds' prediction is. */
  debit?: Pick<DebitHook, "counting"> | null;
  readiness: () => Promise<ReadinessCheck[]>;
  version: VersionInfo;
}

/** Register with `{ prefix: "/v2" }`. */
export async function oipRoutes(app: FastifyInstance, deps: OipRoutesDeps): Promise<void> {
  app.setErrorHandler(handleOipError);
  app.setNotFoundHandler(handleOipNotFound);
  oipServerRoutes(app, { models: deps.models, readiness: deps.readiness, version: deps.version });
  oipModelMetadataRoutes(app, { auth: deps.auth, models: deps.models });
  oipModelReadyRoutes(app, { auth: deps.auth, models: deps.models });
  // Its own context, so the usage hook runs on inferences only, as on the seeds' predict route.
  await app.register(async function inferences(infer) {
    // The usual inference request is read from its text in one pass, not by JSON.parse and a
    // second walk (src/serving/oip/request-text.ts); any other body takes the general path.
    // A body of the binary tensor data extension has its own parser (./binary-body.ts).
    registerInferBodyParsers(infer);
    infer.addHook(
      "onResponse",
      recordUsageHook(deps.recorder, (request: FastifyRequest) => inferredRows(request)),
    );
    if (deps.debit) {
      infer.addHook("preHandler", inferPreflight(deps.models));
      infer.addHook("preHandler", deps.debit.counting(debitedRows));
    }
    oipInferRoutes(infer, { auth: deps.auth, inference: oipInference({ models: deps.models }) });
  });
}
