import type { AppConfig } from '@app/config';
import type { CookieOptions } from 'express';

/** The console session cookie: random 32 bytes, base64url; the database keeps only its SHA-256. */
export const SESSION_COOKIE = 'nl_session';
/** Double-submit token protecting the login form itself (there is no session yet to hold a CSRF token). */
export const LOGIN_CSRF_COOKIE = 'nl_login_csrf';
/** Header a console page's fetch() sends on state-changing requests. */
export const CSRF_HEADER = 'x-csrf-token';
/** Hidden form field carrying the CSRF token in console forms. */
export const CSRF_FIELD = '_csrf';

export function cookieOptions(config: AppConfig, expires?: Date): CookieOptions {
  // Lax: the cookie still comes along when an operator follows a link to the console from elsewhere,
  // but never on a cross-site POST; the CSRF token covers what Lax does not (same-site subdomains).
  return { httpOnly: true, sameSite: 'lax', secure: config.publicUrlIsHttps, path: '/', expires };
}
