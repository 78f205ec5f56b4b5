import type { Env } from '@app/config';
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import { redisOptions } from './redis-options';

/** A connection to the configured Redis: one server (REDIS_URL) or a Redis Cluster (REDIS_CLUSTER_NODES). */
export type RedisClient = Redis | Cluster;

export type RedisEnv = Pick<Env, 'REDIS_URL' | 'REDIS_CLUSTER_NODES'>;

/** How one connection behaves while Redis is away; the same meaning on a single server and on a cluster. */
export interface RedisClientOptions {
  /** CLIENT SETNAME of the connection(s), to tell them apart in CLIENT LIST. */
  connectionName?: string;
  /**
   * How often a command is retried over reconnections before it fails; null (the default): never fails, it waits
   * for Redis to come back (what BullMQ requires of its connections).
   */
  maxRetriesPerRequest?: number | null;
  /** A command sent but not answered within this many ms fails. */
  commandTimeout?: number;
  /** false: a command issued while disconnected fails at once instead of waiting for the connection. */
  enableOfflineQueue?: boolean;
}

/**
 * The one way the service opens a Redis connection (each user its own, with its own failure behaviour). On a
 * cluster, commands go to the master of their key's slot (replicas are not read: BullMQ reads what it just wrote),
 * and every key starts with REDIS_PREFIX, whose hash tag keeps a script's keys in one slot (checked at boot).
 */
export function createRedisClient(env: RedisEnv, opts: RedisClientOptions = {}): RedisClient {
  if (env.REDIS_CLUSTER_NODES) return clusterClient(env.REDIS_URL, env.REDIS_CLUSTER_NODES, opts);
  return new Redis({
    ...redisOptions(env.REDIS_URL),
    ...perConnection(opts),
    ...(opts.enableOfflineQueue !== undefined && { enableOfflineQueue: opts.enableOfflineQueue }),
  });
}

/**
 * BullMQ's `connection`. On a single server, options: BullMQ opens (and closes) a connection per queue and worker
 * from them, as it always has. On a cluster, a Cluster client, because BullMQ builds only single-server clients
 * from options; it shares it between the queues (the caller closes it) and duplicates it for each worker.
 */
export function bullConnection(env: RedisEnv): ReturnType<typeof redisOptions> | Cluster {
  if (!env.REDIS_CLUSTER_NODES) return redisOptions(env.REDIS_URL);
  return clusterClient(env.REDIS_URL, env.REDIS_CLUSTER_NODES, { connectionName: 'bullmq' });
}

function clusterClient(
  url: string,
  nodes: NonNullable<RedisEnv['REDIS_CLUSTER_NODES']>,
  opts: RedisClientOptions,
): Cluster {
  const credentials: RedisOptions = redisOptions(url);
  return new Cluster(nodes, {
    // Same as a single server: reconnect forever with a capped delay, so a cluster restart kills no process.
    clusterRetryStrategy: (times) => Math.min(times * 200, 2000),
    ...(opts.enableOfflineQueue !== undefined && { enableOfflineQueue: opts.enableOfflineQueue }),
    redisOptions: {
      username: credentials.username,
      password: credentials.password,
      tls: credentials.tls,
      ...perConnection(opts),
    },
  });
}

/** The options every node connection of one client gets. */
function perConnection(opts: RedisClientOptions): RedisOptions {
  return {
    maxRetriesPerRequest: opts.maxRetriesPerRequest ?? null,
    ...(opts.commandTimeout !== undefined && { commandTimeout: opts.commandTimeout }),
    ...(opts.connectionName !== undefined && { connectionName: opts.connectionName }),
  };
}
