import { AppConfig, envSchema } from '@app/config';
import { MailMetrics } from '@app/mailer';
import { deleteRedisPrefix, testRedisPrefix } from '@app/testing';
import { Redis } from 'ioredis';
import { SendRateLimiter, SendRateShutdownError } from './send-rate.limiter';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Against the real Redis: the shared token bucket and the hourly cap. No timing is asserted. */
describe('SendRateLimiter', () => {
  const prefix = testRedisPrefix();
  const limiters: SendRateLimiter[] = [];
  const limiter = (env: Record<string, string>) => {
    const l = new SendRateLimiter(
      new AppConfig(envSchema.parse({ REDIS_URL, REDIS_PREFIX: prefix, SECRET_KEY: 'k'.repeat(40), ...env })),
      new MailMetrics(),
    );
    limiters.push(l);
    return l;
  };

  afterEach(async () => {
    for (const l of limiters.splice(0)) l.onApplicationShutdown();
    await deleteRedisPrefix(REDIS_URL, prefix);
  });

  it('grants at most a tenth of a second of sends at once, from a bucket kept in Redis', async () => {
    const a = limiter({ SEND_RATE_PER_SECOND: '1000' });
    const b = limiter({ SEND_RATE_PER_SECOND: '1000' });
    expect(a.burst).toBe(100);
    expect(await a.acquire(500)).toBe(100);
    // The bucket every worker draws from is in Redis, under the deployment's prefix, and now empty.
    const redis = new Redis(REDIS_URL);
    try {
      expect(await redis.hget(`${prefix}:send-rate:bucket`, 'tokens')).toBe('0');
    } finally {
      redis.disconnect();
    }
    // Another process waits for the refill rather than starting with a full bucket of its own.
    expect(await b.acquire(1)).toBe(1);
  });

  it('stops at SEND_RATE_PER_HOUR and lets the caller give up while waiting', async () => {
    const l = limiter({ SEND_RATE_PER_SECOND: '1000', SEND_RATE_PER_HOUR: '7' });
    expect(await l.acquire(5)).toBe(5);
    expect(await l.acquire(5)).toBe(2);
    let asked = 0;
    const stop = () => {
      asked++;
      return Promise.resolve(true);
    };
    expect(await l.acquire(5, stop)).toBe(0);
    expect(asked).toBe(1);
  });

  it('makes one transactional message wait its turn, and lets a shutdown end the wait', async () => {
    const l = limiter({ SEND_RATE_PER_SECOND: '1000', SEND_RATE_PER_HOUR: '2' });
    await l.acquireOne();
    await l.acquireOne();
    // The hour's two are taken: the third waits (polling Redis) until the process starts to stop.
    const third = l.acquireOne();
    l.beforeApplicationShutdown();
    await expect(third).rejects.toBeInstanceOf(SendRateShutdownError);
  });
});
