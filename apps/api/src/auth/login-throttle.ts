import { Injectable, Logger } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { LimitMetrics } from '../limits/limit-metrics';
import { LimitStore, LimitStoreUnavailableError } from '../limits/limit-store';

const WINDOW_MS = 60_000;
/** Per client address, every attempt: room for a few people behind one NAT, far too few for a flood. */
export const LOGIN_LIMIT_PER_IP = 10;

/** Failed sign-ins of one email that cost nothing more; from the next one on, every attempt is slowed. */
export const LOGIN_FREE_FAILURES = 5;
/** The pause before the first slowed attempt; it doubles with every further failure, up to the maximum. */
export const LOGIN_DELAY_BASE_MS = 250;
export const LOGIN_DELAY_MAX_MS = 8_000;
/** An email's failures are forgotten this long after its last one (or at once, on a successful sign-in). */
export const LOGIN_FAILURE_MEMORY_MS = 15 * 60_000;

export type LoginOutcome<T> = { refusedFor: number } | { unavailable: true } | { user: T | undefined };

/** The pause owed before checking a password for an email with `failures` recent failures. */
export function loginDelayMs(failures: number): number {
  if (failures < LOGIN_FREE_FAILURES) return 0;
  return Math.min(LOGIN_DELAY_MAX_MS, LOGIN_DELAY_BASE_MS * 2 ** (failures - LOGIN_FREE_FAILURES));
}

/**
 * Sign-in throttling that cannot be turned against an account's owner.
 *
 * - Per client address, every attempt counts (LOGIN_LIMIT_PER_IP a minute): a flood from one address is
 *   refused with 429 whatever the passwords.
 * - Per email, only failures count, and they never refuse: from the (LOGIN_FREE_FAILURES + 1)th recent
 *   failure on, every attempt for that email waits a pause that doubles per failure (up to
 *   LOGIN_DELAY_MAX_MS) before the password is checked. A correct password is always accepted, so guessing
 *   an account's password from many addresses cannot lock its owner out; the owner waits at most the
 *   maximum pause. The pause comes before the check and is the same for a right and a wrong password (and
 *   for an unknown email), so its length reveals nothing. A successful sign-in clears the email's failures.
 *
 * Both counters live in Redis (LimitStore), so they hold across every API instance: guesses spread over
 * several instances count as one. Redis away: sign-in fails closed ({ unavailable }: the form answers 503),
 * because letting guesses through unlimited is worse than a console that waits for Redis.
 */
@Injectable()
export class LoginThrottle {
  private readonly logger = new Logger(LoginThrottle.name);
  /** Overridable in unit tests, which must not wait for real. */
  protected pause: (ms: number) => Promise<unknown> = (ms) => sleep(ms);
  protected failureMemoryMs = LOGIN_FAILURE_MEMORY_MS;

  constructor(
    private readonly store: LimitStore,
    private readonly metrics: LimitMetrics,
  ) {}

  /**
   * One sign-in attempt (a password or a second-factor code): refused (with the seconds to wait) when the
   * client address is over its limit, otherwise `verify` runs after the email's pause and its answer is
   * counted: undefined is a failure. A success clears the email's failures unless `completesSignIn` says
   * a second factor is still to come. `unavailable` when the counters cannot be read or written.
   */
  async attempt<T>(
    ip: string,
    email: string,
    verify: () => Promise<T | undefined>,
    opts: { completesSignIn?: (result: T) => boolean } = {},
  ): Promise<LoginOutcome<T>> {
    const key = createHash('sha256').update(email.trim().toLowerCase()).digest('hex');
    let failures: number;
    try {
      const byIp = await this.store.hit('login-ip', ip, WINDOW_MS, LOGIN_LIMIT_PER_IP, 0);
      if (byIp.isBlocked) return { refusedFor: Math.max(1, byIp.timeToBlockExpire) };
      failures = await this.store.count('login-failures', key);
    } catch (err) {
      return this.unavailable(err);
    }
    const delay = loginDelayMs(failures);
    if (delay > 0) await this.pause(delay);
    const user = await verify();
    try {
      if (user === undefined) await this.recordFailure(key);
      // A right password followed by a second factor clears nothing yet: otherwise whoever knows the
      // password could alternate password and code guesses and never be slowed on the codes.
      else if (opts.completesSignIn?.(user) ?? true) await this.store.forget('login-failures', key);
    } catch (err) {
      return this.unavailable(err);
    }
    return { user };
  }

  private unavailable(err: unknown): { unavailable: true } {
    if (!(err instanceof LimitStoreUnavailableError)) throw err;
    this.metrics.storeErrors.inc({ use: 'sign-in' });
    this.logger.error(`sign-in refused (failing closed): ${err.message}`);
    return { unavailable: true };
  }

  private async recordFailure(key: string): Promise<void> {
    const count = await this.store.addFailure('login-failures', key, this.failureMemoryMs);
    if (count === LOGIN_FREE_FAILURES) {
      // No address in the log: the hash prefix is enough to tell attacks on one account from a spray.
      this.logger.warn(
        `${count} failed sign-ins for account ${key.slice(0, 12)}: its sign-ins are slowed now`,
      );
    }
  }
}
