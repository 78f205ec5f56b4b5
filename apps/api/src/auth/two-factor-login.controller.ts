import { AppConfig } from '@app/config';
import { AccountsService, TwoFactorService } from '@app/core/accounts';
import { Get, Post, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { answerFor, messageText } from '../common/error-answer';
import { ConsoleController } from '../console/console-controller.decorator';
import { FormText, readForm } from '../console/console-forms';
import { html, type SafeHtml } from '../pages/html';
import { readerPage } from '../pages/layout';
import { sendPage } from '../pages/send-page';
import { LoginQuery, safeNext, SIGN_IN_UNAVAILABLE } from './console-auth.controller';
import { ConsoleSessions } from './console-sessions';
import { loginCsrfToken, loginCsrfValid } from './login-csrf';
import { LoginThrottle } from './login-throttle';
import { Public } from './roles.decorator';
import { CSRF_FIELD } from './session-cookie';
import { type PendingSignIn, type PendingStage, readPending } from './two-factor-pending';
import { codeField, enrolmentPanel, recoveryCodesPanel } from './two-factor.pages';

/** POST /admin/login/two-factor and /admin/login/enrol */
export class SecondFactorForm {
  @FormText(CSRF_FIELD, 100)
  [CSRF_FIELD]?: string;

  @FormText('next', 2000)
  next?: string;

  @FormText('code', 64, { secret: true })
  code?: string;
}

const WRONG_CODE = 'That code is not right, or it was used already. Try the next code your app shows.';
const EXPIRED = 'Your sign-in took too long. Please sign in again.';

/**
 * The second step of console sign-in, between the password (which left a signed pending cookie) and the
 * session: the code page, or (REQUIRE_2FA, no factor yet) the set-up page, which shows the QR code and then
 * the recovery codes once. Wrong codes count as failed sign-ins in LoginThrottle, like wrong passwords.
 */
@ConsoleController('admin/login')
export class TwoFactorLoginController {
  constructor(
    private readonly config: AppConfig,
    private readonly accounts: AccountsService,
    private readonly twoFactor: TwoFactorService,
    private readonly throttle: LoginThrottle,
    private readonly sessions: ConsoleSessions,
  ) {}

  @Get('two-factor')
  @Public()
  async codePage(@Req() req: Request, @Res() res: Response): Promise<void> {
    const next = safeNext((await readForm(LoginQuery, req.query)).next);
    if (!this.pendingOr(req, res, 'verify')) return;
    this.renderCode(req, res, 200, next);
  }

  @Post('two-factor')
  @Public()
  async submitCode(@Req() req: Request, @Res() res: Response): Promise<void> {
    const form = await this.readSecondFactor(req, res, 'verify');
    if (!form) return;
    const { pending, next, code } = form;
    const email = (await this.accounts.getUser(pending.userId)).email;
    const outcome = await this.throttle.attempt(this.clientIp(req), email, async () =>
      (await this.twoFactor.verify(pending.userId, code)) ? pending.userId : undefined,
    );
    if ('unavailable' in outcome) {
      res.setHeader('Retry-After', '30');
      this.renderCode(req, res, 503, next, SIGN_IN_UNAVAILABLE);
      return;
    }
    if ('refusedFor' in outcome) {
      res.setHeader('Retry-After', String(outcome.refusedFor));
      const wait = `Too many sign-in attempts. Please wait ${outcome.refusedFor} seconds and try again.`;
      this.renderCode(req, res, 429, next, wait);
      return;
    }
    if (outcome.user === undefined) {
      this.renderCode(req, res, 401, next, WRONG_CODE);
      return;
    }
    await this.sessions.start(req, res, pending.userId);
    res.redirect(303, next);
  }

  @Get('enrol')
  @Public()
  async enrolPage(@Req() req: Request, @Res() res: Response): Promise<void> {
    const next = safeNext((await readForm(LoginQuery, req.query)).next);
    const pending = this.pendingOr(req, res, 'enrol');
    if (!pending) return;
    await this.renderEnrol(req, res, 200, pending, next);
  }

  @Post('enrol')
  @Public()
  async confirmEnrol(@Req() req: Request, @Res() res: Response): Promise<void> {
    const form = await this.readSecondFactor(req, res, 'enrol');
    if (!form) return;
    const { pending, next, code } = form;
    const email = (await this.accounts.getUser(pending.userId)).email;
    let refusal: string | undefined;
    const outcome = await this.throttle.attempt(this.clientIp(req), email, async () => {
      try {
        return await this.twoFactor.confirmEnrolment(pending.userId, code);
      } catch (err) {
        refusal = messageText(answerFor(err));
        return undefined;
      }
    });
    if ('unavailable' in outcome) {
      res.setHeader('Retry-After', '30');
      await this.renderEnrol(req, res, 503, pending, next, SIGN_IN_UNAVAILABLE);
      return;
    }
    if ('refusedFor' in outcome) {
      res.setHeader('Retry-After', String(outcome.refusedFor));
      const wait = `Too many sign-in attempts. Please wait ${outcome.refusedFor} seconds and try again.`;
      await this.renderEnrol(req, res, 429, pending, next, wait);
      return;
    }
    if (outcome.user === undefined) {
      await this.renderEnrol(req, res, 400, pending, next, refusal ?? WRONG_CODE);
      return;
    }
    await this.sessions.start(req, res, pending.userId);
    sendPage(
      res,
      200,
      readerPage(
        'Your recovery codes',
        html`<h1>Two-factor sign-in is on</h1>
          ${recoveryCodesPanel(outcome.user)}
          <p><a class="button" href="${next}">I have saved them: continue to the console</a></p>`,
      ),
    );
  }

  /** The form of a second-step POST, or undefined when an answer was sent (bad form, CSRF, no pending). */
  private async readSecondFactor(
    req: Request,
    res: Response,
    stage: PendingStage,
  ): Promise<{ pending: PendingSignIn; next: string; code: string } | undefined> {
    let form: SecondFactorForm;
    try {
      form = await readForm(SecondFactorForm, req.body);
    } catch (err) {
      this.backToLogin(res, '/admin', 400, messageText(answerFor(err)));
      return undefined;
    }
    const next = safeNext(form.next);
    const pending = readPending(this.config, req, stage);
    if (!pending) {
      this.backToLogin(res, next, 401, EXPIRED);
      return undefined;
    }
    if (!loginCsrfValid(req, form[CSRF_FIELD])) {
      this.backToLogin(res, next, 403, 'This form has expired. Please sign in again.');
      return undefined;
    }
    return { pending, next, code: form.code ?? '' };
  }

  /** The pending sign-in of `stage`, or undefined after sending the browser back to the password page. */
  private pendingOr(req: Request, res: Response, stage: PendingStage): PendingSignIn | undefined {
    const pending = readPending(this.config, req, stage);
    if (!pending) res.redirect(303, '/admin/login');
    return pending;
  }

  private backToLogin(res: Response, next: string, status: number, message: string): void {
    const again = `/admin/login?next=${encodeURIComponent(next)}`;
    sendPage(
      res,
      status,
      readerPage(
        'Sign in again',
        html`<h1>Sign in again</h1>
          <p class="error" role="alert">${message}</p>
          <p><a href="${again}">Back to sign-in</a></p>`,
      ),
    );
  }

  private clientIp(req: Request): string {
    return req.ip ?? req.socket.remoteAddress ?? 'unknown';
  }

  private renderCode(req: Request, res: Response, status: number, next: string, error?: string): void {
    const token = loginCsrfToken(this.config, req, res);
    sendPage(
      res,
      status,
      readerPage(
        'Two-factor sign-in',
        html`<h1>Two-factor sign-in</h1>
          ${error ? html`<p class="error" role="alert">${error}</p>` : ''}
          <form method="post" action="/admin/login/two-factor" class="card">
            ${this.hidden(token, next)}
            ${codeField(
              'Code',
              'The 6-digit code from your authenticator app, or one of your recovery codes.',
              true,
            )}
            <button type="submit">Sign in</button>
          </form>
          <p class="small"><a href="/admin/login">Start again</a></p>`,
      ),
    );
  }

  private async renderEnrol(
    req: Request,
    res: Response,
    status: number,
    pending: PendingSignIn,
    next: string,
    error?: string,
  ): Promise<void> {
    const token = loginCsrfToken(this.config, req, res);
    const enrolment = await this.twoFactor.beginEnrolment(pending.userId);
    sendPage(
      res,
      status,
      readerPage(
        'Set up two-factor sign-in',
        html`<h1>Set up two-factor sign-in</h1>
          <p>This service asks every console user for a code from their phone as well as the password.</p>
          ${error ? html`<p class="error" role="alert">${error}</p>` : ''} ${await enrolmentPanel(enrolment)}
          <form method="post" action="/admin/login/enrol" class="card">
            ${this.hidden(token, next)} ${codeField('Code from the app', 'The 6 digits it shows now.')}
            <button type="submit">Turn on and sign in</button>
          </form>`,
      ),
    );
  }

  private hidden(token: string, next: string): SafeHtml {
    return html`<input type="hidden" name="${CSRF_FIELD}" value="${token}" />
      <input type="hidden" name="next" value="${next}" />`;
  }
}
