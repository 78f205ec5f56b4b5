import { AppConfig } from '@app/config';
import { SubscriptionInputError, SubscriptionService } from '@app/core';
import { Body, Get, HttpCode, Post, Req, Res } from '@nestjs/common';
import { ApiOperation } from '@nestjs/swagger';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import type { Request, Response } from 'express';
import { markSubscribeHoneypot } from '../metrics/http-metrics.middleware';
import { evidence, formEvidence } from './request-evidence';
import { publicationOf } from '../pages/publication';
import { sendPage } from '../pages/send-page';
import { SubscribeDto } from './subscribe.dto';
import { checkInboxPage, subscribePage } from './subscription.pages';
import { ReaderController } from './reader-controller.decorator';

/** Said to every subscriber, new or known, so the answer reveals nothing about the address. */
export const SUBSCRIBE_ACCEPTED_MESSAGE =
  'Thanks! If the address can receive mail, a confirmation link is on its way: please check your inbox. ' +
  'If you are already subscribed, there is nothing more to do.';

const honeypotFilled = (v: unknown): boolean => typeof v === 'string' && v.trim() !== '';

/**
 * Every valid sign-up costs the same (one PostgreSQL statement that writes the address's row whatever its
 * state, plus the confirmation job when one is due), so new and known addresses answer alike without an
 * artificial delay. A filled honeypot does no work at all; it waits as long as a real sign-up has been taking
 * lately, so a bot cannot tell from the timing that it was caught.
 */
class SignupPace {
  private typicalMs = 5;

  async measure(work: Promise<void>): Promise<void> {
    const started = performance.now();
    await work;
    // an exponentially weighted average: follows the load, one slow request moves it little
    this.typicalMs = Math.min(1000, this.typicalMs * 0.9 + (performance.now() - started) * 0.1);
  }

  mimic(): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, this.typicalMs));
  }
}

@ReaderController()
export class SubscribeController {
  private readonly pace = new SignupPace();

  constructor(
    private readonly subscriptions: SubscriptionService,
    private readonly config: AppConfig,
  ) {}

  private accept(
    dto: SubscribeDto,
    ev: Parameters<SubscriptionService['subscribe']>[1],
    res: Response,
  ): Promise<void> {
    if (!honeypotFilled(dto.website)) return this.pace.measure(this.subscriptions.subscribe(dto, ev));
    markSubscribeHoneypot(res);
    return this.pace.mimic();
  }

  @Get()
  @ApiOperation({ summary: 'Hosted subscribe page' })
  page(@Res() res: Response): void {
    sendPage(res, 200, subscribePage(publicationOf(res)));
  }

  /**
   * The hosted form and forms embedded on other sites post here. Validation errors re-render the form with
   * the message; anything valid gets the same "check your inbox" page.
   */
  @Post('subscribe')
  @ApiOperation({ summary: 'Subscribe form (application/x-www-form-urlencoded); answers an HTML page' })
  async form(@Body() body: unknown, @Req() req: Request, @Res() res: Response): Promise<void> {
    const fields = (body !== null && typeof body === 'object' ? body : {}) as Record<string, unknown>;
    const shown = {
      email: typeof fields.email === 'string' ? fields.email : '',
      name: typeof fields.name === 'string' ? fields.name : '',
    };
    const dto = plainToInstance(SubscribeDto, fields);
    // Lenient about extra fields: embedding sites add their own hidden inputs.
    const errors = await validate(dto, { whitelist: true });
    const first = errors.flatMap((e) => Object.values(e.constraints ?? {}))[0];
    if (first) return sendPage(res, 400, subscribePage(publicationOf(res), { error: first, ...shown }));
    try {
      await this.accept(dto, formEvidence(req, this.config), res);
    } catch (err) {
      if (err instanceof SubscriptionInputError)
        return sendPage(res, 400, subscribePage(publicationOf(res), { error: err.message, ...shown }));
      throw err;
    }
    // The address as the reader gave it (their own input): the page is the same for every address state.
    sendPage(res, 200, checkInboxPage(publicationOf(res), dto.email));
  }

  @Post('api/subscriptions')
  @HttpCode(202)
  @ApiOperation({ summary: 'Subscribe (JSON). Always 202 with the same message for a valid address.' })
  async api(
    @Body() dto: SubscribeDto,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<{ message: string }> {
    await this.accept(dto, evidence(req, 'api'), res);
    return { message: SUBSCRIBE_ACCEPTED_MESSAGE };
  }
}
