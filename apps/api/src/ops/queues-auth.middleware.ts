import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { UserRole } from '@app/database';
import { JobQueue } from '@app/queue';
import { ForbiddenException, Injectable, type NestMiddleware, UnauthorizedException } from '@nestjs/common';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { loginRedirect } from '../auth/admin-auth.guard';
import { RequestAuthenticator } from '../auth/request-authenticator';
import { BOARD_OPTIONS, boardRefusal, QUEUES_ROUTE } from './queues-board';

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
 *
 * What each role may change is decided by `boardRefusal` (an allow-list of Bull Board's routes). Bull Board's
 * read-only mode is a property of a queue adapter, so one board cannot be read-only for ops and not for
 * admin: ops is answered by a second board over the same queues with every adapter read-only, which hides
 * the action buttons and refuses writes on its own (405) should a request get past the allow-list.
 */
@Injectable()
export class QueuesAuthMiddleware implements NestMiddleware {
  private readonly readOnlyBoard: RequestHandler;

  constructor(
    private readonly authenticator: RequestAuthenticator,
    jobs: JobQueue,
  ) {
    const server = new ExpressAdapter();
    server.setBasePath(QUEUES_ROUTE);
    createBullBoard({
      queues: jobs.all().map((q) => new BullMQAdapter(q, { readOnlyMode: true })),
      serverAdapter: server,
      options: BOARD_OPTIONS,
    });
    this.readOnlyBoard = server.getRouter() as RequestHandler;
  }

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
    const refusal = boardRefusal(principal.role, req.method, req.path);
    if (refusal) throw new ForbiddenException(refusal);
    req.principal = principal;
    if (principal.role !== UserRole.Admin) {
      // Not next(): the admin's board comes next in the chain, and this request must not reach it.
      void this.readOnlyBoard(req, res, (err?: unknown) => {
        if (err) return next(err);
        res.status(404).json({ statusCode: 404, message: 'Not Found', error: 'Not Found' });
      });
      return;
    }
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
