import { RateLimitedError } from '@app/core';
import { Injectable } from '@nestjs/common';
import { InjectThrottlerStorage, type ThrottlerStorage } from '@nestjs/throttler';
import type { Principal } from '../../auth/principal';

/** Test-send recipients one user may have sent to within any TEST_SEND_WINDOW_MS. */
export const TEST_SEND_RECIPIENTS_PER_WINDOW = 20;
export const TEST_SEND_WINDOW_MS = 60_000;
const THROTTLER = 'test-send';

/** A test send refused because its user is over TEST_SEND_RECIPIENTS_PER_WINDOW (429 with Retry-After). */
export class TestSendLimitError extends RateLimitedError {
  constructor(retryAfter: number, recipients: number) {
    super(
      `Too many test sends: at most ${TEST_SEND_RECIPIENTS_PER_WINDOW} recipients a minute per user, and this ` +
        `one has ${recipients}. Try again in ${retryAfter} seconds.`,
      retryAfter,
    );
  }
}

/**
 * Per-user limit on test sends, counted in recipients (ten addresses cost ten), for the API and the console
 * alike. The counts live in the @nestjs/throttler storage (SharedThrottlerStorage: in Redis, so one allowance
 * across every API instance; while Redis is away it fails open). (Every test message also waits for the workers' global
 * send-rate limiter, SEND_RATE_PER_SECOND / SEND_RATE_PER_HOUR, before it leaves.)
 */
@Injectable()
export class TestSendThrottle {
  constructor(@InjectThrottlerStorage() private readonly storage: ThrottlerStorage) {}

  /**
   * Charges `recipients` to the principal's allowance, or throws TestSendLimitError when they do not all fit
   * in what is left (and then charges nothing, so a refused request does not eat the allowance).
   */
  async take(principal: Principal | undefined, recipients: number): Promise<void> {
    // AdminAuthGuard always sets the principal; the bootstrap ADMIN_API_TOKEN has no user and one allowance.
    const key = `test-send:${principal?.userId ?? 'admin-api-token'}`;
    const hit = (limit: number) => this.storage.increment(key, TEST_SEND_WINDOW_MS, limit, 0, THROTTLER);
    // The storage counts one hit per call and, without a block duration, refuses (without counting) a hit
    // once `limit` hits are within the window. A first hit against limit - n + 1 is refused exactly when the
    // n recipients do not fit; the other n - 1 then fit, unless a concurrent request took the room meanwhile.
    const first = await hit(TEST_SEND_RECIPIENTS_PER_WINDOW - recipients + 1);
    if (first.isBlocked) throw new TestSendLimitError(Math.max(1, first.timeToBlockExpire), recipients);
    for (let i = 1; i < recipients; i++) {
      const next = await hit(TEST_SEND_RECIPIENTS_PER_WINDOW);
      if (next.isBlocked) throw new TestSendLimitError(Math.max(1, next.timeToBlockExpire), recipients);
    }
  }
}
