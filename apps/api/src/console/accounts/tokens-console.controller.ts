import { AccountsService } from '@app/core/accounts';
import { UserRole } from '@app/database';
import { Get, Post, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { Principal } from '../../auth/principal';
import { Roles, SessionOnly } from '../../auth/roles.decorator';
import { TOKEN_NEEDS_SESSION } from '../../auth/tokens.controller';
import { messageText } from '../../common/error-answer';
import { IdParam } from '../../common/parse-id.pipe';
import { sendPage } from '../../pages/send-page';
import { ConsoleController } from '../console-controller.decorator';
import { NoticeQuery, noticeFrom, readForm, submitForm, typed } from '../console-forms';
import { CreateTokenForm, endOfDay } from './account.forms';
import { TOKEN_NOTICES, tokenCreatedPage, tokensPage, type TokensView } from './tokens.pages';

/**
 * Console pages for personal API tokens, like the JSON API (TokensController): everyone manages their own;
 * admins also see and may revoke everyone else's. A new token's value is on the creation page only.
 */
@ConsoleController('admin/tokens')
@Roles('admin', 'editor', 'ops')
export class TokensConsoleController {
  constructor(private readonly accounts: AccountsService) {}

  @Get()
  async list(@Req() req: Request, @Res() res: Response): Promise<void> {
    const q = await readForm(NoticeQuery, req.query);
    sendPage(
      res,
      200,
      tokensPage(req, await this.view(req.principal!), { notice: noticeFrom(TOKEN_NOTICES, q.notice) }),
    );
  }

  /** A token must not mint its successor: only a signed-in person creates tokens (as in the API). */
  @Post()
  @SessionOnly(TOKEN_NEEDS_SESSION)
  async create(@Req() req: Request, @Res() res: Response): Promise<void> {
    const p = req.principal!;
    await submitForm(
      res,
      async () => {
        const form = await readForm(CreateTokenForm, req.body);
        const expiresAt = endOfDay(form.validUntil?.trim() ?? '');
        const created = await this.accounts.createApiToken(p.userId!, form.name ?? '', expiresAt);
        return { status: 201, page: tokenCreatedPage(req, created) };
      },
      async (refusal) =>
        tokensPage(req, await this.view(p), {
          error: messageText(refusal),
          name: typed(req, 'name', 200),
          validUntil: typed(req, 'validUntil', 10),
        }),
    );
  }

  @Post(':id/revoke')
  async revoke(@IdParam() id: number, @Req() req: Request, @Res() res: Response): Promise<void> {
    const p = req.principal!;
    await submitForm(
      res,
      async () => {
        // a token of someone else is "not found" to a non-admin
        await this.accounts.revokeApiToken(id, p.role === UserRole.Admin ? undefined : p.userId);
        return '/admin/tokens?notice=token-revoked';
      },
      async (refusal) => tokensPage(req, await this.view(p), { error: messageText(refusal) }),
    );
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
