import { AccountsService, API_TOKEN_NAME_MAX_LENGTH } from '@app/core/accounts';
import { UserRole } from '@app/database';
import { Controller, Get, Param, Post, Req, Res, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { AdminAuthGuard } from '../../auth/admin-auth.guard';
import type { Principal } from '../../auth/principal';
import { TOKEN_NEEDS_SESSION } from '../../auth/tokens.controller';
import { Roles } from '../../auth/roles.decorator';
import { FormInputError, formField, noticeFrom, parseId, refusalStatus, sendPage } from './account-forms';
import {
  TOKEN_NOTICES,
  tokenCreatedPage,
  tokenNotFoundPage,
  tokensPage,
  type TokensView,
} from './tokens.pages';

class SessionRequiredError extends Error {}

/**
 * The console's "Valid until" date (YYYY-MM-DD, UTC): the token works through that whole day, so it
 * expires at the start of the next. Empty: never expires.
 */
function endOfDay(value: string): Date | null {
  if (value === '') return null;
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  const day = m ? new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))) : undefined;
  if (!day || day.toISOString().slice(0, 10) !== value) {
    throw new FormInputError('Valid until must be a date like 2026-12-31, or empty for no expiry');
  }
  const end = new Date(day.getTime() + 24 * 3600 * 1000);
  if (end.getTime() <= Date.now()) throw new FormInputError('Valid until must be today or a later day');
  return end;
}

/**
 * Console pages for personal API tokens, like the JSON API (TokensController): everyone manages their own;
 * admins also see and may revoke everyone else's. A new token's value is on the creation page only.
 */
@ApiExcludeController()
@Controller('admin/tokens')
@UseGuards(AdminAuthGuard)
@Roles('admin', 'editor', 'ops')
export class TokensConsoleController {
  constructor(private readonly accounts: AccountsService) {}

  @Get()
  async list(@Req() req: Request, @Res() res: Response): Promise<void> {
    sendPage(
      res,
      200,
      tokensPage(req, await this.view(req.principal!), { notice: noticeFrom(req, TOKEN_NOTICES) }),
    );
  }

  @Post()
  async create(@Req() req: Request, @Res() res: Response): Promise<void> {
    const p = req.principal!;
    let name = '';
    let validUntil = '';
    try {
      name = formField(req, 'name', API_TOKEN_NAME_MAX_LENGTH);
      validUntil = formField(req, 'validUntil', 10, 'Valid until').trim();
      // a token must not mint its successor: only a signed-in person creates tokens
      if (p.via !== 'session' || p.userId === undefined) throw new SessionRequiredError(TOKEN_NEEDS_SESSION);
      const created = await this.accounts.createApiToken(p.userId, name, endOfDay(validUntil));
      sendPage(res, 201, tokenCreatedPage(req, created));
    } catch (err) {
      const status = err instanceof SessionRequiredError ? 403 : refusalStatus(err);
      if (status === undefined || !(err instanceof Error)) throw err;
      sendPage(res, status, tokensPage(req, await this.view(p), { error: err.message, name, validUntil }));
    }
  }

  @Post(':id/revoke')
  async revoke(@Param('id') rawId: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    const p = req.principal!;
    const id = parseId(rawId);
    try {
      if (id === undefined) throw new FormInputError('Token not found');
      // a token of someone else is "not found" to a non-admin
      await this.accounts.revokeApiToken(id, p.role === UserRole.Admin ? undefined : p.userId);
      res.redirect(303, '/admin/tokens?notice=token-revoked');
    } catch (err) {
      const status = id === undefined ? 404 : refusalStatus(err);
      if (status === undefined || !(err instanceof Error)) throw err;
      if (status === 404) {
        sendPage(res, 404, tokenNotFoundPage(req, err.message));
        return;
      }
      sendPage(res, status, tokensPage(req, await this.view(p), { error: err.message }));
    }
  }

  private async view(p: Principal): Promise<TokensView> {
    if (p.userId === undefined) {
      // the bootstrap token: no tokens of its own, every token listed (as GET /api/admin/tokens does)
      return { own: await this.accounts.listApiTokens(), canCreate: false };
    }
    const canCreate = p.via === 'session';
    if (p.role !== UserRole.Admin) {
      return { own: await this.accounts.listApiTokens(p.userId), canCreate };
    }
    const [all, users] = await Promise.all([this.accounts.listApiTokens(), this.accounts.listUsers()]);
    return {
      own: all.filter((t) => t.userId === p.userId),
      others: {
        tokens: all.filter((t) => t.userId !== p.userId),
        owners: new Map(users.map((u) => [u.id, u.email])),
      },
      canCreate,
    };
  }
}
