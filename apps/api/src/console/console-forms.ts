import type { Type } from '@nestjs/common';
import { registerDecorator, type ValidationArguments } from 'class-validator';
import type { Request, Response } from 'express';
import { answerFor, type ErrorAnswer } from '../common/error-answer';
import { validationPipe } from '../common/validation';
import { sendPage } from '../pages/send-page';
import type { ConsolePage } from './console.layout';

/**
 * A console form that was refused, shown again: `page` is the form with what the user typed and why it was
 * refused. Thrown by submitForm; ConsoleExceptionFilter sends it with the refusal's status (and Retry-After).
 */
export class FormError extends Error {
  constructor(
    readonly answer: ErrorAnswer,
    readonly page: ConsolePage,
  ) {
    super(Array.isArray(answer.message) ? answer.message.join('; ') : answer.message);
    this.name = 'FormError';
  }
}

/** What a form action leads to: a redirect (303) to show the result, or a page of its own (a new token). */
export type FormOutcome = string | { status: number; page: ConsolePage };

/**
 * The one way a console form is handled. `action` validates the form (readForm) and calls the domain; it
 * returns where to go next. If it is refused with a 4xx (a DTO that fails validation, a DomainError, a
 * guard's or pipe's HttpException), `again` draws the form once more with the refusal (its message, and the
 * values the user typed, which the caller keeps), and ConsoleExceptionFilter sends it with the refusal's
 * status. Anything else (a 5xx, a 401) goes to the filter as it is. If `again` itself fails (the thing the
 * form was about is gone: 404), that error is what the filter shows.
 */
export async function submitForm(
  res: Response,
  action: () => Promise<FormOutcome>,
  again: (refusal: ErrorAnswer, error: unknown) => ConsolePage | Promise<ConsolePage>,
): Promise<void> {
  let outcome: FormOutcome;
  try {
    outcome = await action();
  } catch (err) {
    const answer = answerFor(err);
    if (answer.status >= 500 || answer.status < 400 || answer.status === 401) throw err;
    throw new FormError(answer, await again(answer, err));
  }
  if (typeof outcome === 'string') res.redirect(303, outcome);
  else sendPage(res, outcome.status, outcome.page);
}

const PIPE = validationPipe();

/**
 * The one way a console handler reads its input: a form's fields (a POST body, multipart fields, or a query
 * string: GET forms, links with a page's filters, cursor or notice) checked against their DTO by the API's
 * ValidationPipe and options (the same messages, unknown fields refused). Throws the pipe's 400 (its
 * messages as a list): submitForm shows the form again with it, ConsoleExceptionFilter draws it as a page.
 */
export async function readForm<T extends object>(dto: Type<T>, body: unknown): Promise<T> {
  const value = body !== null && typeof body === 'object' && !Array.isArray(body) ? body : {};
  return (await PIPE.transform(value, { type: 'body', metatype: dto })) as T;
}

const CONTROL = /\p{Cc}/u;

// eslint-disable-next-line no-control-regex
const CONTROL_BUT_LINES = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

export interface FormTextOptions {
  /** A password: any character but NUL. */
  secret?: boolean;
  /** A text box: line breaks and tabs allowed. */
  multiline?: boolean;
}

/** Why a form text value is refused, or undefined when it is fine. */
function textProblem(value: unknown, label: string, max: number, opts: FormTextOptions): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') return `${label} must be given once, as text`;
  if (value.length > max) return `${label} must be at most ${max} characters`;
  // PostgreSQL cannot store NUL, and no one-line field but a password has a use for other control characters
  const bad = opts.secret
    ? value.includes('\u0000')
    : (opts.multiline ? CONTROL_BUT_LINES : CONTROL).test(value);
  return bad ? `${label} must not contain control characters` : undefined;
}

/**
 * A console form's text field (also a query string's): optional, given once, at most `max` characters, no
 * control characters (a password may hold any but NUL; a text box line breaks). One message per field,
 * naming it as the page does.
 */
export function FormText(label: string, max: number, opts: FormTextOptions = {}): PropertyDecorator {
  return (target: object, propertyName: string | symbol) => {
    registerDecorator({
      name: 'formText',
      target: target.constructor,
      propertyName: propertyName as string,
      validator: {
        validate: (value: unknown) => textProblem(value, label, max, opts) === undefined,
        defaultMessage: (args?: ValidationArguments) =>
          textProblem(args?.value, label, max, opts) ?? `${label} is invalid`,
      },
    });
  };
}

/** A page's `?notice=` code (its fixed text is looked up; free text is never shown). */
export class NoticeQuery {
  @FormText('notice', 40)
  notice?: string;
}

/** The fixed text for a `?notice=` code, if it is one of the page's. */
export function noticeFrom(
  table: Readonly<Record<string, string>>,
  code: string | undefined,
): string | undefined {
  return code !== undefined && Object.hasOwn(table, code) ? table[code] : undefined;
}

/** What the user typed into a form field, to show it again with a refusal ('' when it was not one text). */
export function typed(req: Request, name: string, max = 1_000_000): string {
  const body = req.body as Record<string, unknown> | undefined;
  const v = body !== null && typeof body === 'object' ? body[name] : undefined;
  return typeof v === 'string' ? v.slice(0, max) : '';
}
