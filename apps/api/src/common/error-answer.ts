import { HttpException, HttpStatus, type Logger } from '@nestjs/common';
import { DOMAIN_ERROR_STATUS, DomainError } from '@app/core';
import { QueryFailedError } from 'typeorm';

/** What an error answers, whatever the surface draws it as (JSON for the API, a page for people). */
export interface ErrorAnswer {
  status: number;
  message: string | string[];
  /** Extra fields a client can act on (a draft's line, a conflicting campaign's id); JSON adds them. */
  details: Record<string, unknown>;
  retryAfterSeconds?: number;
}

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

function pgCode(err: unknown): string {
  const e = err as { code?: unknown; driverError?: { code?: unknown } };
  const code = e.code ?? e.driverError?.code;
  return typeof code === 'string' ? code : '';
}

/**
 * The one reading of an error as an answer: the domain's errors by kind (DOMAIN_ERROR_STATUS, message,
 * details, Retry-After), Nest's HTTP exceptions (guards, pipes, DTO validation) as they say, an unreachable
 * PostgreSQL or Redis as 503, input PostgreSQL refuses as 400, body-parser refusals with their 4xx, and
 * anything else as a 500 that says nothing about the internals. AllExceptionsFilter draws it as JSON,
 * ConsoleExceptionFilter as a console page.
 */
export function answerFor(exception: unknown): ErrorAnswer {
  if (exception instanceof DomainError) {
    return {
      status: DOMAIN_ERROR_STATUS[exception.kind],
      message: exception.message,
      details: { ...exception.details },
      retryAfterSeconds: exception.retryAfterSeconds,
    };
  }
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const body = exception.getResponse();
    if (typeof body === 'string') return { status, message: body, details: {} };
    const { message, statusCode: _s, error: _e, ...details } = body as Record<string, unknown>;
    return { status, message: (message as string | string[] | undefined) ?? exception.message, details };
  }
  if (isUnavailable(exception)) {
    return {
      status: HttpStatus.SERVICE_UNAVAILABLE,
      message: 'Service temporarily unavailable, please retry shortly',
      details: {},
      retryAfterSeconds: 5,
    };
  }
  if (exception instanceof QueryFailedError && /invalid input syntax|out of range/i.test(exception.message)) {
    return { status: HttpStatus.BAD_REQUEST, message: 'Invalid parameter', details: {} };
  }
  if (exception instanceof QueryFailedError && ['22P05', '22021'].includes(pgCode(exception))) {
    // Text PostgreSQL cannot store (a NUL character, \u0000 in JSON): the input's fault, not the server's.
    return {
      status: HttpStatus.BAD_REQUEST,
      message: 'Text must not contain NUL (\\u0000) characters',
      details: {},
    };
  }
  const e = exception as { type?: string; status?: number; statusCode?: number; message?: string };
  // body-parser errors (too large, malformed JSON, bad charset) carry their own 4xx status
  const s = e.status ?? e.statusCode;
  if (typeof s === 'number' && s >= 400 && s < 500) {
    const message =
      e.type === 'entity.too.large'
        ? 'Request body too large'
        : e.type === 'entity.parse.failed'
          ? 'Malformed request body'
          : (e.message ?? 'Bad request');
    return { status: s, message, details: {} };
  }
  return { status: HttpStatus.INTERNAL_SERVER_ERROR, message: 'Internal server error', details: {} };
}

/** The message as one line (DTO validation gives a list). */
export function messageText(answer: ErrorAnswer): string {
  return Array.isArray(answer.message) ? answer.message.join('; ') : answer.message;
}

/** An outage is one warning line per request; any other 5xx is logged with its stack; 4xx are not logged. */
export function logAnswer(logger: Logger, exception: unknown, answer: ErrorAnswer, path: string): void {
  if (answer.status === 503 && !(exception instanceof HttpException)) {
    logger.warn({ path, cause: (exception as { message?: string }).message }, 'Dependency unavailable');
  } else if (answer.status >= 500 && answer.status !== 503) {
    logger.error({ err: exception, path }, 'Unhandled error');
  }
}
