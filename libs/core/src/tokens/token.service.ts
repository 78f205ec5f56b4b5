import { AppConfig } from '@app/config';
import { Injectable } from '@nestjs/common';
import { createHmac, timingSafeEqual } from 'node:crypto';

export enum TokenPurpose {
  Confirm = 'c',
  Unsubscribe = 'u',
  Preferences = 'p',
  /** A test message's "View in browser": a preview of an edition that may not be sent yet (its id, not a uid). */
  EditionPreview = 'v',
  /** A tracked link of a campaign message (issue 15): campaign, link index, delivery, time sent. */
  Link = 'l',
  /** The open pixel of a campaign message (TRACKING=individual with OPEN_TRACKING=true). */
  Open = 'o',
}

/** Preview links of test messages work for 30 days. */
export const PREVIEW_TTL_SECONDS = 30 * 24 * 3600;

/**
 * Confirmation links expire after 7 days, preview links after 30; unsubscribe and preference links never
 * expire.
 */
const TTL_SECONDS: Record<TokenPurpose, number | undefined> = {
  [TokenPurpose.Confirm]: 7 * 24 * 3600,
  [TokenPurpose.Unsubscribe]: undefined,
  [TokenPurpose.Preferences]: undefined,
  [TokenPurpose.EditionPreview]: PREVIEW_TTL_SECONDS,
  [TokenPurpose.Link]: undefined,
  [TokenPurpose.Open]: undefined,
};

/** What a link token names (an open token names no link: linkIndex -1). */
export interface LinkTokenClaims {
  campaignId: number;
  linkIndex: number;
  deliveryId: number;
  /** When the message was built (seconds), just before it went to SMTP: the delivery's sent time. */
  sentAt: number;
}

const B36_ID = /^[0-9a-z]{1,11}$/;

/** An edition id written where a token's uid goes (32 hex digits), so preview tokens share the one format. */
function editionSubject(editionId: number): string {
  if (!Number.isSafeInteger(editionId) || editionId <= 0) throw new Error(`invalid edition id ${editionId}`);
  return editionId.toString(16).padStart(32, '0');
}

export type TokenCheck =
  | { ok: true; subscriberUid: string; issuedAt: number }
  | { ok: false; reason: 'malformed' | 'forged' | 'expired'; subscriberUid?: string };

const UUID_HEX = /^[0-9a-f]{32}$/;
const CANONICAL = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}$/;

/**
 * Link tokens: `<purpose><uid hex><issued-at base36>.<HMAC-SHA256 truncated to 128 bits>`, base64url.
 * The subject is the subscriber's random uid (not the id or the email), so a token reveals nothing and
 * cannot be guessed; the purpose is inside the MAC, so a confirm token cannot unsubscribe. Erasure rotates
 * the uid, which kills every earlier link.
 */
@Injectable()
export class TokenService {
  private readonly key: Buffer;

  constructor(config: AppConfig) {
    this.key = Buffer.from(config.secretKey, 'utf8');
  }

  sign(purpose: TokenPurpose, subscriberUid: string, issuedAt = Math.floor(Date.now() / 1000)): string {
    const body = `${purpose}${subscriberUid.replace(/-/g, '').toLowerCase()}${issuedAt.toString(36)}`;
    return `${Buffer.from(body).toString('base64url')}.${this.mac(body)}`;
  }

