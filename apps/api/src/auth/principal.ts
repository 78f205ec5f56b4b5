import type { UserRole } from '@app/database';
import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';

/** Who is calling the admin surface, attached to the request by AdminAuthGuard. */
export interface Principal {
  /** Absent for the bootstrap ADMIN_API_TOKEN, which belongs to no user. */
  userId?: number;
  email?: string;
  role: UserRole;
  via: 'token' | 'api-token' | 'session';
  /** The session's CSRF token (via 'session' only), for forms rendered in this request. */
  csrfToken?: string;
}

declare module 'express-serve-static-core' {
  interface Request {
    principal?: Principal;
  }
}

/** `@CurrentPrincipal() p: Principal` in a handler behind AdminAuthGuard. */
export const CurrentPrincipal = createParamDecorator(
  (_data: unknown, ctx: ExecutionContext): Principal | undefined => {
    return ctx.switchToHttp().getRequest<Request>().principal;
  },
);
