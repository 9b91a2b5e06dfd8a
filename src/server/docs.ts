import type { FastifyInstance } from "fastify";
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import type { VersionInfo } from "../version.js";

/** OpenAPI generated from the route schemas, at /openapi.json, with an interactive page at /docs. */
export async function registerDocs(app: FastifyInstance, version: VersionInfo): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: "3.1.0",
      info: {
        title: "modelgate",
        version: version.version,
        description:
          "Serve machine-learning models over an authenticated HTTP API. Send the API key in the X-API-Key header, or as Authorization: Bearer <key> (Authorization: ApiKey <key> is also read); never in the URL. Field meanings and browser (CORS) use: docs/http-api.md.",
      },
      components: {
        securitySchemes: {
          apiKey: { type: "apiKey", in: "header", name: "X-API-Key" },
          bearer: { type: "http", scheme: "bearer" },
        },
      },
      tags: [
        { name: "predict", description: "Predictions" },
        { name: "models", description: "What can be served" },
        { name: "service", description: "Liveness, readiness and version" },
        { name: "admin", description: "Usage records (admin keys)" },
        {
          name: "oip",
          description:
            'Open Inference Protocol v2 (KServe, Triton, MLServer clients); errors are {"error": "..."}',
        },
      ],
    },
  });
  await app.register(swaggerUi, { routePrefix: "/docs", uiConfig: { docExpansion: "list" } });
  app.get("/openapi.json", { schema: { hide: true } }, async function openapi() {
    return app.swagger();
  });
}
