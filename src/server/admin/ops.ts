import type { KeyService } from "../../auth/service.js";
import type { InvalidationBus } from "../../cluster/index.js";
import { ModelgateError } from "../../errors.js";
import { MODEL_ID_RULE, isModelId } from "../../ids.js";
import { parseSpec } from "../../spec/index.js";
import type { ModelSpec } from "../../spec/index.js";
import type { KeyRecord, ModelRecord, ModelRepository } from "../../store/index.js";
import type { UsageReport, UsageReporter, UsageRequest } from "./usage.js";

/** An API key as shown to people and machines: never the key, never its hash. */
export interface KeyView {
  id: string;
  name: string;
  user_id: string;
  prefix: string;
  scopes: string[];
  models: string[] | null;
  expires_at: string | null;
  revoked_at: string | null;
  last_used_at: string | null;
  rate_limit_per_hour: number | null;
  created_at: string;
  status: "active" | "revoked" | "expired";
}

export interface CreatedKeyView extends KeyView {
  /** Shown once, at creation. */
  key: string;
}

export interface ModelView {
  id: string;
  name: string;
  version: string;
  source: string;
  max_batch_size: number;
  resolved_revision: string | null;
  status: string;
  loaded: boolean | null;
}

/** A registration the CLI has checked: the source normalised, the spec read when it could be. */
export interface RegisterModelRequest {
  id: string;
  source: string;
  name?: string;
  /** The package's validated modelgate.json; null when it could not be read yet (private, no token). */
  spec: ModelSpec | null;
  resolved_revision?: string | null;
  max_batch_size?: number | null;
  cache_duration_s?: number | null;
  warm?: boolean;
}

export interface CreateKeyRequest {
  name: string;
  user_id?: string;
  scopes?: string[];
  models?: string[] | null;
  expires_at?: string | null;
  rate_limit_per_hour?: number | null;
}

/** The store-changing operations, the same whether run in-process or through a running server. */
export interface AdminOps {
  createKey(input: CreateKeyRequest): Promise<CreatedKeyView>;
  listKeys(): Promise<KeyView[]>;
  revokeKey(id: string): Promise<KeyView>;
  listModels(): Promise<ModelView[]>;
  registerModel(input: RegisterModelRequest): Promise<ModelView>;
  removeModel(id: string): Promise<ModelView>;
  /** The package was downloaded (by `models pull`): record its revision and serve it. */
  recordPull(id: string, revision: string | null): Promise<ModelView>;
  /** Usage records summarised per key and model. */
  usage(request: UsageRequest): Promise<UsageReport>;
}

export function keyView(record: KeyRecord, now: Date = new Date()): KeyView {
  const status = record.revokedAt
    ? "revoked"
    : record.expiresAt && record.expiresAt.getTime() <= now.getTime()
      ? "expired"
      : "active";
  return {
    id: record.id,
    name: record.name,
    user_id: record.userId,
    prefix: record.prefix,
    scopes: [...record.scopes],
    models: record.modelIds ? [...record.modelIds] : null,
    expires_at: record.expiresAt?.toISOString() ?? null,
    revoked_at: record.revokedAt?.toISOString() ?? null,
    last_used_at: record.lastUsedAt?.toISOString() ?? null,
    rate_limit_per_hour: record.rateLimitPerHour,
    created_at: record.createdAt.toISOString(),
    status,
  };
}

function parseExpiry(text: string | null | undefined): Date | null {
  if (text === null || text === undefined) return null;
  const date = new Date(text);
  if (Number.isNaN(date.getTime())) {
    throw new ModelgateError(
      "invalid_request",
      `expires_at "${text}" is not a date: give an ISO 8601 time.`,
      {
        errors: [{ field: "expires_at", problem: "must be an ISO 8601 date-time" }],
      },
    );
  }
  return date;
}

