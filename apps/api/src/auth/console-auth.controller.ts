import { AppConfig } from '@app/config';
import { AccountsService, TwoFactorService } from '@app/core/accounts';
import { Get, Post, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { answerFor, messageText } from '../common/error-answer';
import { ConsoleController } from '../console/console-controller.decorator';
import { FormText, readForm } from '../console/console-forms';
import { html } from '../pages/html';
import { readerPage } from '../pages/layout';
import { sendPage } from '../pages/send-page';
import { loginCsrfToken, loginCsrfValid } from './login-csrf';
import { LoginThrottle } from './login-throttle';
import { Public, Roles } from './roles.decorator';
import { RequestAuthenticator } from './request-authenticator';
import { ConsoleSessions } from './console-sessions';
import { cookieOptions, CSRF_FIELD, SESSION_COOKIE } from './session-cookie';
import { setPending } from './two-factor-pending';

const GENERIC_FAILURE = 'Invalid email or password.';
/** Redis (which holds the sign-in limits) is away: sign-in is refused rather than left unlimited. */
export const SIGN_IN_UNAVAILABLE =
  'Sign-in is unavailable for a moment: the service cannot reach its rate-limit store. Please try again shortly.';

/** Only paths inside the console: never an absolute or protocol-relative URL (open redirect). */
export function safeNext(next: unknown): string {
  if (typeof next !== 'string' || next.length > 2000) return '/admin';
  if (!/^\/admin(?:[/?#]|$)/.test(next) || /[\\\s]/.test(next) || next.startsWith('/admin/login'))
    return '/admin';
  return next;
}

/** GET /admin/login */
export class LoginQuery {
  @FormText('next', 2000)
  next?: string;
}

/** POST /admin/login: the double-submit token, where to go next, and the credentials. */
export class LoginForm {
  @FormText(CSRF_FIELD, 100)
  [CSRF_FIELD]?: string;

  @FormText('next', 2000)
  next?: string;

  @FormText('email', 254)
  email?: string;

  @FormText('password', 1024, { secret: true })
  password?: string;
}

/**
 * Console sign-in and sign-out. The login form is protected by a double-submit token (cookie + hidden field)
 * because there is no session yet; every later form uses the session's token. Failures answer with the same
 * page whatever went wrong, so the form does not reveal which emails have accounts.
 */
@ConsoleController('admin')
export class ConsoleAuthController {
  constructor(
    private readonly config: AppConfig,
    private readonly accounts: AccountsService,
    private readonly authenticator: RequestAuthenticator,
    private readonly throttle: LoginThrottle,
    private readonly twoFactor: TwoFactorService,
    private readonly sessions: ConsoleSessions,
  ) {}

  @Get('login')
  @Public()
  async loginForm(@Req() req: Request, @Res() res: Response): Promise<void> {
    const q = await readForm(LoginQuery, req.query);
    const signedIn = await this.authenticator.authenticate(req).catch(() => undefined);
    if (signedIn?.via === 'session') {
      res.redirect(303, safeNext(q.next));
      return;
    }
    this.renderForm(req, res, 200, safeNext(q.next));
  }

  @Post('login')
  @Public()
  async login(@Req() req: Request, @Res() res: Response): Promise<void> {
    let form: LoginForm;
    try {
      form = await readForm(LoginForm, req.body);
    } catch (err) {
      this.renderForm(req, res, 400, '/admin', messageText(answerFor(err)));
      return;
    }
    const next = safeNext(form.next);
    if (!loginCsrfValid(req, form[CSRF_FIELD])) {
      this.renderForm(req, res, 403, next, 'This form has expired. Please sign in again.', true);
      return;
    }
    const email = form.email ?? '';
    const password = form.password ?? '';
    const outcome = await this.throttle.attempt(
      req.ip ?? req.socket.remoteAddress ?? 'unknown',
      email,
      async () => {
        const user = email && password ? await this.accounts.verifyPassword(email, password) : undefined;
        return user && { ...user, secondFactor: await this.secondFactorStage(user.userId) };
      },
      { completesSignIn: (u) => u.secondFactor === undefined },
    );
    if ('unavailable' in outcome) {
      res.setHeader('Retry-After', '30');
      this.renderForm(req, res, 503, next, SIGN_IN_UNAVAILABLE);
      return;
    }
    if ('refusedFor' in outcome) {
      const wait = outcome.refusedFor;
      res.setHeader('Retry-After', String(wait));
      this.renderForm(
        req,
        res,
        429,
        next,
        `Too many sign-in attempts. Please wait ${wait} seconds and try again.`,
      );
      return;
    }
    const user = outcome.user;
    if (!user) {
      this.renderForm(req, res, 401, next, GENERIC_FAILURE);
      return;
    }
    if (user.secondFactor !== undefined) {
      // not signed in yet: a short-lived signed note of the right password, for the code (or set-up) page
      setPending(this.config, res, { userId: user.userId, stage: user.secondFactor });
      const page = user.secondFactor === 'verify' ? 'two-factor' : 'enrol';
      res.redirect(303, `/admin/login/${page}?next=${encodeURIComponent(next)}`);
      return;
    }
    await this.sessions.start(req, res, user.userId);
    res.redirect(303, next);
  }

  /** What follows a right password: a code (factor set up), set-up (REQUIRE_2FA), or nothing. */
  private async secondFactorStage(userId: number): Promise<'verify' | 'enrol' | undefined> {
    if (await this.twoFactor.isEnabled(userId)) return 'verify';
    return this.twoFactor.required ? 'enrol' : undefined;
  }

  @Post('logout')
  @Roles('admin', 'editor', 'ops')
  async logout(@Req() req: Request, @Res() res: Response): Promise<void> {
    const token = (req.cookies as Record<string, unknown>)[SESSION_COOKIE];
    if (typeof token === 'string') await this.accounts.deleteSession(token);
    res.clearCookie(SESSION_COOKIE, cookieOptions(this.config));
    res.redirect(303, '/admin/login');
  }

  private renderForm(
    req: Request,
    res: Response,
    status: number,
    next: string,
    error?: string,
    renewToken = false,
  ): void {
    const token = loginCsrfToken(this.config, req, res, renewToken);
    sendPage(
      res,
      status,
      readerPage(
        'Sign in',
        html`<h1>Sign in to the console</h1>
          ${error ? html`<p class="error" role="alert">${error}</p>` : ''}
          <form method="post" action="/admin/login" class="card">
            <input type="hidden" name="${CSRF_FIELD}" value="${token}" />
            <input type="hidden" name="next" value="${next}" />
            <label for="email">Email</label>
            <input id="email" name="email" type="email" autocomplete="username" required maxlength="254" />
            <label for="password">Password</label>
            <input id="password" name="password" type="password" autocomplete="current-password" required />
            <button type="submit">Sign in</button>
          </form>`,
      ),
    );
  }
}
