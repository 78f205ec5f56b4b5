import { SubscriptionService, TokenPurpose, type TokenLookup } from '@app/core';
import { SubscriberStatus } from '@app/database';
import { Body, Get, Post, Query, Req, Res } from '@nestjs/common';
import { ApiOperation } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { evidence } from './request-evidence';
import { sendPage } from '../pages/send-page';
import { publicationOf } from '../pages/publication';
import { TokenFormDto } from './subscribe.dto';
import {
  alreadyConfirmedPage,
  checkInboxPage,
  confirmedPage,
  confirmPage,
  expiredConfirmPage,
  goneLinkPage,
  invalidLinkPage,
  notPendingPage,
} from './subscription.pages';
import { ReaderController } from './reader-controller.decorator';

/**
 * Double opt-in. GET only shows a button (mail scanners fetch links; only a person's click may confirm);
 * POST confirms. Expired links can ask for a fresh one. No answer carries a preferences link (see
 * subscription.pages.ts): a confirm link, expired or not, grants confirming and nothing more.
 */
@ReaderController('confirm')
export class ConfirmController {
  constructor(private readonly subscriptions: SubscriptionService) {}

  @Get()
  @ApiOperation({ summary: 'Confirmation page with one "Confirm subscription" button' })
  async page(@Query('token') token: unknown, @Res() res: Response): Promise<void> {
    const found = await this.subscriptions.lookup(token, TokenPurpose.Confirm);
    if (this.answeredWithoutAction(found, token, res)) return;
    if (!found.ok) return;
    sendPage(res, 200, confirmPage(publicationOf(res), String(token), found.subscriber.email));
  }

  @Post()
  @ApiOperation({ summary: 'Confirm (form field "token")' })
  async confirm(@Body() dto: TokenFormDto, @Req() req: Request, @Res() res: Response): Promise<void> {
    const found = await this.subscriptions.lookup(dto.token, TokenPurpose.Confirm);
    if (this.answeredWithoutAction(found, dto.token, res)) return;
    if (!found.ok) return;
    const outcome = await this.subscriptions.confirm(found.subscriber.id, evidence(req, 'confirm-link'));
    const pub = publicationOf(res);
    if (outcome === 'confirmed') return sendPage(res, 200, confirmedPage(pub));
    if (outcome === 'already-confirmed') return sendPage(res, 200, alreadyConfirmedPage());
    sendPage(res, 410, notPendingPage(pub));
  }

  /** From the "link expired" page: the expired token still names the subscriber, so send a fresh link. */
  @Post('resend')
  @ApiOperation({ summary: 'Send a new confirmation link (form field "token", may be expired)' })
  async resend(@Body() dto: TokenFormDto, @Res() res: Response): Promise<void> {
    const found = await this.subscriptions.lookup(dto.token, TokenPurpose.Confirm);
    const pub = publicationOf(res);
    if (!found.ok && found.reason === 'invalid') return sendPage(res, 400, invalidLinkPage(pub));
    if (!found.ok && found.reason === 'gone') return sendPage(res, 404, goneLinkPage(pub));
    if (!('subscriber' in found)) return;
    const s = found.subscriber;
    if (s.status === SubscriberStatus.Confirmed) return sendPage(res, 200, alreadyConfirmedPage());
    if (s.status !== SubscriberStatus.Pending) return sendPage(res, 410, notPendingPage(pub));
    await this.subscriptions.requestConfirmation(s.id);
    sendPage(res, 200, checkInboxPage(pub, s.email));
  }

  /** Answers every case where the link cannot (or need not) confirm; returns whether it did. */
  private answeredWithoutAction(found: TokenLookup, token: unknown, res: Response): boolean {
    const pub = publicationOf(res);
    if (!found.ok) {
      if (found.reason === 'invalid') sendPage(res, 400, invalidLinkPage(pub));
      else if (found.reason === 'gone') sendPage(res, 404, goneLinkPage(pub));
      else if (found.subscriber.status === SubscriberStatus.Confirmed) {
        sendPage(res, 200, alreadyConfirmedPage());
      } else if (found.subscriber.status === SubscriberStatus.Pending) {
        sendPage(res, 200, expiredConfirmPage(String(token)));
      } else sendPage(res, 410, notPendingPage(pub));
      return true;
    }
    const s = found.subscriber;
    if (s.status === SubscriberStatus.Confirmed) {
      sendPage(res, 200, alreadyConfirmedPage());
      return true;
    }
    if (s.status !== SubscriberStatus.Pending) {
      sendPage(res, 410, notPendingPage(pub));
      return true;
    }
    return false;
  }
}
