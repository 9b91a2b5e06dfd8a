/** Cross-replica coordination: Redis connection, invalidation bus, and the cluster factory. */
export { startCluster } from "./cluster.js";
export type { Cluster, ClusterCheck, ClusterLogger, ClusterOptions } from "./cluster.js";
export { BUS_TOPICS, isBusPayload, memoryBus, redisBus } from "./bus.js";
export type { BusHandler, BusPayloads, BusTopic, InvalidationBus, RedisBusOptions } from "./bus.js";
// ./redis.js (and ioredis with it) loads only when REDIS_URL is set: import it from there.
export type { RedisConnection, RedisHealth, RedisRole, RedisSettings } from "./redis.js";
