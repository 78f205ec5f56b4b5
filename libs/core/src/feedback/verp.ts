import { AppConfig } from '@app/config';
import { Injectable } from '@nestjs/common';
import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The addresses mail comes back to, each carrying a signed token that names what it is about:
 * - `bounces+<token>@BOUNCE_DOMAIN` (VERP, the envelope sender of every campaign message and confirmation):
 *   a bounce to it names the delivery (`d…`) or the confirmation mail of a subscriber (`c…`);
 * - `unsubscribe+<token>@BOUNCE_DOMAIN` (the List-Unsubscribe mailto): names the subscriber and the campaign.
 *
 * Tokens are lowercase base32 and base36, so a mail system that changes the case of the local part does no
 * harm, and short (under 40 characters) so the local part stays within 64. The MAC is HMAC-SHA256 with a key
 * derived from SECRET_KEY, truncated to 80 bits: nobody can make a token for a delivery they did not receive.
 * The unsubscribe MAC covers the subscriber's uid too, which erasure rotates, so an erased reader's old
 * messages unsubscribe nobody.
 */

export const BOUNCE_LOCAL_PREFIX = 'bounces+';
export const UNSUBSCRIBE_LOCAL_PREFIX = 'unsubscribe+';
/** Other local parts the inbound server takes: RFC 5321 requires postmaster; feedback loops report to these. */
export const SERVICE_MAILBOXES: readonly string[] = ['postmaster', 'abuse', 'feedback'];

export type BounceSubject =
  { kind: 'delivery'; deliveryId: number } | { kind: 'confirmation'; subscriberId: number };

/** What an unsubscribe token says before its MAC can be checked (that needs the subscriber's uid). */
export interface UnsubscribeClaim {
  subscriberId: number;
  /** 0 when the message was not a campaign's. */
  campaignId: number;
  /** True when the token's MAC matches this subscriber uid. */
  matches(subscriberUid: string): boolean;
}

export type InboundRecipient =
  | { kind: 'bounce'; subject: BounceSubject }
  | { kind: 'unsubscribe'; claim: UnsubscribeClaim }
  | { kind: 'service'; mailbox: string };

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';
const MAC_BYTES = 10; // 80 bits → 16 base32 characters
const MAC_CHARS = 16;
const MAX_ID = Number.MAX_SAFE_INTEGER;

function base32(bytes: Buffer): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32[(value << (5 - bits)) & 31];
  return out;
}

/** A positive integer written in base36 (no sign, no leading zero), or undefined. */
function parseId(text: string): number | undefined {
  if (text.length === 0 || text.length > 11 || text[0] === '0') return undefined;
  for (const ch of text) if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z'))) return undefined;
  const n = Number.parseInt(text, 36);
  return Number.isSafeInteger(n) && n > 0 && n <= MAX_ID ? n : undefined;
}

function isMac(text: string): boolean {
  if (text.length !== MAC_CHARS) return false;
  for (const ch of text) if (!BASE32.includes(ch)) return false;
  return true;
}

@Injectable()
export class VerpAddresses {
  private readonly key: Buffer;
  readonly domain: string;

  constructor(config: AppConfig) {
    // A key of its own, so these MACs are never interchangeable with the link tokens' MACs.
    this.key = createHmac('sha256', config.secretKey).update('verp-v1').digest();
    this.domain = config.bounceDomain;
  }

  /** Envelope sender (Return-Path) of one campaign delivery. */
  forDelivery(deliveryId: number): string {
    return this.bounceAddress('d', deliveryId);
  }

  /** Envelope sender of a subscriber's confirmation mail. */
  forConfirmation(subscriberId: number): string {
    return this.bounceAddress('c', subscriberId);
  }

  /**
   * Envelope sender of a subscriber's welcome message. It names the subscriber, as a confirmation's does (a
   * bounce of it is the subscriber's, not a campaign delivery's), so it is the same `c…` address.
   */
  forWelcome(subscriberId: number): string {
    return this.bounceAddress('c', subscriberId);
  }

