import { Injectable } from '@nestjs/common';
import { InjectThrottlerStorage, type ThrottlerStorage } from '@nestjs/throttler';
import { createHash } from 'node:crypto';

const WINDOW_MS = 60_000;
/** Per client address: room for a few people behind one NAT, far too few for password spraying. */
export const LOGIN_LIMIT_PER_IP = 10;
/** Per account: guessing one account's password gets 5 tries a minute, from any number of addresses. */
export const LOGIN_LIMIT_PER_EMAIL = 5;

/**
 * Counts login attempts in the @nestjs/throttler storage under two keys (client address and the email tried),
 * so an attacker can neither hammer one account from many addresses nor many accounts from one address.
 * Every attempt counts, successful or not: the form answers identically either way.
 * The storage is in-process memory: with several API instances each enforces its own limit.
 */
@Injectable()
export class LoginThrottle {
  constructor(@InjectThrottlerStorage() private readonly storage: ThrottlerStorage) {}

  /** Records an attempt; returns the seconds to wait when over either limit, else undefined. */
  async hit(ip: string, email: string): Promise<number | undefined> {
    const emailKey = createHash('sha256').update(email.trim().toLowerCase()).digest('hex');
    const byIp = await this.storage.increment(`login:ip:${ip}`, WINDOW_MS, LOGIN_LIMIT_PER_IP, 0, 'login-ip');
    const byEmail = await this.storage.increment(
      `login:email:${emailKey}`,
      WINDOW_MS,
      LOGIN_LIMIT_PER_EMAIL,
      0,
      'login-email',
    );
    const blocked = [byIp, byEmail].filter((r) => r.isBlocked);
    if (blocked.length === 0) return undefined;
    return Math.max(1, ...blocked.map((r) => r.timeToBlockExpire));
  }
}
