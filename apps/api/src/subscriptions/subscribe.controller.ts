import { AppConfig } from '@app/config';
import { BlockedDomainError, SubscriptionInputError, SubscriptionService } from '@app/core';
import { Body, Get, HttpCode, NotFoundException, Post, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiResponse } from '@nestjs/swagger';
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
import { RequestAuthenticator } from '../auth/request-authenticator';
import { ChallengeRefusedError, CHALLENGE_FIELD, SubscribeChallenge } from './subscribe-challenge';

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
    private readonly challenge: SubscribeChallenge,
    private readonly authenticator: RequestAuthenticator,
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
    sendPage(res, 200, subscribePage(publicationOf(res), { challenge: this.challenge.enabled }));
  }

  /**
   * A proof-of-work challenge for the subscribe forms (the `altcha` widget fetches it, also from forms
   * embedded on other sites: hence CORS, and no cookie is involved).
   */
  @Get('api/subscriptions/challenge')
  @ApiOperation({ summary: 'A fresh ALTCHA proof-of-work challenge (JSON) for a sign-up' })
  @ApiResponse({ status: 404, description: 'SUBSCRIBE_CHALLENGE=off' })
  async newChallenge(@Res({ passthrough: true }) res: Response): Promise<object> {
    if (!this.challenge.enabled) throw new NotFoundException('Sign-ups need no challenge here');
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Access-Control-Allow-Origin', '*');
    res.setHeader('Cross-Origin-Resource-Policy', 'cross-origin');
    return this.challenge.create();
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
    const challenge = this.challenge.enabled;
    if (first)
      return sendPage(res, 400, subscribePage(publicationOf(res), { error: first, challenge, ...shown }));
    try {
      if (challenge) await this.challenge.accept(fields[CHALLENGE_FIELD]);
      await this.accept(dto, formEvidence(req, this.config), res);
    } catch (err) {
      if (
        err instanceof SubscriptionInputError ||
        err instanceof ChallengeRefusedError ||
        err instanceof BlockedDomainError
      ) {
        const page = subscribePage(publicationOf(res), { error: err.message, challenge, ...shown });
        return sendPage(res, err instanceof BlockedDomainError ? 422 : 400, page);
      }
      throw err;
    }
    // The address as the reader gave it (their own input): the page is the same for every address state.
    sendPage(res, 200, checkInboxPage(publicationOf(res), dto.email));
  }

  @Post('api/subscriptions')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Subscribe (JSON). Always 202 with the same message for a valid address.',
    description:
      'While SUBSCRIBE_CHALLENGE=pow, `altcha` must carry a solved challenge from GET ' +
      '/api/subscriptions/challenge (each accepted once), unless the request has a valid bearer API token.',
  })
  @ApiResponse({
    status: 400,
    description: 'Invalid input, or the challenge is missing, wrong, expired or used',
  })
  async api(
    @Body() dto: SubscribeDto,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<{ message: string }> {
    if (this.challenge.enabled && !(await this.hasApiToken(req))) await this.challenge.accept(dto.altcha);
    await this.accept(dto, evidence(req, 'api'), res);
    return { message: SUBSCRIBE_ACCEPTED_MESSAGE };
  }

  /** A script with a bearer token (ADMIN_API_TOKEN or a personal API token) skips the challenge; a wrong one is 401. */
  private async hasApiToken(req: Request): Promise<boolean> {
    if (req.headers.authorization === undefined) return false;
    const principal = await this.authenticator.authenticate(req);
    return principal?.via === 'token' || principal?.via === 'api-token';
  }
}
