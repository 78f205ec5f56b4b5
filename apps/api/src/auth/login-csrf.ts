import type { AppConfig } from '@app/config';
import { safeEqual } from '@app/core/accounts';
import type { Request, Response } from 'express';
import { randomBytes } from 'node:crypto';
import { cookieOptions, LOGIN_CSRF_COOKIE } from './session-cookie';

const TOKEN = /^[\w-]{43}$/;

/**
 * The double-submit token of the sign-in pages (password, second factor, enrolment), which come before any
 * session: the cookie's value, set now when missing, malformed or `renew`ed.
 */
export function loginCsrfToken(config: AppConfig, req: Request, res: Response, renew = false): string {
  const token = (req.cookies as Record<string, unknown>)[LOGIN_CSRF_COOKIE];
  if (!renew && typeof token === 'string' && TOKEN.test(token)) return token;
  const fresh = randomBytes(32).toString('base64url');
  res.cookie(LOGIN_CSRF_COOKIE, fresh, cookieOptions(config));
  return fresh;
}

/** Whether a sign-in form came with the token of its cookie. */
export function loginCsrfValid(req: Request, formToken: unknown): boolean {
  const cookieToken = (req.cookies as Record<string, unknown>)[LOGIN_CSRF_COOKIE];
  return (
    typeof cookieToken === 'string' && typeof formToken === 'string' && safeEqual(cookieToken, formToken)
  );
}
