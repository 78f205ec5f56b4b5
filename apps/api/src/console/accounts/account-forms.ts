import { AccountsError } from '@app/core/accounts';
import type { Request, Response } from 'express';
import { html, raw, type SafeHtml } from '../../pages/html';

const MAX_INT4 = 2147483647;

/** Input a console form refuses with 400 and this message. */
export class FormInputError extends Error {}

/** Console pages hold personal data or one-time secrets: never stored by the browser or a proxy. */
export function sendPage(res: Response, status: number, body: string): void {
  res.status(status).type('html').setHeader('Cache-Control', 'no-store');
  res.send(body);
}

/**
 * A single string form field ('' when absent); arrays, objects and overlong values are refused, and so are
 * control characters (PostgreSQL cannot even store NUL), except in a password where only NUL is.
 */
export function formField(req: Request, name: string, max: number, label = name, secret = false): string {
  const body = req.body as unknown;
  const v = body && typeof body === 'object' ? (body as Record<string, unknown>)[name] : undefined;
  if (v === undefined) return '';
  if (typeof v !== 'string') throw new FormInputError(`${label} must be given once, as text`);
  if (v.length > max) throw new FormInputError(`${label} must be at most ${max} characters`);
  if (secret ? v.includes('\u0000') : /\p{Cc}/u.test(v)) {
    throw new FormInputError(`${label} must not contain control characters`);
  }
  return v;
}

export function parseId(raw: string): number | undefined {
  if (!/^[1-9]\d{0,9}$/.test(raw)) return undefined;
  const id = Number(raw);
  return id <= MAX_INT4 ? id : undefined;
}

/** The HTTP status for a refusal the page shows (same mapping as the JSON API's rethrowAccountsError). */
export function refusalStatus(err: unknown): number | undefined {
  if (err instanceof FormInputError) return 400;
  if (err instanceof AccountsError) {
    return { invalid: 400, conflict: 409, 'not-found': 404, forbidden: 403 }[err.kind];
  }
  return undefined;
}

export function noticeFrom(req: Request, table: Record<string, string>): string | undefined {
  const code = req.query.notice;
  return typeof code === 'string' && Object.hasOwn(table, code) ? table[code] : undefined;
}

export function formError(id: string, message: string | undefined): SafeHtml | string {
  return message ? html`<p class="field-error" id="${id}" role="alert">${message}</p>` : '';
}

export const FORM_STYLE = raw(`<style>
.check{display:flex;gap:.5rem;align-items:flex-start;margin:.8rem 0 .25rem}.check label{display:inline;margin:0;font-weight:400}
.check input{margin-top:.3rem}.hint{font-size:.88rem;color:var(--muted);margin:.2rem 0 0}
.field-error{color:var(--bad);font-weight:600;margin:.25rem 0 0}
dl.fields{display:grid;grid-template-columns:max-content 1fr;gap:.3rem 1rem;margin:0}dl.fields dt{font-weight:600;color:var(--muted)}dl.fields dd{margin:0}
.secret{font:1rem ui-monospace,Menlo,Consolas,monospace;width:100%;padding:.5rem .6rem;border:2px solid var(--accent);border-radius:6px;background:var(--bg);color:var(--fg)}
</style>`);
