import { Injectable, Logger } from '@nestjs/common';
import type { ThrottlerStorage } from '@nestjs/throttler';
import { LimitStore } from './limit-store';
import { LimitMetrics } from './limit-metrics';

type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

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
export class SharedThrottlerStorage implements ThrottlerStorage {
  private readonly logger = new Logger(SharedThrottlerStorage.name);
  private lastLog = 0;

  constructor(
    private readonly store: LimitStore,
    private readonly metrics: LimitMetrics,
  ) {}

  async increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    throttlerName: string,
  ): Promise<ThrottlerStorageRecord> {
    try {
      return await this.store.hit(`throttle:${throttlerName}`, key, ttl, limit, blockDuration);
    } catch (err) {
      this.metrics.storeErrors.inc({ use: throttlerName === 'default' ? 'reader' : throttlerName });
      const now = Date.now();
      if (now - this.lastLog >= LOG_EVERY_MS) {
        this.lastLog = now;
        this.logger.warn(`rate limits are not enforced (failing open): ${(err as Error).message}`);
      }
      return { totalHits: 0, timeToExpire: Math.ceil(ttl / 1000), isBlocked: false, timeToBlockExpire: 0 };
    }
  }
}
