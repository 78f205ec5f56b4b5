import { Injectable, Logger } from '@nestjs/common';
import { InjectThrottlerStorage, type ThrottlerStorage } from '@nestjs/throttler';
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

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
/** Emails remembered at most (each about 100 bytes); the least recently failed are forgotten first. */
const MAX_TRACKED_EMAILS = 50_000;

export type LoginOutcome<T> = { refusedFor: number } | { user: T | undefined };

/** The pause owed before checking a password for an email with `failures` recent failures. */
export function loginDelayMs(failures: number): number {
  if (failures < LOGIN_FREE_FAILURES) return 0;
  return Math.min(LOGIN_DELAY_MAX_MS, LOGIN_DELAY_BASE_MS * 2 ** (failures - LOGIN_FREE_FAILURES));
}

/**
 * Sign-in throttling that cannot be turned against an account's owner.
 *
 * - Per client address, every attempt counts (LOGIN_LIMIT_PER_IP a minute, in the @nestjs/throttler storage):
 *   a flood from one address is refused with 429 whatever the passwords.
 * - Per email, only failures count, and they never refuse: from the (LOGIN_FREE_FAILURES + 1)th recent
 *   failure on, every attempt for that email waits a pause that doubles per failure (up to
 *   LOGIN_DELAY_MAX_MS) before the password is checked. A correct password is always accepted, so guessing
 *   an account's password from many addresses cannot lock its owner out; the owner waits at most the
 *   maximum pause. The pause comes before the check and is the same for a right and a wrong password (and
 *   for an unknown email), so its length reveals nothing. A successful sign-in clears the email's failures.
 *
 * Both counters are in-process memory: with several API instances each enforces its own.
 */
@Injectable()
export class LoginThrottle {
  private readonly logger = new Logger(LoginThrottle.name);
  /** sha256(email) → recent failures; Map order is least recently failed first. */
  private readonly failures = new Map<string, { count: number; forgetAt: number }>();
  /** Overridable in unit tests, which must not wait for real. */
  protected pause: (ms: number) => Promise<unknown> = (ms) => sleep(ms);
  protected now: () => number = () => Date.now();

  constructor(@InjectThrottlerStorage() private readonly storage: ThrottlerStorage) {}

  /**
   * One sign-in attempt (a password or a second-factor code): refused (with the seconds to wait) when the
   * client address is over its limit, otherwise `verify` runs after the email's pause and its answer is
   * counted: undefined is a failure. A success clears the email's failures unless `completesSignIn` says
   * a second factor is still to come.
   */
  async attempt<T>(
    ip: string,
    email: string,
    verify: () => Promise<T | undefined>,
    opts: { completesSignIn?: (result: T) => boolean } = {},
  ): Promise<LoginOutcome<T>> {
    const byIp = await this.storage.increment(`login:ip:${ip}`, WINDOW_MS, LOGIN_LIMIT_PER_IP, 0, 'login-ip');
    if (byIp.isBlocked) return { refusedFor: Math.max(1, byIp.timeToBlockExpire) };
    const key = createHash('sha256').update(email.trim().toLowerCase()).digest('hex');
    const delay = loginDelayMs(this.recentFailures(key));
    if (delay > 0) await this.pause(delay);
    const user = await verify();
    if (user === undefined) this.recordFailure(key);
    // A right password followed by a second factor clears nothing yet: otherwise whoever knows the password
    // could alternate password and code guesses and never be slowed on the codes.
    else if (opts.completesSignIn?.(user) ?? true) this.failures.delete(key);
    return { user };
  }

  private recentFailures(key: string): number {
    const entry = this.failures.get(key);
    if (!entry) return 0;
    if (entry.forgetAt <= this.now()) {
      this.failures.delete(key);
      return 0;
    }
    return entry.count;
  }

  private recordFailure(key: string): void {
    const count = this.recentFailures(key) + 1;
    this.failures.delete(key); // re-inserted at the end: the most recently failed
    this.failures.set(key, { count, forgetAt: this.now() + LOGIN_FAILURE_MEMORY_MS });
    if (count === LOGIN_FREE_FAILURES) {
      // No address in the log: the hash prefix is enough to tell attacks on one account from a spray.
      this.logger.warn(
        `${count} failed sign-ins for account ${key.slice(0, 12)}: its sign-ins are slowed now`,
      );
    }
    while (this.failures.size > MAX_TRACKED_EMAILS) {
      const oldest = this.failures.keys().next().value;
      if (oldest === undefined) break;
      this.failures.delete(oldest);
    }
  }
}
