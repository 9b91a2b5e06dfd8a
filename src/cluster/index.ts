/** Cross-replica coordination: Redis connection, invalidation bus, and the cluster factory. */
export { startCluster } from "./cluster.js";
export type { Cluster, ClusterCheck, ClusterLogger, ClusterOptions } from "./cluster.js";
export { BUS_TOPICS, isBusPayload, memoryBus, redisBus } from "./bus.js";
export type { BusHandler, BusPayloads, BusTopic, InvalidationBus, RedisBusOptions } from "./bus.js";
export { connectRedis, redisReadiness, redisTarget, REDIS_DEFAULTS } from "./redis.js";
export type { RedisConnection, RedisHealth, RedisRole, RedisSettings } from "./redis.js";
