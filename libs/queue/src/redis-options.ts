import type { RedisOptions } from 'bullmq';

/** ioredis options from a redis:// or rediss:// URL; BullMQ needs maxRetriesPerRequest null for workers. */
export function redisOptions(url: string): RedisOptions {
  const u = new URL(url);
  const db = u.pathname.replace(/^\//, '');
  return {
    host: u.hostname || '127.0.0.1',
    port: u.port ? Number(u.port) : 6379,
    username: u.username ? decodeURIComponent(u.username) : undefined,
    password: u.password ? decodeURIComponent(u.password) : undefined,
    db: db ? Number(db) : 0,
    tls: u.protocol === 'rediss:' ? {} : undefined,
    maxRetriesPerRequest: null,
    // Reconnect forever with a capped delay: a Redis restart must not kill the worker.
    retryStrategy: (times) => Math.min(times * 200, 2000),
  };
}