export interface LocalAdminDeps {
  keys: Pick<KeyService, "create" | "list" | "revoke" | "flushLastUsed">;
  models: Pick<ModelRepository, "list" | "get" | "upsert" | "remove" | "setResolvedRevision">;
  /** Whether a model is loaded in this process; absent when no server runs. */
  loaded?: (id: string) => boolean;
  /**
   * Tells every process that caches keys or models — this one through its own subscribers,
   * run before `publish` returns, and the other replicas through Redis — that one changed.
   * Absent, or without Redis, the others notice when their cache TTLs run out.
   */
  bus?: Pick<InvalidationBus, "publish">;
  usage: UsageReporter;
}

export function modelView(m: ModelRecord, loaded: boolean | null): ModelView {
  return {
    id: m.id,
    name: m.name,
    version: m.version,
    source: m.source,
    max_batch_size: m.maxBatchSize,
    resolved_revision: m.resolvedRevision,
    status: m.status,
    loaded,
  };
}

function modelNotFound(id: string): ModelgateError {
  return new ModelgateError(
    "model_not_found",
    `No model is registered with id ${id}: list them with \`modelgate models list\`.`,
  );
}

/** AdminOps against the store held by this process. */
export function localAdminOps(deps: LocalAdminDeps): AdminOps {
  // Awaited so a CLI that exits right after has told the other replicas; never throws.
  const keyChanged = (event: "created" | "revoked", record: KeyRecord) =>
    deps.bus?.publish("keys", { event, keyId: record.id, prefix: record.prefix });
  const modelChanged = (event: "registered" | "updated" | "removed", modelId: string) =>
    deps.bus?.publish("models", { event, modelId });
  return {
    async createKey(input) {
      const { key, record } = await deps.keys.create({
        name: input.name,
        userId: input.user_id,
        scopes: input.scopes,
        modelIds: input.models ?? null,
        expiresAt: parseExpiry(input.expires_at),
        rateLimitPerHour: input.rate_limit_per_hour ?? null,
      });
      await keyChanged("created", record);
      return { ...keyView(record), key };
    },
    async listKeys() {
      // Last-used times are gathered in memory; write them first so the list is current.
      await deps.keys.flushLastUsed();
      const now = new Date();
      return (await deps.keys.list()).map((r) => keyView(r, now));
    },
    async revokeKey(id) {
      const record = await deps.keys.revoke(id);
      await keyChanged("revoked", record);
      return keyView(record);
    },
    async listModels() {
      return (await deps.models.list()).map((m) =>
        modelView(m, deps.loaded ? deps.loaded(m.id) : null),
      );
    },
    async registerModel(input) {
      if (!isModelId(input.id)) {
        throw new ModelgateError(
          "invalid_request",
          `The model id "${input.id.slice(0, 80)}" is invalid: use ${MODEL_ID_RULE}.`,
          { errors: [{ field: "id", problem: `must be ${MODEL_ID_RULE}` }] },
        );
      }
      // Checked again here, whoever sent it: a stored spec is trusted by every route after.
      const spec = input.spec === null ? null : parseSpec(input.spec, "spec");
      const record = await deps.models.upsert({
        id: input.id,
        name: input.name ?? spec?.name ?? input.id,
        version: spec?.version ?? "unknown",
        description: spec?.description ?? "",
        source: input.source,
        spec,
        maxBatchSize: input.max_batch_size ?? spec?.max_batch_size ?? 1,
        cacheDurationS: input.cache_duration_s ?? null,
        warm: input.warm ?? false,
      });
      if (input.resolved_revision)
        await deps.models.setResolvedRevision(input.id, input.resolved_revision);
      await modelChanged("registered", input.id);
      const saved = (await deps.models.get(input.id)) ?? record;
      return modelView(saved, deps.loaded ? deps.loaded(saved.id) : null);
    },
    async removeModel(id) {
      const record = await deps.models.get(id);
      if (!record || !(await deps.models.remove(id))) throw modelNotFound(id);
      await modelChanged("removed", id);
      return modelView(record, false);
    },
    async recordPull(id, revision) {
      const record = await deps.models.get(id);
      if (!record) throw modelNotFound(id);
      if (revision) await deps.models.setResolvedRevision(id, revision);
      await modelChanged("updated", id);
      const saved = (await deps.models.get(id)) ?? record;
      return modelView(saved, deps.loaded ? deps.loaded(id) : null);
    },
    usage: (request) => deps.usage(request),
  };
}
