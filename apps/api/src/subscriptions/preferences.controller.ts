import { AppConfig } from '@app/config';
import { type SubscriberRecord, SubscriptionInputError, SubscriptionService, TokenPurpose } from '@app/core';
import { Body, Get, HttpCode, Post, Query, Req, Res } from '@nestjs/common';
import { ApiOperation } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { evidence } from './request-evidence';
import { publicationOf } from '../pages/publication';
import { sendPage } from '../pages/send-page';
import { EraseFormDto, NameFormDto, TokenFormDto, UnsubscribeFormDto } from './subscribe.dto';
import { CAMPAIGN_PARAM, campaignParam } from './campaign-param';
import { erasedPage, goneLinkPage, invalidLinkPage, preferencesPage } from './subscription.pages';
import { ReaderController } from './reader-controller.decorator';

/**
 * The reader's own page, reached with the preferences link of any email: name, unsubscribe/resubscribe,
 * download my data, erase me. The token in each form is the only credential (no cookies, so no CSRF).
 */
@ReaderController('preferences')
export class PreferencesController {
  constructor(
    private readonly subscriptions: SubscriptionService,
    private readonly config: AppConfig,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Preferences page' })
  async page(
    @Query('token') token: unknown,
    @Query(CAMPAIGN_PARAM) c: unknown,
    @Res() res: Response,
  ): Promise<void> {
    const s = await this.resolve(token, res);
    if (s) this.show(res, 200, String(token), s, { campaignId: campaignParam(c) });
  }

  @Post('name')
  @HttpCode(200)
  name(@Body() dto: NameFormDto, @Req() req: Request, @Res() res: Response): Promise<void> {
    return this.change(dto.token, res, 'Your name has been saved.', (s) =>
      this.subscriptions.updateName(s.id, dto.name ?? null, evidence(req, 'preferences')),
    );
  }

  @Post('unsubscribe')
  @HttpCode(200)
  unsubscribe(@Body() dto: UnsubscribeFormDto, @Req() req: Request, @Res() res: Response): Promise<void> {
    return this.change(dto.token, res, 'You have been unsubscribed.', (s) =>
      this.subscriptions.unsubscribe(s.id, {
        ...evidence(req, 'preferences'),
        campaignId: campaignParam(dto.c),
      }),
    );
  }

  @Post('resubscribe')
  @HttpCode(200)
  resubscribe(@Body() dto: TokenFormDto, @Req() req: Request, @Res() res: Response): Promise<void> {
    return this.change(dto.token, res, 'Welcome back: you are subscribed again.', (s) =>
      this.subscriptions.resubscribe(s.id, evidence(req, 'preferences')),
    );
  }

  @Post('export')
  @HttpCode(200)
  @ApiOperation({ summary: 'Download my data (JSON attachment)' })
  async export(@Body() dto: TokenFormDto, @Res() res: Response): Promise<void> {
    const s = await this.resolve(dto.token, res);
    if (!s) return;
    const data = await this.subscriptions.exportData(s.id);
    res
      .status(200)
      .setHeader('Cache-Control', 'no-store')
      .setHeader('Content-Disposition', `attachment; filename="${publicationOf(res).slug}-my-data.json"`)
      .type('application/json')
      .send(JSON.stringify(data, null, 2));
  }

  @Post('erase')
  @HttpCode(200)
  @ApiOperation({ summary: 'Erase my personal data (form field confirm=yes)' })
  async erase(@Body() dto: EraseFormDto, @Res() res: Response): Promise<void> {
    const s = await this.resolve(dto.token, res);
    if (!s) return;
    if (dto.confirm !== 'yes') {
      return this.show(res, 400, dto.token, s, { error: 'Tick "I understand" to confirm the erasure.' });
    }
    await this.subscriptions.erase(s.id, { source: 'preferences' });
    sendPage(res, 200, erasedPage(publicationOf(res)));
  }

  private async resolve(token: unknown, res: Response): Promise<SubscriberRecord | undefined> {
    const found = await this.subscriptions.lookup(token, TokenPurpose.Preferences);
    if (found.ok) return found.subscriber;
    if (found.reason === 'gone') sendPage(res, 404, goneLinkPage(publicationOf(res)));
    else sendPage(res, 400, invalidLinkPage(publicationOf(res)));
    return undefined;
  }

  /**
   * One change from the page: the link's subscriber, the change, then the page again as it is now with
   * `notice`; input the domain refuses is shown on the page (400) with its message.
   */
  private async change(
    token: string,
    res: Response,
    notice: string,
    run: (s: SubscriberRecord) => Promise<unknown>,
  ): Promise<void> {
    const s = await this.resolve(token, res);
    if (!s) return;
    try {
      await run(s);
    } catch (err) {
      if (err instanceof SubscriptionInputError) return this.show(res, 400, token, s, { error: err.message });
      throw err;
    }
    const found = await this.subscriptions.lookup(token, TokenPurpose.Preferences);
    if (!found.ok || found.subscriber.id !== s.id)
      return sendPage(res, 404, goneLinkPage(publicationOf(res)));
    this.show(res, 200, token, found.subscriber, { notice });
  }

  private show(
    res: Response,
    status: number,
    token: string,
    s: SubscriberRecord,
    extra: { notice?: string; error?: string; campaignId?: number | null } = {},
  ): void {
    sendPage(
      res,
      status,
      preferencesPage(publicationOf(res), {
        token,
        email: s.email,
        name: s.name,
        status: s.status,
        tracking: this.config.env.TRACKING,
        ...extra,
      }),
    );
  }
}
