import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import type { ThrottlerStorage } from '@nestjs/throttler';
import { BatchedLimit } from './batched-limit';
import { LimitStore } from './limit-store';
import { LimitMetrics } from './limit-metrics';

type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

/**
 * The throttler (app.module.ts) that limits tracked links per client address: CLICK_RATE_LIMIT per 10 s. Its
 * counts are decided in memory and shared through Redis every 100 ms (BatchedLimit): a redirect must not wait
 * on Redis, and the allowance is generous enough that N instances' overshoot of one sync interval is harmless.
 */
export const LINK_THROTTLER = 'clicks';

/** At most one log line per this long while Redis is away (every reader request would otherwise log). */
const LOG_EVERY_MS = 10_000;

/**
 * @nestjs/throttler's storage for the reader endpoints (THROTTLE_LIMIT per THROTTLE_TTL_MS) and the per-user
 * test-send allowance, in Redis through LimitStore so that every API instance counts against one limit.
 *
 * Fails open: while Redis is away the requests go through unlimited (a newsletter's pages and forms matter more
 * than their rate limit), each one counted in newsletter_rate_limit_store_errors_total{use="reader"} (use="test-send" for the
 * test-send allowance) and the
 * outage logged every LOG_EVERY_MS. Sign-in does not use this storage: it fails closed (LoginThrottle).
 */
@Injectable()
export class SharedThrottlerStorage implements ThrottlerStorage, OnApplicationShutdown {
  private readonly logger = new Logger(SharedThrottlerStorage.name);
  private lastLog = 0;
  private readonly clicks: BatchedLimit;

  constructor(
    private readonly store: LimitStore,
    private readonly metrics: LimitMetrics,
  ) {
    this.clicks = new BatchedLimit(store, `throttle:${LINK_THROTTLER}`, (err) =>
      this.failedOpen(LINK_THROTTLER, err),
    );
  }

  async increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    throttlerName: string,
  ): Promise<ThrottlerStorageRecord> {
    if (throttlerName === LINK_THROTTLER) return this.clicks.hit(key, ttl, limit, blockDuration);
    try {
      return await this.store.hit(`throttle:${throttlerName}`, key, ttl, limit, blockDuration);
    } catch (err) {
      this.failedOpen(throttlerName, err);
      return { totalHits: 0, timeToExpire: Math.ceil(ttl / 1000), isBlocked: false, timeToBlockExpire: 0 };
    }
  }

  onApplicationShutdown(): void {
    this.clicks.stop();
  }

  private failedOpen(throttlerName: string, err: unknown): void {
    this.metrics.storeErrors.inc({ use: throttlerName === 'default' ? 'reader' : throttlerName });
    const now = Date.now();
    if (now - this.lastLog >= LOG_EVERY_MS) {
      this.lastLog = now;
      this.logger.warn(
        throttlerName === LINK_THROTTLER
          ? `click limits are counted by each instance alone until Redis answers: ${(err as Error).message}`
          : `rate limits are not enforced (failing open): ${(err as Error).message}`,
      );
    }
  }
}
