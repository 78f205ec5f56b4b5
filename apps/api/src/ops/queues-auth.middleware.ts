import { UserRole } from '@app/database';
import { ForbiddenException, Injectable, type NestMiddleware, UnauthorizedException } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { loginRedirect } from '../auth/admin-auth.guard';
import { RequestAuthenticator } from '../auth/request-authenticator';

const ALLOWED = [UserRole.Admin, UserRole.Ops];

/** A browser asking for a page (not the board's own JSON calls, which send Accept: application/json). */
function isPageRequest(req: Request): boolean {
  return (req.method === 'GET' || req.method === 'HEAD') && (req.headers.accept ?? '').includes('text/html');
}

/**
 * Bull Board has no authentication of its own: this runs in front of its router (same `apply()` call).
 * ops and admin get in; others 403; no credentials → 401 JSON, or the login form for a browser.
 * The board's UI changes state with fetch() calls that carry no CSRF token, so for cookie sessions writes
 * must come from our own origin (Sec-Fetch-Site / Origin), on top of the SameSite=Lax cookie.
 */
@Injectable()
export class QueuesAuthMiddleware implements NestMiddleware {
  constructor(private readonly authenticator: RequestAuthenticator) {}

  async use(req: Request, res: Response, next: NextFunction): Promise<void> {
    const principal = await this.authenticator.authenticate(req);
    if (!principal) {
      if (isPageRequest(req)) {
        res.redirect(303, loginRedirect(req));
        return;
      }
      res.setHeader('WWW-Authenticate', 'Bearer');
      throw new UnauthorizedException(
        'Authentication required: sign in or send "Authorization: Bearer <token>"',
      );
    }
    if (!ALLOWED.includes(principal.role)) {
      throw new ForbiddenException(
        `Your role (${principal.role}) may not open the queues; it needs: admin, ops`,
      );
    }
    if (principal.via === 'session' && !['GET', 'HEAD', 'OPTIONS'].includes(req.method) && !sameOrigin(req)) {
      throw new ForbiddenException('Cross-site request refused');
    }
    req.principal = principal;
    next();
  }
}

function sameOrigin(req: Request): boolean {
  const site = req.headers['sec-fetch-site'];
  if (typeof site === 'string') return site === 'same-origin';
  const origin = req.headers.origin;
  if (typeof origin !== 'string') return false;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}
