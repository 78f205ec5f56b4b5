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

/** GETs the login form and POSTs it (from an address of its own); returns the POST's response. */
export async function consoleLoginAttempt(h: Harness, email: string, password: string) {
  const api = () => request(h.baseUrl);
  const ip = nextIp();
  counter++;
  const form = await api().get('/admin/login').set('X-Forwarded-For', ip);
  const loginCsrf = cookieValue(form.headers['set-cookie'], 'nl_login_csrf');
  return api()
    .post('/admin/login')
    .set('X-Forwarded-For', ip)
    .set('Cookie', `nl_login_csrf=${loginCsrf}`)
    .type('form')
    .send({ _csrf: hiddenField(form.text, '_csrf'), email, password, next: '/admin' });
}

/** Signs in through the console's login form; returns the session cookie and its CSRF token. */
export async function consoleSignIn(
  h: Harness,
  email: string,
  password: string,
): Promise<{ cookie: string; csrf: string }> {
  const res = await consoleLoginAttempt(h, email, password);
  if (res.status !== 303) throw new Error(`login answered ${res.status}: ${res.text.slice(0, 300)}`);
  const cookie = `nl_session=${cookieValue(res.headers['set-cookie'], 'nl_session')}`;
  const home = await request(h.baseUrl).get('/admin').set('Cookie', cookie).set('Accept', 'text/html');
  if (home.status !== 200) throw new Error(`/admin answered ${home.status} after login`);
  return { cookie, csrf: hiddenField(home.text, '_csrf') };
}

/** Creates a user with this role through the admin API and signs in through the console's login form. */
export async function consoleLogin(h: Harness, role: ConsoleRole): Promise<ConsoleSession> {
  const n = ++counter;
  const email = `${role}-${n}-${process.pid}@console.example.test`;
  const password = `${role}-password-${n}-long-enough`;
  const created = await request(h.baseUrl)
    .post('/api/admin/users')
    .auth(h.adminToken, { type: 'bearer' })
    .send({ email, role, password });
  if (created.status !== 201) throw new Error(`user create answered ${created.status}: ${created.text}`);
  return { email, password, role, ...(await consoleSignIn(h, email, password)) };
}

/** A console page as a signed-in user (Accept: text/html). */
export function consoleGet(h: Harness, s: { cookie: string }, path: string) {
  return request(h.baseUrl).get(path).set('Cookie', s.cookie).set('Accept', 'text/html');
}

/** A urlencoded console form post, with the session's CSRF token unless `withCsrf` is false. */
export function consolePost(
  h: Harness,
  s: { cookie: string; csrf: string },
  path: string,
  form: Record<string, string> = {},
  withCsrf = true,
) {
  return request(h.baseUrl)
    .post(path)
    .set('Cookie', s.cookie)
    .set('Accept', 'text/html')
    .type('form')
    .send(withCsrf ? { _csrf: s.csrf, ...form } : form);
}
