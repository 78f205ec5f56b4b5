import { AppConfig } from '@app/config';
import { createRedisClient, type RedisClient } from '@app/queue';
import { Injectable, type OnApplicationShutdown } from '@nestjs/common';

/** A limit could not be read or written because Redis did not answer in time. */
export class LimitStoreUnavailableError extends Error {
  constructor(cause: unknown) {
    super(`the rate-limit store (Redis) is unavailable: ${(cause as Error)?.message ?? String(cause)}`);
  }
}

export interface LimitHit {
  totalHits: number;
  /** Seconds until the window's count is forgotten. */
  timeToExpire: number;
  isBlocked: boolean;
  /** Seconds until a blocked key is let through again (0 when not blocked). */
  timeToBlockExpire: number;
}

/**
 * One hit on a fixed window, with the semantics of @nestjs/throttler's storage: with a block duration, the
 * hit past the limit blocks the key for that long (hits while blocked are not counted, and the window starts
 * again afterwards); without one, a hit at the limit is refused and not counted (callers such as the test-send
 * allowance rely on a refused request costing nothing). Both keys share a hash tag (the caller's key) so the
 * script stays in one slot on a Redis Cluster.
 */
const HIT_LUA = `
local hits, block = KEYS[1], KEYS[2]
local ttl, limit, duration = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
if duration <= 0 then
  local count = tonumber(redis.call('GET', hits) or '0')
  local left = redis.call('PTTL', hits)
  if count >= limit and left > 0 then
    return {count + 1, left, 1, left}
  end
  count = redis.call('INCR', hits)
  if count == 1 or left <= 0 then
    redis.call('PEXPIRE', hits, ttl)
    left = ttl
  end
  return {count, left, 0, 0}
end
local blockLeft = redis.call('PTTL', block)
if blockLeft > 0 then
  return {tonumber(redis.call('GET', hits) or '0'), redis.call('PTTL', hits), 1, blockLeft}
end
local count = redis.call('INCR', hits)
local left = redis.call('PTTL', hits)
if left <= 0 then
  redis.call('PEXPIRE', hits, ttl)
  left = ttl
end
if count > limit then
  redis.call('SET', block, '1', 'PX', duration)
  return {count, left, 1, duration}
end
return {count, left, 0, 0}
`;

/**
 * Adds ARGV[1] hits to a fixed window counter (started by its first hits, ARGV[2] ms long); answers the new
 * count and the ms left of the window.
 */
const ADD_LUA = `
local n = redis.call('INCRBY', KEYS[1], tonumber(ARGV[1]))
local left = redis.call('PTTL', KEYS[1])
if left <= 0 then
  redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]))
  left = tonumber(ARGV[2])
end
return {n, left}
`;

/** Adds one failure to a counter and (re)starts its memory; answers the new count. */
const FAILURE_LUA = `
local n = redis.call('INCR', KEYS[1])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[1]))
return n
`;

type LimitRedis = RedisClient & {
  limitHit(
    hits: string,
    block: string,
    ttl: number,
    limit: number,
    duration: number,
  ): Promise<[number, number, number, number]>;
  limitFailure(key: string, ttl: number): Promise<number>;
  limitAdd(key: string, hits: number, ttl: number): Promise<[number, number]>;
};

/** How long one limit command may take before the caller treats Redis as away. */
const COMMAND_TIMEOUT_MS = 1000;

/**
 * The API's counters that must hold across every API instance (reader rate limits, sign-in limits, solved
 * challenges), kept in Redis under REDIS_PREFIX. Strict: every method throws LimitStoreUnavailableError when
 * Redis does not answer, and each caller decides what that means (reader endpoints let the request through,
 * sign-in refuses it).
 *
 * A connection of its own: BullMQ's clients retry forever, which would hold a reader's request for as long as
 * Redis is away. This one fails a command within COMMAND_TIMEOUT_MS, and at once while it knows Redis is down
 * (after it has been connected once; before that, the first commands wait for the first connection).
 */
@Injectable()
export class LimitStore implements OnApplicationShutdown {
  private readonly client: LimitRedis;
  private readonly prefix: string;
  private wasReady = false;

  constructor(config: AppConfig) {
    this.prefix = `${config.env.REDIS_PREFIX}:limits`;
    const client = createRedisClient(config.env, {
      maxRetriesPerRequest: 1,
      commandTimeout: COMMAND_TIMEOUT_MS,
      connectionName: 'limits',
    });
    client.on('error', () => undefined); // reported by the callers through LimitStoreUnavailableError
    client.on('ready', () => (this.wasReady = true));
    client.defineCommand('limitHit', { numberOfKeys: 2, lua: HIT_LUA });
    client.defineCommand('limitFailure', { numberOfKeys: 1, lua: FAILURE_LUA });
    client.defineCommand('limitAdd', { numberOfKeys: 1, lua: ADD_LUA });
    this.client = client as LimitRedis;
  }

  /** One hit of `key` under the limiter `name` (see HIT_LUA). */
  async hit(name: string, key: string, ttlMs: number, limit: number, blockMs: number): Promise<LimitHit> {
    const base = `${this.prefix}:${name}:{${key}}`;
    const [totalHits, left, blocked, blockLeft] = await this.run(() =>
      this.client.limitHit(`${base}:hits`, `${base}:block`, ttlMs, limit, blockMs),
    );
    return {
      totalHits,
      timeToExpire: Math.max(0, Math.ceil(left / 1000)),
      isBlocked: blocked === 1,
      timeToBlockExpire: blocked === 1 ? Math.max(1, Math.ceil(blockLeft / 1000)) : 0,
    };
  }

  /**
   * Adds `hits` to the fixed window of `key` under `name` (the window starts with its first hits and lasts
   * `ttlMs`); answers every instance's hits in the window so far and the ms left of it.
   */
  async add(
    name: string,
    key: string,
    hits: number,
    ttlMs: number,
  ): Promise<{ totalHits: number; leftMs: number }> {
    const [totalHits, leftMs] = await this.run(() =>
      this.client.limitAdd(`${this.prefix}:${name}:{${key}}:hits`, hits, ttlMs),
    );
    return { totalHits, leftMs };
  }

  /** The current value of a failure counter (0 when none or forgotten). */
  async count(name: string, key: string): Promise<number> {
    const v = await this.run(() => this.client.get(`${this.prefix}:${name}:${key}`));
    return v === null ? 0 : Number(v);
  }

  /** Adds one to a counter that is forgotten `memoryMs` after its last increment; answers the new count. */
  async addFailure(name: string, key: string, memoryMs: number): Promise<number> {
    return this.run(() => this.client.limitFailure(`${this.prefix}:${name}:${key}`, memoryMs));
  }

  async forget(name: string, key: string): Promise<void> {
    await this.run(() => this.client.del(`${this.prefix}:${name}:${key}`));
  }

  /** Records `key` for `ttlMs`; true the first time, false while it is remembered (a replay). */
  async claimOnce(name: string, key: string, ttlMs: number): Promise<boolean> {
    const set = await this.run(() =>
      this.client.set(`${this.prefix}:${name}:${key}`, '1', 'PX', Math.max(1, ttlMs), 'NX'),
    );
    return set === 'OK';
  }

  private async run<T>(command: () => Promise<T>): Promise<T> {
    if (this.wasReady && this.client.status !== 'ready') {
      throw new LimitStoreUnavailableError(new Error(`connection ${this.client.status}`));
    }
    try {
      return await command();
    } catch (err) {
      throw new LimitStoreUnavailableError(err);
    }
  }

  onApplicationShutdown(): void {
    this.client.disconnect();
  }
}
