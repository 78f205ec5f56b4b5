import { UserRole } from '@app/database';
import {
  type CanActivate,
  type ExecutionContext,
  ForbiddenException,
  Injectable,
  UnauthorizedException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { assertCsrf } from './csrf';
import { RequestAuthenticator } from './request-authenticator';
import { PUBLIC_KEY, ROLES_KEY, SESSION_ONLY_KEY } from './roles.decorator';

const ALL = [UserRole.Admin, UserRole.Editor, UserRole.Ops];
const WRITERS = [UserRole.Admin, UserRole.Editor];
const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The admin surface: JSON API under /api/admin and console pages under /admin. */
export const ADMIN_PATH = /^\/(api\/)?admin(\/|$)/i;
const USERS_PATH = /^\/(api\/)?admin\/users(\/|$)/i;
/** Ops may pause a running campaign (and nothing else that writes). */
const PAUSE_PATH = /^\/(api\/)?admin\/campaigns\/[^/]+\/pause\/?$/i;

/** Set once a request passed the guard, so the global net and a controller's own @UseGuards do not run twice. */
const AUTHORIZED = Symbol('adminAuthorized');

/**
 * The policy for a route without @Roles. Matched on the route template (what Express matched, so case and
 * trailing slashes cannot dodge it), falling back to the path.
 */
export function defaultRoles(method: string, routePath: string): UserRole[] {
  if (USERS_PATH.test(routePath)) return [UserRole.Admin];
  if (method === 'POST' && PAUSE_PATH.test(routePath)) return ALL;
  return READ_METHODS.has(method) ? ALL : WRITERS;
}

export function wantsHtml(req: Request): boolean {
  return (
    READ_METHODS.has(req.method) &&
    !req.path.startsWith('/api/') &&
    (req.headers.accept ?? '').includes('text/html')
  );
}

export function loginRedirect(req: Request): string {
  return `/admin/login?next=${encodeURIComponent(req.originalUrl)}`;
}

/**
 * Authentication and authorization for the whole admin surface. Accepts `Authorization: Bearer
 * <ADMIN_API_TOKEN>` (acts as admin), `Bearer <personal API token>` (its owner's role) or the console session
 * cookie (then state-changing requests need the CSRF token). Roles come from @Roles on the handler or
 * controller, else from `defaultRoles`. Attaches `req.principal`.
 * 401 without (valid) credentials (browsers asking for a page are sent to the login form), 403 for a role
 * that may not, or a missing CSRF token.
 */
@Injectable()
export class AdminAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly authenticator: RequestAuthenticator,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<Request & { [AUTHORIZED]?: boolean }>();
    if (req[AUTHORIZED]) return true;
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean | undefined>(PUBLIC_KEY, targets)) return true;

    const principal = req.principal ?? (await this.authenticator.authenticate(req));
    if (!principal) {
      if (wantsHtml(req)) {
        context.switchToHttp().getResponse<Response>().redirect(303, loginRedirect(req));
        return false; // the response is already sent; the exception filter leaves it alone
      }
      context.switchToHttp().getResponse<Response>().setHeader('WWW-Authenticate', 'Bearer');
      throw new UnauthorizedException(
        'Authentication required: sign in or send "Authorization: Bearer <token>"',
      );
    }
    req.principal = principal;

    const routePath = (req.route as { path?: unknown } | undefined)?.path;
    const roles =
      this.reflector.getAllAndOverride<UserRole[] | undefined>(ROLES_KEY, targets) ??
      defaultRoles(req.method, typeof routePath === 'string' ? routePath : req.path);
    if (!roles.includes(principal.role)) {
      throw new ForbiddenException(
        `Your role (${principal.role}) may not do this; it needs: ${roles.join(', ')}`,
      );
    }
    const sessionOnly = this.reflector.getAllAndOverride<string | undefined>(SESSION_ONLY_KEY, targets);
    if (sessionOnly !== undefined && principal.via !== 'session') throw new ForbiddenException(sessionOnly);
    assertCsrf(req);
    req[AUTHORIZED] = true;
    return true;
  }
}

/**
 * Registered globally: every route under /api/admin or /admin goes through AdminAuthGuard even if its
 * controller forgot @UseGuards(AdminAuthGuard). Mark deliberate exceptions with @Public().
 */
@Injectable()
export class AdminSurfaceGuard implements CanActivate {
  constructor(private readonly guard: AdminAuthGuard) {}

  canActivate(context: ExecutionContext): Promise<boolean> | boolean {
    if (context.getType() !== 'http') return true;
    const req = context.switchToHttp().getRequest<Request>();
    const routePath = (req.route as { path?: unknown } | undefined)?.path;
    const path = typeof routePath === 'string' ? routePath : req.path;
    return ADMIN_PATH.test(path) ? this.guard.canActivate(context) : true;
  }
}