  /** The List-Unsubscribe mailto address of one subscriber, for one campaign (0: none). */
  unsubscribeAddress(subscriberId: number, subscriberUid: string, campaignId = 0): string {
    const body = `${subscriberId.toString(36)}-${campaignId.toString(36)}`;
    return `${UNSUBSCRIBE_LOCAL_PREFIX}u${body}-${this.mac(`u:${body}:${normalizeUid(subscriberUid)}`)}@${this.domain}`;
  }

  /**
   * What an address the inbound server is asked to accept (RCPT TO) stands for, or null when it is not one
   * of ours (another domain, an unknown mailbox, a malformed or forged token): the server then answers 550.
   */
  parseRecipient(address: string): InboundRecipient | null {
    if (address.length > 320) return null;
    const at = address.lastIndexOf('@');
    if (at <= 0) return null;
    const domain = address.slice(at + 1).toLowerCase();
    if (domain !== this.domain) return null;
    const local = address.slice(0, at).toLowerCase();
    if (SERVICE_MAILBOXES.includes(local)) return { kind: 'service', mailbox: local };
    if (local.startsWith(BOUNCE_LOCAL_PREFIX)) {
      const subject = this.parseBounceToken(local.slice(BOUNCE_LOCAL_PREFIX.length));
      return subject ? { kind: 'bounce', subject } : null;
    }
    if (local.startsWith(UNSUBSCRIBE_LOCAL_PREFIX)) {
      const claim = this.parseUnsubscribeToken(local.slice(UNSUBSCRIBE_LOCAL_PREFIX.length));
      return claim ? { kind: 'unsubscribe', claim } : null;
    }
    return null;
  }

  /** `d<id36>-<mac>` or `c<id36>-<mac>`, checked; null if malformed or forged. */
  parseBounceToken(token: string): BounceSubject | null {
    const t = token.toLowerCase();
    const dash = t.indexOf('-');
    if (dash < 2 || t.indexOf('-', dash + 1) !== -1) return null;
    const kind = t[0];
    const id = parseId(t.slice(1, dash));
    const mac = t.slice(dash + 1);
    if ((kind !== 'd' && kind !== 'c') || id === undefined || !isMac(mac)) return null;
    if (!this.macMatches(`${kind}:${id.toString(36)}`, mac)) return null;
    return kind === 'd' ? { kind: 'delivery', deliveryId: id } : { kind: 'confirmation', subscriberId: id };
  }

  /** `u<subscriber36>-<campaign36>-<mac>`; the MAC is checked later against the subscriber's uid. */
  parseUnsubscribeToken(token: string): UnsubscribeClaim | null {
    const t = token.toLowerCase();
    if (t[0] !== 'u') return null;
    const parts = t.slice(1).split('-');
    if (parts.length !== 3) return null;
    const [sid, cid, mac] = parts as [string, string, string];
    const subscriberId = parseId(sid);
    const campaignId = cid === '0' ? 0 : parseId(cid);
    if (subscriberId === undefined || campaignId === undefined || !isMac(mac)) return null;
    const body = `${sid}-${cid}`;
    return {
      subscriberId,
      campaignId,
      matches: (uid) => this.macMatches(`u:${body}:${normalizeUid(uid)}`, mac),
    };
  }

  private bounceAddress(kind: 'd' | 'c', id: number): string {
    const body = `${kind}${id.toString(36)}`;
    return `${BOUNCE_LOCAL_PREFIX}${body}-${this.mac(`${kind}:${id.toString(36)}`)}@${this.domain}`;
  }

  private mac(data: string): string {
    return base32(createHmac('sha256', this.key).update(data).digest().subarray(0, MAC_BYTES));
  }

  private macMatches(data: string, given: string): boolean {
    const expected = Buffer.from(this.mac(data));
    const got = Buffer.from(given);
    return got.length === expected.length && timingSafeEqual(got, expected);
  }
}

function normalizeUid(uid: string): string {
  return uid.replace(/-/g, '').toLowerCase();
}
