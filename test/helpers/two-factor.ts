import { generate } from 'otplib';
import request from 'supertest';
import { cookieValue, hiddenField } from './console-session';
import type { Harness } from './harness';

let counter = 0;
/** Each sign-in from an address of its own (TRUST_PROXY=true), as consoleLoginAttempt does. */
export const nextIp = () => `198.19.${Math.floor(counter / 250)}.${(counter++ % 250) + 1}`;

/** The key shown for typing into an app, without its spaces. */
export function shownSecret(page: string): string {
  const m = /id="totp-secret">([A-Z2-7 ]+)</.exec(page);
  if (!m) throw new Error(`no secret on the page: ${page.slice(0, 400)}`);
  return m[1]!.replace(/ /g, '');
}

/** The recovery codes of the page shown after enrolment. */
export function shownRecoveryCodes(page: string): string[] {
  return [...page.matchAll(/<li><code>([a-z2-9]{5}-[a-z2-9]{5})<\/code><\/li>/g)].map((m) => m[1]!);
}

/** The TOTP code of `offsetSteps` 30-second steps from now. */
export function totp(secret: string, offsetSteps = 0): Promise<string> {
  return generate({ secret, epoch: Math.floor(Date.now() / 1000) + offsetSteps * 30 });
}

/** Cookies of a browser going through sign-in, merged from each answer's Set-Cookie. */
export class CookieJar {
  private readonly values = new Map<string, string>();
  take(setCookie: string[] | string | undefined): void {
    for (const name of ['nl_login_csrf', 'nl_2fa_pending', 'nl_session']) {
      const v = cookieValue(setCookie, name);
      if (v === undefined) continue;
      if (v === '') this.values.delete(name);
      else this.values.set(name, v);
    }
  }
  get(name: string): string | undefined {
    return this.values.get(name);
  }
  header(): string {
    return [...this.values].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

/** Password step: the POST's answer (303 to the code or set-up page when a second factor follows). */
export async function passwordStep(h: Harness, jar: CookieJar, ip: string, email: string, password: string) {
  const api = () => request(h.baseUrl);
  const form = await api().get('/admin/login').set('X-Forwarded-For', ip);
  jar.take(form.headers['set-cookie']);
  const res = await api()
    .post('/admin/login')
    .set('X-Forwarded-For', ip)
    .set('Cookie', jar.header())
    .type('form')
    .send({ _csrf: hiddenField(form.text, '_csrf'), email, password, next: '/admin/editions' });
  jar.take(res.headers['set-cookie']);
  return res;
}

/** GETs a sign-in step page and POSTs its form with the code `code` gives for it; returns both answers. */
export async function codeStep(
  h: Harness,
  jar: CookieJar,
  ip: string,
  path: string,
  code: string | ((page: string) => string | Promise<string>),
) {
  const api = () => request(h.baseUrl);
  const page = await api().get(path).set('X-Forwarded-For', ip).set('Cookie', jar.header());
  jar.take(page.headers['set-cookie']);
  if (page.status !== 200) return { page, res: page };
  const res = await api()
    .post(path.replace(/\?.*$/, ''))
    .set('X-Forwarded-For', ip)
    .set('Cookie', jar.header())
    .type('form')
    .send({
      _csrf: hiddenField(page.text, '_csrf'),
      next: hiddenField(page.text, 'next'),
      code: typeof code === 'string' ? code : await code(page.text),
    });
  jar.take(res.headers['set-cookie']);
  return { page, res };
}
