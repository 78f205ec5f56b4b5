import { type ArgumentsHost, Catch, type ExceptionFilter, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { html } from '../pages/html';
import { sendPage } from '../pages/send-page';
import { answerFor, logAnswer, messageText } from './error-answer';

/**
 * Every error leaves as a short JSON (or, for a browser asking for a page outside /api, a reader page) with a
 * message; never a stack trace. The domain's errors are mapped here for the API, by kind (answerFor); the
 * console's pages have their own filter (ConsoleExceptionFilter) over the same reading.
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('HTTP');

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const res = ctx.getResponse<Response>();
    const req = ctx.getRequest<Request>();
    if (res.headersSent) return;

    const answer = answerFor(exception);
    logAnswer(this.logger, exception, answer, req.path);
    if (answer.retryAfterSeconds !== undefined)
      res.setHeader('Retry-After', String(answer.retryAfterSeconds));
    const wantsHtml = !req.path.startsWith('/api/') && (req.headers.accept ?? '').includes('text/html');
    if (wantsHtml) {
      const title = `Error ${answer.status}`;
      sendPage(res, answer.status, {
        layout: 'reader',
        title,
        body: html`<h1>${title}</h1>
          <p role="alert">${messageText(answer)}</p>`,
      });
      return;
    }
    // type() first: a handler may have set another Content-Type already, which json() would keep.
    res
      .status(answer.status)
      .type('application/json')
      .json({ statusCode: answer.status, message: answer.message, ...answer.details });
  }
}
