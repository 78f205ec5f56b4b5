/**
 * What went wrong, in the domain's words. Core services throw only these (never an HTTP exception): each
 * surface maps the kind once — the API to a JSON status (AllExceptionsFilter), the console to a page in its
 * layout (ConsoleExceptionFilter), the worker to a failed or retried job.
 */
export type DomainErrorKind =
  /** The caller's input cannot be used (400). */
  | 'invalid'
  /** The thing asked for does not exist, or no longer (404). */
  | 'not-found'
  /** The request clashes with the current state, e.g. a campaign already running (409). */
  | 'conflict'
  /** The caller may not do this (403). */
  | 'forbidden'
  /** Well-formed, but the content cannot be used as it is, e.g. an edition that does not build (422). */
  | 'unprocessable'
  /** Too many of these too quickly; `retryAfterSeconds` says when to try again (429). */
  | 'rate-limited';

export abstract class DomainError extends Error {
  abstract readonly kind: DomainErrorKind;
  /**
   * Extra fields a client can act on (e.g. `{ line, expected }` of a draft, `{ campaignId }` of a conflict);
   * the API adds them to its JSON answer next to `message`. Never internal detail.
   */
  readonly details: Readonly<Record<string, unknown>>;
  readonly retryAfterSeconds?: number;

  constructor(message: string, details: Record<string, unknown> = {}, retryAfterSeconds?: number) {
    super(message);
    this.name = new.target.name;
    this.details = details;
    if (retryAfterSeconds !== undefined) this.retryAfterSeconds = retryAfterSeconds;
  }
}

export class InvalidInputError extends DomainError {
  readonly kind = 'invalid';
}

export class NotFoundError extends DomainError {
  readonly kind = 'not-found';
}

export class ConflictError extends DomainError {
  readonly kind = 'conflict';
}

export class ForbiddenError extends DomainError {
  readonly kind = 'forbidden';
}

export class UnprocessableError extends DomainError {
  readonly kind = 'unprocessable';
}

export class RateLimitedError extends DomainError {
  readonly kind = 'rate-limited';
  declare readonly retryAfterSeconds: number;

  constructor(message: string, retryAfterSeconds: number, details: Record<string, unknown> = {}) {
    super(message, details, Math.max(1, Math.ceil(retryAfterSeconds)));
  }
}

/** The HTTP status of each kind: the one table both the API and the console use. */
export const DOMAIN_ERROR_STATUS: Readonly<Record<DomainErrorKind, number>> = {
  invalid: 400,
  'not-found': 404,
  conflict: 409,
  forbidden: 403,
  unprocessable: 422,
  'rate-limited': 429,
};
