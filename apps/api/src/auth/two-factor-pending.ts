import type { AppConfig } from '@app/config';
import { deriveKey } from '@app/core/accounts';
import type { Request, Response } from 'express';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { cookieOptions } from './session-cookie';

/**
 * Between a right password and a session: who passed the password and what they must do next (enter a code,
 * or enrol when REQUIRE_2FA is on). A short-lived signed cookie, not a session: it opens no console page.
 */
export const PENDING_COOKIE = 'nl_2fa_pending';
/** Long enough to open an authenticator app (or set one up), short enough to be of little use when stolen. */
export const PENDING_TTL_SECONDS = 10 * 60;

export type PendingStage = 'verify' | 'enrol';

export interface PendingSignIn {
  userId: number;
  stage: PendingStage;
}

const BODY = /^(\d{1,10})\.(verify|enrol)\.(\d{1,12})$/;

function mac(config: AppConfig, body: string): Buffer {
  return createHmac('sha256', deriveKey(config.secretKey, 'console-2fa-pending'))
    .update(body)
    .digest()
    .subarray(0, 16);
}

export function setPending(
  config: AppConfig,
  res: Response,
  p: PendingSignIn,
  now = Math.floor(Date.now() / 1000),
): void {
  const expires = now + PENDING_TTL_SECONDS;
  const body = `${p.userId}.${p.stage}.${expires}`;
  const value = `${Buffer.from(body).toString('base64url')}.${mac(config, body).toString('base64url')}`;
  res.cookie(PENDING_COOKIE, value, cookieOptions(config, new Date(expires * 1000)));
}

/** The pending sign-in of this request, if its cookie is genuine, unexpired and of `stage`. */
export function readPending(
  config: AppConfig,
  req: Request,
  stage: PendingStage,
  now = Math.floor(Date.now() / 1000),
): PendingSignIn | undefined {
  const value = (req.cookies as Record<string, unknown>)[PENDING_COOKIE];
  if (typeof value !== 'string' || value.length > 200) return undefined;
  const [encoded, given, ...rest] = value.split('.');
  if (!encoded || !given || rest.length > 0) return undefined;
  const body = Buffer.from(encoded, 'base64url').toString('utf8');
  const m = BODY.exec(body);
  const expected = mac(config, body);
  const givenMac = Buffer.from(given, 'base64url');
  if (!m || givenMac.length !== expected.length || !timingSafeEqual(givenMac, expected)) return undefined;
  if (Number(m[3]) < now || m[2] !== stage) return undefined;
  return { userId: Number(m[1]), stage };
}

export function clearPending(config: AppConfig, res: Response): void {
  res.clearCookie(PENDING_COOKIE, cookieOptions(config));
}
