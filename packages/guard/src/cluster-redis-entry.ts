// @holdfast/guard/cluster-redis: the cluster store on Redis, for rules with clusterMode: true.
// Takes any ioredis client (a peer dependency; the service's own client serves).
export { redisClusterStore, type RedisClusterStore, type RedisClusterStoreOptions, type RedisScripting } from './cluster-redis/store.ts';
