import type { Subscriber } from '@app/database';
import { SubscriptionInputError, SubscriptionService, TokenPurpose } from '@app/core';
import { Body, Controller, Get, HttpCode, Post, Query, Req, Res, UseGuards } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ThrottlerGuard } from '@nestjs/throttler';
import type { Request, Response } from 'express';
import { evidence } from './request-evidence';
import { publicationOf } from '../pages/publication';
import { sendPage } from '../pages/send-page';
import { EraseFormDto, NameFormDto, TokenFormDto } from './subscribe.dto';
import { erasedPage, goneLinkPage, invalidLinkPage, preferencesPage } from './subscription.pages';

/**
 * The reader's own page, reached with the preferences link of any email: name, unsubscribe/resubscribe,
 * download my data, erase me. The token in each form is the only credential (no cookies, so no CSRF).
 */
@ApiTags('subscriptions')
@Controller('preferences')
@UseGuards(ThrottlerGuard)
export class PreferencesController {
  constructor(private readonly subscriptions: SubscriptionService) {}

  @Get()
  @ApiOperation({ summary: 'Preferences page' })
  async page(@Query('token') token: unknown, @Res() res: Response): Promise<void> {
    const s = await this.resolve(token, res);
    if (s) this.show(res, 200, String(token), s);
  }

  @Post('name')
  @HttpCode(200)
  async name(@Body() dto: NameFormDto, @Req() req: Request, @Res() res: Response): Promise<void> {
    const s = await this.resolve(dto.token, res);
    if (!s) return;
    try {
      await this.subscriptions.updateName(s.id, dto.name ?? null, evidence(req, 'preferences'));
    } catch (err) {
      if (err instanceof SubscriptionInputError)
        return this.show(res, 400, dto.token, s, { error: err.message });
      throw err;
    }
    await this.reshow(res, dto.token, s.id, 'Your name has been saved.');
  }

  @Post('unsubscribe')
  @HttpCode(200)
  async unsubscribe(@Body() dto: TokenFormDto, @Req() req: Request, @Res() res: Response): Promise<void> {
    const s = await this.resolve(dto.token, res);
    if (!s) return;
    await this.subscriptions.unsubscribe(s.id, evidence(req, 'preferences'));
    await this.reshow(res, dto.token, s.id, 'You have been unsubscribed.');
  }

  @Post('resubscribe')
  @HttpCode(200)
  async resubscribe(@Body() dto: TokenFormDto, @Req() req: Request, @Res() res: Response): Promise<void> {
    const s = await this.resolve(dto.token, res);
    if (!s) return;
    await this.subscriptions.resubscribe(s.id, evidence(req, 'preferences'));
    await this.reshow(res, dto.token, s.id, 'Welcome back: you are subscribed again.');
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

  private async resolve(token: unknown, res: Response): Promise<Subscriber | undefined> {
    const found = await this.subscriptions.lookup(token, TokenPurpose.Preferences);
    if (found.ok) return found.subscriber;
    if (found.reason === 'gone') sendPage(res, 404, goneLinkPage(publicationOf(res)));
    else sendPage(res, 400, invalidLinkPage(publicationOf(res)));
    return undefined;
  }

  private async reshow(res: Response, token: string, id: number, notice: string): Promise<void> {
    const found = await this.subscriptions.lookup(token, TokenPurpose.Preferences);
    if (!found.ok || found.subscriber.id !== id) return sendPage(res, 404, goneLinkPage(publicationOf(res)));
    this.show(res, 200, token, found.subscriber, { notice });
  }

  private show(
    res: Response,
    status: number,
    token: string,
    s: Subscriber,
    extra: { notice?: string; error?: string } = {},
  ): void {
    sendPage(
      res,
      status,
      preferencesPage({ token, email: s.email, name: s.name, status: s.status, ...extra }),
    );
  }
}
