# syntax=docker/dockerfile:1
# modelgate's image: a build stage compiles the TypeScript; the runtime stage holds production
# dependencies, dist/ and the shipped model only, runs as a non-root user, and keeps every
# write in the data volume (/data) or /tmp — run it with a read-only root filesystem:
#   docker run --read-only --tmpfs /tmp -v modelgate-data:/data -p 8001:8001 modelgate
ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
# .npmrc skips onnxruntime-node's download (its CPU binary ships in the package); the variable
# does the same for npm versions that ignore the .npmrc key.
ENV ONNXRUNTIME_NODE_INSTALL=skip
COPY package.json package-lock.json .npmrc ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY scripts/build-info.mjs scripts/bundle.mjs ./scripts/
# No .git in the build context: pass the commit for GET /version
# (docker build --build-arg GIT_COMMIT=$(git rev-parse HEAD) .); unset, it says "unknown".
ARG GIT_COMMIT=""
RUN npx tsc -p tsconfig.build.json && node scripts/bundle.mjs && node scripts/build-info.mjs

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    ONNXRUNTIME_NODE_INSTALL=skip \
    MODELGATE_DATA_DIR=/data \
    PORT=8001
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
# `prepare` compiles TypeScript, a dev dependency: dist/ comes from the build stage instead.
RUN npm pkg delete scripts.prepare \
 && npm ci --omit=dev --no-audit --no-fund \
 && npm cache clean --force \
 && mkdir -p /data && chown node:node /data
COPY --from=build /app/dist ./dist
COPY bin ./bin
COPY models/lead-scoring/modelgate.json models/lead-scoring/model.onnx models/lead-scoring/README.md ./models/lead-scoring/
USER node
VOLUME ["/data"]
EXPOSE 8001
# /ready answers 503 while a check this replica must pass fails (a model's missing setting, the
# store): the container is unhealthy rather than serving errors.
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8001) + '/ready').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "bin/modelgate"]
CMD ["serve", "--host", "0.0.0.0"]