  verify(token: unknown, purpose: TokenPurpose, now = Math.floor(Date.now() / 1000)): TokenCheck {
    if (typeof token !== 'string' || token.length > 200) return { ok: false, reason: 'malformed' };
    // Only the exact form sign() produces: base64url decoding skips stray characters, so without this a
    // token with a space, a padding "=" or a doubled "." would still verify.
    if (!CANONICAL.test(token)) return { ok: false, reason: 'malformed' };
    const dot = token.indexOf('.');
    if (dot <= 0) return { ok: false, reason: 'malformed' };
    const body = Buffer.from(token.slice(0, dot), 'base64url').toString('utf8');
    const given = Buffer.from(token.slice(dot + 1), 'base64url');
    const expected = Buffer.from(this.mac(body), 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected))
      return { ok: false, reason: 'forged' };
    if (body[0] !== purpose) return { ok: false, reason: 'forged' };
    const hex = body.slice(1, 33);
    const issuedAt = Number.parseInt(body.slice(33), 36);
    if (!UUID_HEX.test(hex) || !Number.isFinite(issuedAt)) return { ok: false, reason: 'malformed' };
    const uid = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
    const ttl = TTL_SECONDS[purpose];
    if (ttl !== undefined && now - issuedAt > ttl)
      return { ok: false, reason: 'expired', subscriberUid: uid };
    return { ok: true, subscriberUid: uid, issuedAt };
  }

  /** The token of an edition's preview link (TokenPurpose.EditionPreview, 30 days). */
  signEditionPreview(editionId: number, issuedAt?: number): string {
    return this.sign(TokenPurpose.EditionPreview, editionSubject(editionId), issuedAt);
  }

  /** The edition id a preview token names, or why not (malformed, forged, expired). */
  verifyEditionPreview(
    token: unknown,
    now?: number,
  ): { ok: true; editionId: number } | { ok: false; reason: 'malformed' | 'forged' | 'expired' } {
    const check = this.verify(token, TokenPurpose.EditionPreview, now);
    if (!check.ok) return { ok: false, reason: check.reason };
    const editionId = Number.parseInt(check.subscriberUid.replace(/-/g, ''), 16);
    return Number.isSafeInteger(editionId) && editionId > 0
      ? { ok: true, editionId }
      : { ok: false, reason: 'malformed' };
  }

  /**
   * The token of one link of one campaign message: `l<campaign>-<link>-<delivery>-<sent>` (base36) and the
   * same truncated HMAC as every token, so about 45 characters. The link's address is not in it: the
   * redirect looks the index up in the campaign's own links, so a token can only ever lead to a link the
   * issue holds (no open redirect).
   */
  signLink(c: Omit<LinkTokenClaims, 'linkIndex'> & { linkIndex: number | 'open' }): string {
    const purpose = c.linkIndex === 'open' ? TokenPurpose.Open : TokenPurpose.Link;
    const parts = [c.campaignId, ...(c.linkIndex === 'open' ? [] : [c.linkIndex]), c.deliveryId, c.sentAt];
    const body = purpose + parts.map((n) => n.toString(36)).join('-');
    return `${Buffer.from(body).toString('base64url')}.${this.mac(body)}`;
  }

  /** The claims of a link (or open) token, or undefined: malformed, padded, truncated, altered or forged. */
  verifyLink(token: unknown, purpose: TokenPurpose.Link | TokenPurpose.Open): LinkTokenClaims | undefined {
    const body = this.open(token);
    if (body === undefined || body[0] !== purpose) return undefined;
    const parts = body.slice(1).split('-');
    if (parts.length !== (purpose === TokenPurpose.Link ? 4 : 3) || !parts.every((p) => B36_ID.test(p)))
      return undefined;
    const n = parts.map((p) => Number.parseInt(p, 36));
    if (!n.every((x) => Number.isSafeInteger(x))) return undefined;
    return purpose === TokenPurpose.Link
      ? { campaignId: n[0]!, linkIndex: n[1]!, deliveryId: n[2]!, sentAt: n[3]! }
      : { campaignId: n[0]!, linkIndex: -1, deliveryId: n[1]!, sentAt: n[2]! };
  }

  /** The signed body of a token in the exact form signing produces, or undefined. */
  private open(token: unknown): string | undefined {
    if (typeof token !== 'string' || token.length > 200 || !CANONICAL.test(token)) return undefined;
    const dot = token.indexOf('.');
    const encoded = token.slice(0, dot);
    const raw = Buffer.from(encoded, 'base64url');
    // base64url decoding ignores the unused low bits of the last character: re-encoding refuses a token
    // whose body was altered there (it would otherwise decode, and verify, as the original).
    if (raw.toString('base64url') !== encoded) return undefined;
    const body = raw.toString('utf8');
    const given = Buffer.from(token.slice(dot + 1), 'base64url');
    const expected = Buffer.from(this.mac(body), 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    return body;
  }

  private mac(body: string): string {
    return createHmac('sha256', this.key).update(body).digest().subarray(0, 16).toString('base64url');
  }
}
