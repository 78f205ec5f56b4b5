import {
  type ArgumentsHost,
  Catch,
  type ExceptionFilter,
  HttpException,
  HttpStatus,
  Logger,
} from '@nestjs/common';
import { DOMAIN_ERROR_STATUS, DomainError } from '@app/core';
import type { Request, Response } from 'express';
import { QueryFailedError } from 'typeorm';

/** Postgres/Redis being unreachable is a temporary condition the client can retry: 503, not 500. */
function isUnavailable(err: unknown): boolean {
  const e = err as { code?: string; message?: string; name?: string };
  const codes = [
    'ECONNREFUSED',
    'ECONNRESET',
    'ETIMEDOUT',
    'EPIPE',
    '57P01',
    '57P02',
    '57P03',
    '08006',
    '08001',
    '08003',
  ];
  if (e.code && codes.includes(e.code)) return true;
  return /Connection terminated|connection timeout|Connection is closed|ECONNREFUSED|timeout exceeded when trying to connect|MaxRetriesPerRequest|Stream isn't writeable/i.test(
    e.message ?? '',
  );
}

/**
 * Every error leaves as a short JSON (or HTML page for browsers) with a message; never a stack trace.
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('HTTP');

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const res = ctx.getResponse<Response>();
    const req = ctx.getRequest<Request>();
    if (res.headersSent) return;

    let status: number = HttpStatus.INTERNAL_SERVER_ERROR;
    let message: string | string[] = 'Internal server error';
    let extra: Record<string, unknown> = {};
    if (exception instanceof DomainError) {
      // The one mapping of the domain's errors for the API: status by kind, the message, and the fields a
      // client can act on (a draft's line, a conflicting campaign's id).
      status = DOMAIN_ERROR_STATUS[exception.kind];
      message = exception.message;
      extra = { ...exception.details };
      if (exception.retryAfterSeconds !== undefined) {
        res.setHeader('Retry-After', String(exception.retryAfterSeconds));
      }
    } else if (exception instanceof HttpException) {
      status = exception.getStatus();
      const body = exception.getResponse();
      if (typeof body === 'string') message = body;
      else {
        const { message: m, statusCode: _s, error: _e, ...rest } = body as Record<string, unknown>;
        message = (m as string | string[] | undefined) ?? exception.message;
        extra = rest;
      }
    } else if (isUnavailable(exception)) {
      status = HttpStatus.SERVICE_UNAVAILABLE;
      message = 'Service temporarily unavailable, please retry shortly';
      res.setHeader('Retry-After', '5');
    } else if (
      exception instanceof QueryFailedError &&
      /invalid input syntax|out of range/i.test(exception.message)
    ) {
      status = HttpStatus.BAD_REQUEST;
      message = 'Invalid parameter';
    } else if (exception instanceof QueryFailedError && ['22P05', '22021'].includes(pgCode(exception))) {
      // Text PostgreSQL cannot store (a NUL character, \u0000 in JSON): the input's fault, not the server's.
      status = HttpStatus.BAD_REQUEST;
      message = 'Text must not contain NUL (\\u0000) characters';
    } else {
      const e = exception as { type?: string; status?: number; statusCode?: number; message?: string };
      // body-parser errors (too large, malformed JSON, bad charset) carry their own 4xx status
      const s = e.status ?? e.statusCode;
      if (typeof s === 'number' && s >= 400 && s < 500) {
        status = s;
        message =
          e.type === 'entity.too.large'
            ? 'Request body too large'
            : e.type === 'entity.parse.failed'
              ? 'Malformed request body'
              : (e.message ?? 'Bad request');
      }
    }
    if (status === 503 && !(exception instanceof HttpException)) {
      // An outage of PostgreSQL or Redis: one line per request, not a stack trace each.
      this.logger.warn(
        { path: req.path, cause: (exception as { message?: string }).message },
        'Dependency unavailable',
      );
    } else if (status >= 500 && status !== 503) {
      this.logger.error({ err: exception, path: req.path }, 'Unhandled error');
    }
    const wantsHtml = !req.path.startsWith('/api/') && (req.headers.accept ?? '').includes('text/html');
    if (wantsHtml) {
      const text = Array.isArray(message) ? message.join('; ') : message;
      res
        .status(status)
        .type('html')
        .send(
          `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Error ${status}</title></head>` +
            `<body><main><h1>Error ${status}</h1><p>${escapeHtml(text)}</p></main></body></html>`,
        );
      return;
    }
    // type() first: a handler's @Header may have set text/html already, which json() would keep.
    res
      .status(status)
      .type('application/json')
      .json({ statusCode: status, message, ...extra });
  }
}

function pgCode(err: unknown): string {
  const e = err as { code?: unknown; driverError?: { code?: unknown } };
  const code = e.code ?? e.driverError?.code;
  return typeof code === 'string' ? code : '';
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
