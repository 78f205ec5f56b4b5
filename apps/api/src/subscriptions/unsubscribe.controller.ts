import { SubscriptionService, TokenPurpose } from '@app/core';
import { Get, HttpCode, Post, Query, Req, Res } from '@nestjs/common';
import { ApiOperation } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import type { Request, Response } from 'express';
import { isOneClickPost } from './one-click.body';
import { CAMPAIGN_PARAM, campaignParam } from './campaign-param';
import { evidence } from './request-evidence';
import { publicationOf } from '../pages/publication';
import { sendPage } from '../pages/send-page';
import { goneLinkPage, invalidLinkPage, unsubscribedPage, unsubscribePage } from './subscription.pages';
import { ReaderController } from './reader-controller.decorator';

/**
 * The List-Unsubscribe target. GET shows a button; POST unsubscribes at once, including RFC 8058 one-click
 * POSTs from mailbox providers (`List-Unsubscribe=One-Click`, urlencoded or multipart): no cookie, no CSRF
 * token, no redirect, 200, idempotent. Unsubscribe tokens never expire, and grant unsubscribing only: the
 * pages carry no preferences link (see subscription.pages.ts).
 */
@ReaderController('unsubscribe')
export class UnsubscribeController {
  constructor(private readonly subscriptions: SubscriptionService) {}

  @Get()
  @ApiOperation({ summary: 'Unsubscribe page with an "Unsubscribe" button' })
  async page(
    @Query('token') token: unknown,
    @Query(CAMPAIGN_PARAM) c: unknown,
    @Res() res: Response,
  ): Promise<void> {
    const found = await this.subscriptions.lookup(token, TokenPurpose.Unsubscribe);
    if (!found.ok) return this.failure(res, found.reason);
    const s = found.subscriber;
    sendPage(
      res,
      200,
      unsubscribePage(publicationOf(res), {
        token: String(token),
        email: s.email,
        status: s.status,
        campaignId: campaignParam(c),
      }),
    );
  }

  /**
   * Not rate limited: mailbox providers send every one-click unsubscribe of their users from a few addresses,
   * and a refused unsubscribe is worse than the cost of answering. The token's MAC is checked before any write.
   */
  @Post()
  @SkipThrottle()
  @HttpCode(200)
  @ApiOperation({ summary: 'Unsubscribe now (also RFC 8058 one-click: body List-Unsubscribe=One-Click)' })
  async unsubscribe(
    @Query('token') token: unknown,
    @Query(CAMPAIGN_PARAM) c: unknown,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const oneClick = await isOneClickPost(req);
    const found = await this.subscriptions.lookup(token, TokenPurpose.Unsubscribe);
    if (!found.ok) return this.failure(res, found.reason);
    const s = found.subscriber;
    const changed = await this.subscriptions.unsubscribe(s.id, {
      ...evidence(req, oneClick ? 'one-click' : 'unsubscribe-page'),
      campaignId: campaignParam(c),
    });
    sendPage(res, 200, unsubscribedPage(publicationOf(res), !changed));
  }

  private failure(res: Response, reason: 'invalid' | 'gone' | 'expired'): void {
    const pub = publicationOf(res);
    if (reason === 'gone') sendPage(res, 404, goneLinkPage(pub));
    else sendPage(res, 400, invalidLinkPage(pub));
  }
}
