import { safeEqual } from '@app/core/accounts';
import { ForbiddenException } from '@nestjs/common';
import type { Request } from 'express';
import { html, type SafeHtml } from '../pages/html';
import { CSRF_FIELD, CSRF_HEADER } from './session-cookie';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Synchronizer-token CSRF check for requests authenticated by the session cookie (bearer tokens are not sent
 * by browsers on their own, so they need none). The token comes from the `X-CSRF-Token` header (fetch), the
 * `_csrf` form field (urlencoded/JSON bodies), or `?_csrf=` for multipart uploads, whose body is parsed later.
 * The `_csrf` field is removed from the body so DTO validation (forbidNonWhitelisted) never sees it.
 * AdminAuthGuard calls this on every admin route; call it yourself only outside the guard.
 */
export function assertCsrf(req: Request): void {
  const p = req.principal;
  if (!p || p.via !== 'session' || SAFE_METHODS.has(req.method)) return;
  const body = req.body as Record<string, unknown> | undefined;
  const fromBody = body && typeof body === 'object' ? body[CSRF_FIELD] : undefined;
  const fromQuery = req.is('multipart/form-data')
    ? (req.query as Record<string, unknown>)[CSRF_FIELD]
    : undefined;
  const given = req.headers[CSRF_HEADER] ?? fromBody ?? fromQuery;
  if (body && typeof body === 'object' && !Array.isArray(body)) delete body[CSRF_FIELD];
  if (typeof given !== 'string' || !p.csrfToken || !safeEqual(given, p.csrfToken)) {
    throw new ForbiddenException('Missing or invalid CSRF token: reload the page and try again');
  }
}

/** The CSRF token of the current console session ('' when not signed in by cookie). */
export function csrfToken(req: Request): string {
  return req.principal?.csrfToken ?? '';
}

/** `<input type="hidden" name="_csrf" ...>` for a console form. */
export function csrfField(req: Request): SafeHtml {
  return html`<input type="hidden" name="${CSRF_FIELD}" value="${csrfToken(req)}" />`;
}
