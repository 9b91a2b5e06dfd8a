/**
 * The invalidation bus: a replica that changes keys or models tells the others, so their
 * caches drop what is stale now instead of when a TTL runs out. In one process (no REDIS_URL)
 * it is a plain in-process emitter; with Redis it is pub/sub on a dedicated subscriber
 * connection (a connection in subscriber mode cannot run other commands).
 *
 * Publishing never throws: local handlers always run, and a Redis that is down only means the
 * other replicas wait for their cache TTLs (AUTH_CACHE_TTL_MS ≤ 1 s for keys).
 */
import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";

export interface BusPayloads {
  keys: { event: "created" | "revoked"; keyId: string; prefix: string };
  models: { event: "registered" | "updated" | "removed"; modelId: string };
}
export type BusTopic = keyof BusPayloads;
export const BUS_TOPICS: readonly BusTopic[] = ["keys", "models"];

export type BusHandler<T extends BusTopic> = (payload: BusPayloads[T]) => void;

export interface InvalidationBus {
  /** Runs local handlers, then tells other replicas; false when they could not be told. */
  publish<T extends BusTopic>(topic: T, payload: BusPayloads[T]): Promise<boolean>;
  /** Returns the function that unsubscribes. */
  subscribe<T extends BusTopic>(topic: T, handler: BusHandler<T>): () => void;
  /** Resolves when messages from other replicas are being received. */
  ready(): Promise<void>;
  close(): Promise<void>;
}

export interface BusLogger {
  warn(obj: Record<string, unknown>, msg: string): void;
}

/** The handler registry both implementations share; a throwing handler never stops the others. */
function handlerRegistry(logger?: BusLogger) {
  const handlers = new Map<BusTopic, Set<(payload: unknown) => void>>();
  return {
    add<T extends BusTopic>(topic: T, handler: BusHandler<T>): () => void {
      const set = handlers.get(topic) ?? new Set();
      handlers.set(topic, set);
      const wrapped = handler as (payload: unknown) => void;
      set.add(wrapped);
      return () => set.delete(wrapped);
    },
    deliver(topic: BusTopic, payload: unknown): void {
      for (const handler of handlers.get(topic) ?? []) {
        try {
          handler(payload);
        } catch (err) {
          logger?.warn({ err, topic }, "an invalidation handler failed");
        }
      }
    },
  };
}

/** One process: publish reaches this process's subscribers only. */
export function memoryBus(logger?: BusLogger): InvalidationBus {
  const registry = handlerRegistry(logger);
  return {
    async publish(topic, payload) {
      registry.deliver(topic, payload);
      return true;
    },
    subscribe: (topic, handler) => registry.add(topic, handler),
    ready: () => Promise.resolve(),
    close: () => Promise.resolve(),
  };
}

export interface RedisBusOptions {
  /** A normal (commands) connection, used to PUBLISH; may be shared with other features. */
  publisher: Redis;
  /** A connection of its own, put in subscriber mode; the bus owns and closes it. */
  subscriber: Redis;
  /** Channel prefix, so several deployments (or tests) can share one Redis. */
  prefix?: string;
  logger?: BusLogger;
}

interface Envelope {
  origin: string;
  payload: unknown;
}

function parseEnvelope(message: string): Envelope | undefined {
  try {
    const value: unknown = JSON.parse(message);
    if (typeof value !== "object" || value === null) return undefined;
    if (!("origin" in value) || typeof value.origin !== "string") return undefined;
    if (!("payload" in value)) return undefined;
    return { origin: value.origin, payload: value.payload };
  } catch {
    return undefined;
  }
}

/** Only well-formed messages reach handlers, whatever else shares the channel. */
export function isBusPayload<T extends BusTopic>(
  topic: T,
  value: unknown,
): value is BusPayloads[T] {
  if (typeof value !== "object" || value === null || !("event" in value)) return false;
  const v = value as Record<string, unknown>;
  if (topic === "keys") {
    return (
      (v.event === "created" || v.event === "revoked") &&
      typeof v.keyId === "string" &&
      typeof v.prefix === "string"
    );
  }
  return (
    (v.event === "registered" || v.event === "updated" || v.event === "removed") &&
    typeof v.modelId === "string"
  );
}

/** Every replica: publish reaches local subscribers at once and the others through Redis. */
export function redisBus(options: RedisBusOptions): InvalidationBus {
  const prefix = options.prefix ?? "modelgate:";
  const origin = randomUUID();
  const registry = handlerRegistry(options.logger);
  const channelOf = (topic: BusTopic) => `${prefix}bus:${topic}`;
  const topicOf = new Map(BUS_TOPICS.map((t) => [channelOf(t), t]));

  options.subscriber.on("message", function onBusMessage(channel: string, message: string) {
    const topic = topicOf.get(channel);
    const envelope = parseEnvelope(message);
    // Our own messages were delivered locally when published.
    if (!topic || !envelope || envelope.origin === origin) return;
    if (!isBusPayload(topic, envelope.payload)) return;
    registry.deliver(topic, envelope.payload);
  });
  // Subscribed once for the life of the bus; ioredis re-subscribes after each reconnect.
  const subscribed = options.subscriber
    .subscribe(...BUS_TOPICS.map(channelOf))
    .then(() => undefined);
  subscribed.catch((err: unknown) => options.logger?.warn({ err }, "cannot subscribe to the bus"));

  return {
    async publish(topic, payload) {
      registry.deliver(topic, payload);
      try {
        await options.publisher.publish(channelOf(topic), JSON.stringify({ origin, payload }));
        return true;
      } catch (err) {
        options.logger?.warn({ err, topic }, "cannot tell other replicas (Redis unreachable)");
        return false;
      }
    },
    subscribe: (topic, handler) => registry.add(topic, handler),
    ready: () => subscribed,
    async close() {
      const sub = options.subscriber;
      if (sub.status === "end") return;
      if (sub.status !== "ready") return sub.disconnect();
      await sub.quit().catch(() => sub.disconnect());
    },
  };
}
