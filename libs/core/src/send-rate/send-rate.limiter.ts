import { AppConfig } from '@app/config';
import { MailMetrics } from '@app/mailer';
import { createRedisClient, type RedisClient } from '@app/queue';
import { type BeforeApplicationShutdown, Injectable, type OnApplicationShutdown } from '@nestjs/common';

/**
 * Token bucket shared by every worker process through Redis, plus an optional fixed-window hourly cap.
 * One script call decides atomically how many of the requested sends may start now; the clock is Redis's
 * own (TIME), so workers on machines with skewed clocks still share one rate.
 * Returns {granted, waitMs}: granted > 0, or 0 and how long to wait before asking again.
 */
const TOKEN_BUCKET_LUA = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local rate = tonumber(ARGV[1])
local capacity = tonumber(ARGV[2])
local want = tonumber(ARGV[3])
local hourCap = tonumber(ARGV[4])
local b = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(b[1]) or capacity
local ts = tonumber(b[2]) or now
if now > ts then tokens = math.min(capacity, tokens + (now - ts) * rate / 1000) end
local grant = math.min(want, math.floor(tokens))
local wait = 0
if hourCap > 0 then
  local hourKey = KEYS[2] .. ':' .. math.floor(now / 3600000)
  local left = hourCap - tonumber(redis.call('GET', hourKey) or '0')
  if left <= 0 then
    grant = 0
    wait = 3600000 - (now % 3600000)
  elseif grant > left then
    grant = left
  end
  if grant > 0 then
    redis.call('INCRBY', hourKey, grant)
    redis.call('PEXPIRE', hourKey, 7200000)
  end
end
if grant > 0 then
  tokens = tokens - grant
elseif wait == 0 then
  wait = math.ceil((1 - tokens) * 1000 / rate)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(math.max(now, ts)))
redis.call('PEXPIRE', KEYS[1], 60000)
return {grant, wait}
`;

type RateRedis = RedisClient & {
  sendRateTake(
    bucket: string,
    hour: string,
    rate: number,
    capacity: number,
    want: number,
    hourCap: number,
  ): Promise<[number, number]>;
};

/** The process is stopping while a message waited for its turn: its job fails this attempt and is retried. */
export class SendRateShutdownError extends Error {
  constructor() {
    super('worker shutting down while the message waited for the send rate; it will be retried');
    this.name = 'SendRateShutdownError';
  }
}

/**
 * Global send rate of ALL mail — campaign messages, confirmations, test sends — across all workers
 * (SEND_RATE_PER_SECOND, optional SEND_RATE_PER_HOUR). One instance per process, from SendRateModule.
 */
@Injectable()
export class SendRateLimiter implements BeforeApplicationShutdown, OnApplicationShutdown {
  private redis?: RateRedis;
  private stopping = false;
  private readonly bucketKey: string;
  private readonly hourKey: string;
  private readonly rate: number;
  private readonly capacity: number;
  private readonly hourCap: number;

  constructor(
    private readonly config: AppConfig,
    private readonly metrics: MailMetrics,
  ) {
    const prefix = config.env.REDIS_PREFIX;
    this.bucketKey = `${prefix}:send-rate:bucket`;
    this.hourKey = `${prefix}:send-rate:hour`;
    this.rate = config.env.SEND_RATE_PER_SECOND;
    // A tenth of a second of burst keeps the rate smooth while letting a chunk of sends start together.
    this.capacity = Math.max(1, Math.ceil(this.rate / 10));
    this.hourCap = config.env.SEND_RATE_PER_HOUR ?? 0;
  }

  /** Largest number of sends one call can be granted (the bucket's capacity). */
  get burst(): number {
    return this.capacity;
  }

  /**
   * Waits until at least one send may start and returns how many (1..want) may start now. `shouldStop`
   * is polled while waiting so a pause is not held up by an hourly cap.
   */
  async acquire(want: number, shouldStop?: () => Promise<boolean>): Promise<number> {
    const n = Math.max(1, Math.min(want, this.capacity));
    const waited = this.metrics.rateWait.startTimer();
    for (;;) {
      const [granted, waitMs] = await this.client().sendRateTake(
        this.bucketKey,
        this.hourKey,
        this.rate,
        this.capacity,
        n,
        this.hourCap,
      );
      if (granted > 0) {
        waited();
        return granted;
      }
      await new Promise((r) => setTimeout(r, Math.min(Math.max(waitMs, 1), 1000)));
      if (waitMs > 1000 && shouldStop && (await shouldStop())) {
        waited();
        return 0;
      }
    }
  }

  /**
   * Waits for one transactional message's turn (a confirmation, a test send). Throws SendRateShutdownError if
   * the process begins to stop while it waits long (an hourly cap), so a shutdown is not held up for an hour.
   */
  async acquireOne(): Promise<void> {
    const granted = await this.acquire(1, () => Promise.resolve(this.stopping));
    if (granted === 0) throw new SendRateShutdownError();
  }

  beforeApplicationShutdown(): void {
    this.stopping = true;
  }

  private client(): RateRedis {
    if (!this.redis) {
      const redis = createRedisClient(this.config.env);
      // Commands queue while Redis is away and the client reconnects by itself; the outage is logged by BullMQ.
      redis.on('error', () => undefined);
      redis.defineCommand('sendRateTake', { numberOfKeys: 2, lua: TOKEN_BUCKET_LUA });
      this.redis = redis as RateRedis;
    }
    return this.redis;
  }

  onApplicationShutdown(): void {
    this.redis?.disconnect();
  }
}
