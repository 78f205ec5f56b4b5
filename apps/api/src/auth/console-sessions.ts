import { AppConfig } from '@app/config';
import { AccountsService } from '@app/core/accounts';
import { Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import { cookieOptions, LOGIN_CSRF_COOKIE, SESSION_COOKIE } from './session-cookie';
import { clearPending } from './two-factor-pending';

/** The one place a console session starts: after the password, and the second factor where there is one. */
@Injectable()
export class ConsoleSessions {
  constructor(
    private readonly config: AppConfig,
    private readonly accounts: AccountsService,
  ) {}

  /**
   * A fresh session token at every sign-in (no session fixation); an older session of this browser ends;
   * the sign-in cookies (login CSRF, pending second factor) go.
   */
  async start(req: Request, res: Response, userId: number): Promise<void> {
    const previous = (req.cookies as Record<string, unknown>)[SESSION_COOKIE];
    if (typeof previous === 'string') await this.accounts.deleteSession(previous);
    const session = await this.accounts.createSession(userId);
    res.cookie(SESSION_COOKIE, session.token, cookieOptions(this.config, session.expiresAt));
    res.clearCookie(LOGIN_CSRF_COOKIE, cookieOptions(this.config));
    clearPending(this.config, res);
  }
}
