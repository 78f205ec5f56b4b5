import { AppConfig } from '@app/config';
import { AccountsService, API_TOKEN_PREFIX, safeEqual } from '@app/core/accounts';
import { UserRole } from '@app/database';
import { Injectable, UnauthorizedException } from '@nestjs/common';
import type { Request } from 'express';
import type { Principal } from './principal';
import { SESSION_COOKIE } from './session-cookie';

const BEARER = /^Bearer[ \t]+(\S{1,512})[ \t]*$/i;

/**
 * Works out who sent a request: `Authorization: Bearer` (the bootstrap ADMIN_API_TOKEN or a personal API
 * token) first, else the console session cookie. A bearer header that is present but wrong is a 401 even if a
 * cookie would have worked: a client that sends credentials should learn they are bad.
 */
@Injectable()
export class RequestAuthenticator {
  private readonly adminToken?: string;

  constructor(
    config: AppConfig,
    private readonly accounts: AccountsService,
  ) {
    this.adminToken = config.env.ADMIN_API_TOKEN;
  }

  async authenticate(req: Request): Promise<Principal | undefined> {
    const header = req.headers.authorization;
    if (header !== undefined) {
      const m = BEARER.exec(header);
      const token = m?.[1];
      if (!token)
        throw new UnauthorizedException('Malformed Authorization header: expected "Bearer <token>"');
      if (this.adminToken !== undefined && safeEqual(token, this.adminToken)) {
        return { role: UserRole.Admin, via: 'token' };
      }
      if (token.startsWith(API_TOKEN_PREFIX)) {
        const found = await this.accounts.findApiToken(token);
        if (found.ok) {
          const { userId, email, role } = found.owner;
          return { userId, email, role, via: 'api-token' };
        }
        if (found.reason === 'expired') {
          throw new UnauthorizedException(
            `This API token expired at ${found.expiredAt}: create a new one in the console (/admin/tokens)`,
          );
        }
      }
      throw new UnauthorizedException('Invalid or revoked token');
    }
    const cookie = (req.cookies as Record<string, unknown> | undefined)?.[SESSION_COOKIE];
    if (typeof cookie === 'string' && cookie) {
      const s = await this.accounts.findSession(cookie);
      if (s)
        return { userId: s.userId, email: s.email, role: s.role, via: 'session', csrfToken: s.csrfToken };
    }
    return undefined;
  }
}
