import request from 'supertest';
import type { Harness } from './harness';

/** The value of cookie `name` among Set-Cookie headers. */
export function cookieValue(setCookie: string[] | string | undefined, name: string): string | undefined {
  const list = Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : [];
  for (const c of list) {
    const m = new RegExp(`^${name}=([^;]*)`).exec(c);
    if (m) return m[1];
  }
  return undefined;
}

/** The value of `<input ... name="<name>" value="...">` in a page. */
export function hiddenField(body: string, name: string): string {
  const m = new RegExp(`name="${name}" value="([^"]*)"`).exec(body);
  if (!m) throw new Error(`no hidden field ${name} in ${body.slice(0, 500)}`);
  return m[1]!;
}

export type ConsoleRole = 'admin' | 'editor' | 'ops';

export interface ConsoleSession {
  email: string;
  password: string;
  role: ConsoleRole;
  /** `Cookie` header value carrying the session. */
  cookie: string;
  /** The session's CSRF token, for forms. */
  csrf: string;
}

let counter = 0;
/**
 * Login attempts are limited per client address and per email, so every sign-in uses an account and an
 * X-Forwarded-For address of its own. Start the harness with TRUST_PROXY: 'true' so the address counts.
 */
const nextIp = () => `198.18.${Math.floor(counter / 250)}.${(counter % 250) + 1}`;

/** Creates a user through the admin API and signs in through the console's login form. */
export async function consoleLogin(h: Harness, role: ConsoleRole): Promise<ConsoleSession> {
  const n = ++counter;
  const email = `${role}-${n}-${process.pid}@console.example.test`;
  const password = `${role}-password-${n}-long-enough`;
  const api = () => request(h.baseUrl);
  const created = await api()
    .post('/api/admin/users')
    .auth(h.adminToken, { type: 'bearer' })
    .send({ email, role, password });
  if (created.status !== 201) throw new Error(`user create answered ${created.status}: ${created.text}`);
  const ip = nextIp();
  const form = await api().get('/admin/login').set('X-Forwarded-For', ip);
  const loginCsrf = cookieValue(form.headers['set-cookie'], 'nl_login_csrf');
  const res = await api()
    .post('/admin/login')
    .set('X-Forwarded-For', ip)
    .set('Cookie', `nl_login_csrf=${loginCsrf}`)
    .type('form')
    .send({ _csrf: hiddenField(form.text, '_csrf'), email, password, next: '/admin' });
  if (res.status !== 303) throw new Error(`login answered ${res.status}: ${res.text.slice(0, 300)}`);
  const cookie = `nl_session=${cookieValue(res.headers['set-cookie'], 'nl_session')}`;
  const home = await api().get('/admin').set('Cookie', cookie).set('Accept', 'text/html');
  if (home.status !== 200) throw new Error(`/admin answered ${home.status} after login`);
  return { email, password, role, cookie, csrf: hiddenField(home.text, '_csrf') };
}

/** Requests as a signed-in console user: pages (Accept: text/html) and form posts with the CSRF field. */
export function consoleClient(h: Harness, s: ConsoleSession) {
  const api = () => request(h.baseUrl);
  return {
    get: (path: string) => api().get(path).set('Cookie', s.cookie).set('Accept', 'text/html'),
    /** A urlencoded form post with the session's CSRF token (pass `_csrf: ''` in fields to test without). */
    post: (path: string, fields: Record<string, string> = {}) =>
      api()
        .post(path)
        .set('Cookie', s.cookie)
        .set('Accept', 'text/html')
        .type('form')
        .send({ _csrf: s.csrf, ...fields }),
  };
}
