import { type ArgumentsHost, Catch, type ExceptionFilter, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { loginRedirect, wantsHtml } from '../auth/admin-auth.guard';
import { answerFor, type ErrorAnswer, logAnswer, messageText } from '../common/error-answer';
import { html, type SafeHtml } from '../pages/html';
import { sendPage } from '../pages/send-page';
import { FormError } from './console-forms';
import { type ConsolePage, consolePage, type ConsoleSection, sectionsFor } from './console.layout';

const HEADINGS: Record<number, string> = {
  400: 'This request cannot be used',
  401: 'Sign in first',
  403: 'Not allowed',
  404: 'Not found',
  409: 'Not possible now',
  413: 'Too large',
  415: 'Wrong kind of upload',
  422: 'Cannot be used as it is',
  429: 'Too many requests',
  503: 'Temporarily unavailable',
};

const CONSOLE_SECTIONS: readonly string[] = [
  'home',
  'editions',
  'campaigns',
  'subscribers',
  'feedback',
  'users',
  'tokens',
];

/** The section a console path belongs to, among those the principal may open (none when signed out). */
function sectionOf(req: Request): { section: string; href: string; label: string } | undefined {
  return sectionsFor(req).find(
    (s) => s.section !== 'home' && (req.path === s.href || req.path.startsWith(`${s.href}/`)),
  );
}

/** Where to go from an error: the section's list (if the principal may open it) and the dashboard. */
function wayBack(req: Request): SafeHtml {
  if (!req.principal) return html`<p><a href="/admin/login">Sign in to the console</a></p>`;
  const here = sectionOf(req);
  return html`<p>
    ${here ? html`<a href="${here.href}">Back to ${here.label}</a> · ` : ''}<a href="/admin">Dashboard</a>
  </p>`;
}

/** Any console error as a page in the console layout: what happened, why, and a way back. */
export function consoleErrorPage(req: Request, answer: ErrorAnswer): ConsolePage {
  const heading = HEADINGS[answer.status] ?? (answer.status >= 500 ? 'Something went wrong' : 'Refused');
  const section = sectionOf(req)?.section;
  return consolePage(
    req,
    heading,
    html`<h1>${heading}</h1>
      ${wayBack(req)}`,
    {
      section: section && CONSOLE_SECTIONS.includes(section) ? (section as ConsoleSection) : undefined,
      error: messageText(answer),
    },
  );
}

/**
 * Every error of a console page (controllers under /admin, through @ConsoleController) leaves here: a form
 * shown again with its refusal (FormError, from submitForm), or a console page for the status (400, 403,
 * 404, 409, 422, 429, 5xx) with the message and a link back to the section and the dashboard. A browser
 * without a session is sent to the sign-in form, as AdminAuthGuard does for page requests. The statuses and
 * messages come from the same reading as the JSON API's (answerFor).
 */
@Catch()
export class ConsoleExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('HTTP');

  catch(exception: unknown, host: ArgumentsHost): void {
    const req = host.switchToHttp().getRequest<Request>();
    const res = host.switchToHttp().getResponse<Response>();
    if (res.headersSent) return;
    if (exception instanceof FormError) {
      this.send(res, exception.answer, exception.page);
      return;
    }
    const answer = answerFor(exception);
    logAnswer(this.logger, exception, answer, req.path);
    if (answer.status === 401 && wantsHtml(req)) {
      res.redirect(303, loginRedirect(req));
      return;
    }
    this.send(res, answer, consoleErrorPage(req, answer));
  }

  private send(res: Response, answer: ErrorAnswer, page: ConsolePage): void {
    if (answer.retryAfterSeconds !== undefined)
      res.setHeader('Retry-After', String(answer.retryAfterSeconds));
    sendPage(res, answer.status, page);
  }
}
