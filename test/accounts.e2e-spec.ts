import { AppConfig } from '@app/config';
import { Readable, Writable } from 'node:stream';
import request from 'supertest';
import { runCli } from '../apps/cli/src/cli';
import { Harness } from './helpers/harness';

/** Captures what the CLI writes. */
function sink(): Writable & { text: () => string } {
  let out = '';
  const w = new Writable({
    write(chunk: Buffer, _enc, cb) {
      out += chunk.toString();
      cb();
    },
  }) as Writable & { text: () => string };
  w.text = () => out;
  return w;
}

async function cliCreateUser(email: string, role: string, passwordLine: string) {
  const stdout = sink();
  const stderr = sink();
  const code = await runCli(['user:create', '--email', email, '--role', role], AppConfig.fromEnvironment(), {
    stdin: Readable.from([passwordLine]),
    stdout,
    stderr,
  });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

/** Every test uses its own client address (TRUST_PROXY is on), so login rate limits do not leak between tests. */
let ipCounter = 10;
const nextIp = () => `203.0.113.${ipCounter++}`;

function cookieValue(setCookie: string[] | string | undefined, name: string): string | undefined {
  const list = Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : [];
  for (const c of list) {
    const m = new RegExp(`^${name}=([^;]*)`).exec(c);
    if (m) return m[1];
  }
  return undefined;
}

function hiddenField(body: string, name: string): string {
  const m = new RegExp(`name="${name}" value="([^"]*)"`).exec(body);
  if (!m) throw new Error(`no hidden field ${name} in ${body.slice(0, 500)}`);
  return m[1]!;
}

describe('accounts and access', () => {
  let h: Harness;
  const pw = {
    admin: 'admin-password-0123',
    editor: 'editor-password-0123',
    ops: 'ops-password-01234567',
  };

  beforeAll(async () => {
    h = await Harness.start({ env: { TRUST_PROXY: 'true' } });
  });
  afterAll(async () => {
    await h?.stop();
  });

  const api = () => request(h.baseUrl);

  /**
   * A fresh user per scenario: failed logins slow later attempts for the same email, so tests that sign in
   * do not share accounts.
   */
  let userCounter = 0;
  async function newUser(role: 'admin' | 'editor' | 'ops') {
    const email = `${role}${++userCounter}@example.test`;
    const password = `${role}-password-${userCounter}-xyz`;
    const res = await api()
      .post('/api/admin/users')
      .auth(h.adminToken, { type: 'bearer' })
      .send({ email, role, password });
    expect(res.status).toBe(201);
    return { id: res.body.id as number, email, password };
  }

  /** GET the form (login CSRF cookie + field), then POST it. */
  async function loginAttempt(email: string, password: string, ip = nextIp(), next?: string) {
    const form = await api().get('/admin/login').set('X-Forwarded-For', ip);
    const loginCsrf = cookieValue(form.headers['set-cookie'], 'nl_login_csrf')!;
    const res = await api()
      .post('/admin/login')
      .set('X-Forwarded-For', ip)
      .set('Cookie', `nl_login_csrf=${loginCsrf}`)
      .type('form')
      .send({ _csrf: hiddenField(form.text, '_csrf'), email, password, next: next ?? '/admin' });
    return { res, loginCsrf, formToken: hiddenField(form.text, '_csrf') };
  }

  /** Signs in; returns the session cookie header and the session's CSRF token (read from the console page). */
  async function login(email: string, password: string) {
    const { res } = await loginAttempt(email, password);
    expect(res.status).toBe(303);
    const session = cookieValue(res.headers['set-cookie'], 'nl_session');
    expect(session).toBeTruthy();
    const cookie = `nl_session=${session}`;
    const home = await api().get('/admin').set('Cookie', cookie).set('Accept', 'text/html');
    expect(home.status).toBe(200);
    return {
      cookie,
      csrf: hiddenField(home.text, '_csrf'),
      setCookie: res.headers['set-cookie'] as unknown as string[],
    };
  }

  describe('first admin from the command line', () => {
    it('creates a user from a piped password, hashing it with scrypt', async () => {
      const r = await cliCreateUser('Admin@Example.test', 'admin', `${pw.admin}\n`);
      expect(r).toMatchObject({ code: 0 });
      expect(r.stdout).toContain('Created admin admin@example.test');
      const [row] = await h.query<{ email: string; role: string; password_hash: string }>(
        'SELECT email, role, password_hash FROM app_user',
      );
      expect(row).toMatchObject({ email: 'admin@example.test', role: 'admin' });
      expect(row!.password_hash).toMatch(/^scrypt\$N=65536,r=8,p=1\$[\w-]{22}\$[\w-]{43}$/);
      expect(row!.password_hash).not.toContain(pw.admin);
      const { res } = await loginAttempt('admin@example.test', pw.admin);
      expect(res.status).toBe(303);
      expect(res.headers.location).toBe('/admin');
    });

    it('refuses short passwords, bad roles and duplicates with a message and a non-zero exit code', async () => {
      const short = await cliCreateUser('x@example.test', 'editor', 'short\n');
      expect(short.code).toBe(2);
      expect(short.stderr).toContain('at least 12 characters');
      const role = await cliCreateUser('x@example.test', 'root', `${pw.editor}\n`);
      expect(role.code).toBe(2);
      expect(role.stderr).toContain('--role must be one of: admin, editor, ops');
      const dup = await cliCreateUser('ADMIN@example.test', 'editor', `${pw.editor}\n`);
      expect(dup.code).toBe(3);
      expect(dup.stderr).toContain('already exists');
      const missing = await cliCreateUser('', 'editor', `${pw.editor}\n`);
      expect(missing.code).toBe(2);
      const [{ n }] = (await h.query<{ n: number }>('SELECT count(*)::int AS n FROM app_user')) as [
        { n: number },
      ];
      expect(n).toBe(1);
    });
  });

  describe('users API (admin)', () => {
    it('creates the editor and ops users with the bootstrap token', async () => {
      for (const role of ['editor', 'ops'] as const) {
        const res = await api()
          .post('/api/admin/users')
          .auth(h.adminToken, { type: 'bearer' })
          .send({ email: `${role}@example.test`, role, password: pw[role] });
        expect(res.status).toBe(201);
        expect(res.body).toEqual({
          id: expect.any(Number),
          email: `${role}@example.test`,
          role,
          disabled: false,
          createdAt: expect.any(String),
          twoFactor: false,
        });
        expect(JSON.stringify(res.body)).not.toMatch(/password|scrypt/i);
      }
      const list = await api().get('/api/admin/users').auth(h.adminToken, { type: 'bearer' });
      expect(list.status).toBe(200);
      expect(list.body.map((u: { email: string }) => u.email)).toEqual([
        'admin@example.test',
        'editor@example.test',
        'ops@example.test',
      ]);
    });

    it('validates input with clear 4xx messages', async () => {
      const bad = await api()
        .post('/api/admin/users')
        .auth(h.adminToken, { type: 'bearer' })
        .send({ email: 'nope', role: 'root', password: 'short', extra: 1 });
      expect(bad.status).toBe(400);
      const text = JSON.stringify(bad.body.message);
      expect(text).toContain('email must be a valid email address');
      expect(text).toContain('role must be one of: admin, editor, ops');
      expect(text).toContain('password must be 12 to 1024 characters');
      expect(text).toContain('property extra should not exist');
      const dup = await api()
        .post('/api/admin/users')
        .auth(h.adminToken, { type: 'bearer' })
        .send({ email: 'editor@example.test', role: 'ops', password: pw.ops });
      expect(dup.status).toBe(409);
      const missing = await api()
        .patch('/api/admin/users/999999')
        .auth(h.adminToken, { type: 'bearer' })
        .send({});
      expect(missing.status).toBe(404);
      const nonNumeric = await api().get('/api/admin/users/abc').auth(h.adminToken, { type: 'bearer' });
      expect(nonNumeric.status).toBe(400);
    });

    it('never leaves the service without an active admin', async () => {
      const [admin] = await h.query<{ id: number }>(`SELECT id FROM app_user WHERE role = 'admin'`);
      const demote = await api()
        .patch(`/api/admin/users/${admin!.id}`)
        .auth(h.adminToken, { type: 'bearer' })
        .send({ role: 'editor' });
      expect(demote.status).toBe(409);
      expect(demote.body.message).toContain('last active admin');
      const del = await api().delete(`/api/admin/users/${admin!.id}`).auth(h.adminToken, { type: 'bearer' });
      expect(del.status).toBe(409);
    });
  });

  describe('console sign-in', () => {
    it('shows a login form and signs in with a session cookie (HttpOnly, SameSite=Lax, Secure on https)', async () => {
      const form = await api().get('/admin/login').set('Accept', 'text/html');
      expect(form.status).toBe(200);
      expect(form.text).toContain('<label for="password">Password</label>');
      const u = await newUser('editor');
      const { cookie, setCookie } = await login(u.email, u.password);
      const sessionCookie = setCookie.find((c) => c.startsWith('nl_session='))!;
      expect(sessionCookie).toMatch(/; HttpOnly/i);
      expect(sessionCookie).toMatch(/; SameSite=Lax/i);
      expect(sessionCookie).toMatch(/; Secure/i); // the harness's PUBLIC_URL is https
      expect(sessionCookie).toMatch(/; Path=\//);
      // only the SHA-256 of the cookie is stored
      const token = /^nl_session=(.*)$/.exec(cookie)![1]!;
      const rows = await h.query<{ token_hash: string }>('SELECT token_hash FROM user_session');
      expect(rows.some((r) => r.token_hash === token)).toBe(false);
      expect(rows.every((r) => /^[0-9a-f]{64}$/.test(r.token_hash))).toBe(true);
      const home = await api().get('/admin').set('Cookie', cookie);
      expect(home.text).toContain(u.email);
    });

    it('redirects to the page asked for, but never off-site', async () => {
      const u = await newUser('ops');
      const inside = await loginAttempt(u.email, u.password, nextIp(), '/admin/campaigns?x=1');
      expect(inside.res.headers.location).toBe('/admin/campaigns?x=1');
      const outside = await loginAttempt(u.email, u.password, nextIp(), '//evil.example/admin');
      expect(outside.res.headers.location).toBe('/admin');
      const absolute = await loginAttempt(u.email, u.password, nextIp(), 'https://evil.example/');
      expect(absolute.res.headers.location).toBe('/admin');
    });

    it('answers a wrong password and an unknown email identically (no user enumeration)', async () => {
      const u = await newUser('editor');
      const ip = nextIp();
      const form = await api().get('/admin/login').set('X-Forwarded-For', ip);
      const loginCsrf = cookieValue(form.headers['set-cookie'], 'nl_login_csrf')!;
      const attempt = (email: string) =>
        api()
          .post('/admin/login')
          .set('X-Forwarded-For', ip)
          .set('Cookie', `nl_login_csrf=${loginCsrf}`)
          .type('form')
          .send({
            _csrf: hiddenField(form.text, '_csrf'),
            email,
            password: 'wrong-password-123',
            next: '/admin',
          });
      const wrong = await attempt(u.email);
      const unknown = await attempt('nobody@example.test');
      expect(wrong.status).toBe(401);
      expect(unknown.status).toBe(401);
      expect(wrong.text).toContain('Invalid email or password.');
      expect(unknown.text).toBe(wrong.text);
      expect(unknown.headers['set-cookie']).toEqual(wrong.headers['set-cookie']);
      expect(unknown.headers['content-type']).toBe(wrong.headers['content-type']);
    });

    it('refuses a login form without its CSRF token', async () => {
      const ip = nextIp();
      const res = await api()
        .post('/admin/login')
        .set('X-Forwarded-For', ip)
        .type('form')
        .send({ email: 'editor@example.test', password: pw.editor });
      expect(res.status).toBe(403);
      expect(cookieValue(res.headers['set-cookie'], 'nl_session')).toBeUndefined();
    });

    it('wrong passwords for an account never lock its owner out; a flood from one address is refused (10/min)', async () => {
      // per account: seven wrong passwords from seven addresses (the 6th and 7th are slowed), then the owner
      // signs in with the right one
      const u = await newUser('ops');
      for (let i = 0; i < 7; i++) {
        const { res } = await loginAttempt(u.email, 'wrong-password-123');
        expect(res.status).toBe(401);
      }
      const { res: owner } = await loginAttempt(u.email, u.password);
      expect(owner.status).toBe(303);
      expect(cookieValue(owner.headers['set-cookie'], 'nl_session')).toBeTruthy();
      // and again after more wrong ones from the attacker's single address (under its limit)
      const attacker = nextIp();
      for (let i = 0; i < 6; i++) {
        expect((await loginAttempt(u.email, 'wrong-password-123', attacker)).res.status).toBe(401);
      }
      expect((await loginAttempt(u.email, u.password)).res.status).toBe(303);
      // per address: ten attempts from one address, the eleventh is refused, even with a right password
      const ip = nextIp();
      for (let i = 0; i < 10; i++) {
        const { res } = await loginAttempt(`spray${i}@example.test`, 'wrong-password-123', ip);
        expect(res.status).toBe(401);
      }
      const other = await newUser('editor');
      const { res: sprayed } = await loginAttempt(other.email, other.password, ip);
      expect(sprayed.status).toBe(429);
      expect(sprayed.text).toContain('Too many sign-in attempts');
      expect(Number(sprayed.headers['retry-after'])).toBeGreaterThan(0);
      expect(cookieValue(sprayed.headers['set-cookie'], 'nl_session')).toBeUndefined();
      // that account's owner, from their own address, is not affected
      expect((await loginAttempt(other.email, other.password)).res.status).toBe(303);
    });

    it('requires the CSRF token for state-changing requests made with the cookie', async () => {
      const u = await newUser('editor');
      const { cookie, csrf } = await login(u.email, u.password);
      const without = await api().post('/api/admin/tokens').set('Cookie', cookie).send({ name: 'no csrf' });
      expect(without.status).toBe(403);
      expect(without.body.message).toContain('CSRF');
      const wrong = await api()
        .post('/api/admin/tokens')
        .set('Cookie', cookie)
        .set('X-CSRF-Token', 'x'.repeat(43))
        .send({ name: 'bad csrf' });
      expect(wrong.status).toBe(403);
      const withHeader = await api()
        .post('/api/admin/tokens')
        .set('Cookie', cookie)
        .set('X-CSRF-Token', csrf)
        .send({ name: 'header csrf' });
      expect(withHeader.status).toBe(201);
      // a classic form post carries it as _csrf, which DTO validation never sees
      const withField = await api()
        .post('/api/admin/tokens')
        .set('Cookie', cookie)
        .type('form')
        .send({ _csrf: csrf, name: 'form csrf' });
      expect(withField.status).toBe(201);
      // reads need none
      const read = await api().get('/api/admin/tokens').set('Cookie', cookie);
      expect(read.status).toBe(200);
      expect(read.body.map((t: { name: string }) => t.name)).toEqual(['header csrf', 'form csrf']);
    });

    it('logs out (CSRF-protected) and the session stops working', async () => {
      const u = await newUser('editor');
      const { cookie, csrf } = await login(u.email, u.password);
      const noCsrf = await api().post('/admin/logout').set('Cookie', cookie).type('form').send({});
      expect(noCsrf.status).toBe(403);
      const out = await api().post('/admin/logout').set('Cookie', cookie).type('form').send({ _csrf: csrf });
      expect(out.status).toBe(303);
      expect(out.headers.location).toBe('/admin/login');
      expect(cookieValue(out.headers['set-cookie'], 'nl_session')).toBe('');
      const after = await api().get('/api/admin/tokens').set('Cookie', cookie);
      expect(after.status).toBe(401);
      const page = await api().get('/admin').set('Cookie', cookie).set('Accept', 'text/html');
      expect(page.status).toBe(303);
      expect(page.headers.location).toBe('/admin/login?next=%2Fadmin');
    });

    it('ends sessions at their expiry time', async () => {
      const u = await newUser('ops');
      const { cookie } = await login(u.email, u.password);
      expect((await api().get('/api/admin/tokens').set('Cookie', cookie)).status).toBe(200);
      const token = /^nl_session=(.*)$/.exec(cookie)![1]!;
      const [row] = await h.query<{ hours: number }>(
        `SELECT round(extract(epoch FROM expires_at - created_at) / 3600)::int AS hours
           FROM user_session WHERE token_hash = encode(sha256($1::bytea), 'hex')`,
        [token],
      );
      expect(row!.hours).toBe(12);
      await h.query(
        `UPDATE user_session SET expires_at = now() - interval '1 second' WHERE token_hash = encode(sha256($1::bytea), 'hex')`,
        [token],
      );
      expect((await api().get('/api/admin/tokens').set('Cookie', cookie)).status).toBe(401);
    });
  });

  describe('personal API tokens', () => {
    it('are shown once, stored hashed, usable as Bearer, recorded when used, and revocable', async () => {
      const admin = await newUser('admin');
      const { cookie, csrf } = await login(admin.email, admin.password);
      const created = await api()
        .post('/api/admin/tokens')
        .set('Cookie', cookie)
        .set('X-CSRF-Token', csrf)
        .send({ name: 'deploy script' });
      expect(created.status).toBe(201);
      const token: string = created.body.token;
      expect(token).toMatch(/^nlt_[\w-]{43}$/);
      expect(created.body.prefix).toBe(token.slice(0, 12));
      const [stored] = await h.query<{ token_hash: string; prefix: string }>(
        'SELECT token_hash, prefix FROM api_token WHERE id = $1',
        [created.body.id],
      );
      expect(stored!.token_hash).toMatch(/^[0-9a-f]{64}$/);
      expect(stored!.token_hash).not.toContain(token.slice(4));

      const used = await api().get('/api/admin/users').auth(token, { type: 'bearer' });
      expect(used.status).toBe(200); // the owner is an admin
      const listed = await api().get('/api/admin/tokens').auth(token, { type: 'bearer' });
      const mine = listed.body.find((t: { id: number }) => t.id === created.body.id);
      expect(mine).toMatchObject({ name: 'deploy script', prefix: token.slice(0, 12), revokedAt: null });
      expect(mine.lastUsedAt).not.toBeNull();
      expect(JSON.stringify(listed.body)).not.toContain(token);

      // someone else's token is "not found" to a non-admin
      const e = await newUser('editor');
      const editor = await login(e.email, e.password);
      const foreign = await api()
        .delete(`/api/admin/tokens/${created.body.id}`)
        .set('Cookie', editor.cookie)
        .set('X-CSRF-Token', editor.csrf);
      expect(foreign.status).toBe(404);
      const foreignList = await api()
        .get(`/api/admin/tokens?userId=${created.body.userId}`)
        .set('Cookie', editor.cookie);
      expect(foreignList.status).toBe(403);

      const revoked = await api()
        .delete(`/api/admin/tokens/${created.body.id}`)
        .auth(token, { type: 'bearer' });
      expect(revoked.status).toBe(200);
      expect(revoked.body.revokedAt).not.toBeNull();
      const after = await api().get('/api/admin/users').auth(token, { type: 'bearer' });
      expect(after.status).toBe(401);
      expect(after.body.message).toBe('Invalid or revoked token');
    });

    it('are revoked when their user is disabled, and stay revoked when re-enabled', async () => {
      const u = await newUser('editor');
      const editor = await login(u.email, u.password);
      const created = await api()
        .post('/api/admin/tokens')
        .set('Cookie', editor.cookie)
        .set('X-CSRF-Token', editor.csrf)
        .send({ name: 'laptop' });
      const token: string = created.body.token;
      const disable = await api()
        .patch(`/api/admin/users/${u.id}`)
        .auth(h.adminToken, { type: 'bearer' })
        .send({ disabled: true });
      expect(disable.status).toBe(200);
      expect(disable.body.disabled).toBe(true);
      expect((await api().get('/api/admin/tokens').auth(token, { type: 'bearer' })).status).toBe(401);
      expect((await api().get('/api/admin/tokens').set('Cookie', editor.cookie)).status).toBe(401);
      const { res } = await loginAttempt(u.email, u.password);
      expect(res.status).toBe(401); // same answer as a wrong password
      await api()
        .patch(`/api/admin/users/${u.id}`)
        .auth(h.adminToken, { type: 'bearer' })
        .send({ disabled: false });
      expect((await api().get('/api/admin/tokens').auth(token, { type: 'bearer' })).status).toBe(401);
    });

    it('cannot be created with the bootstrap token (only a console session creates tokens)', async () => {
      const res = await api()
        .post('/api/admin/tokens')
        .auth(h.adminToken, { type: 'bearer' })
        .send({ name: 'x' });
      expect(res.status).toBe(403);
      expect(res.body.message).toContain('needs a console session');
    });
  });

  describe('roles across the whole admin API', () => {
    interface RouteInfo {
      method: string;
      path: string;
    }
    let routes: RouteInfo[];
    const tokens: Record<'admin' | 'editor' | 'ops', string> = { admin: '', editor: '', ops: '' };

    /** Every route Express knows (Nest registers each handler as an Express route). */
    function allRoutes(): RouteInfo[] {
      const express = h.app.getHttpAdapter().getInstance() as {
        router: { stack: { route?: { path: string; methods: Record<string, boolean> } }[] };
      };
      const out: RouteInfo[] = [];
      for (const layer of express.router.stack) {
        if (!layer.route) continue;
        for (const [method, on] of Object.entries(layer.route.methods)) {
          if (on && method !== '_all') out.push({ method: method.toUpperCase(), path: layer.route.path });
        }
      }
      return out;
    }

    const concrete = (path: string) => path.replace(/:\w+/g, '999999').replace(/\{?\*\w+\}?/g, 'x');

    function call(r: RouteInfo, bearer?: string) {
      const agent = api();
      const url = concrete(r.path);
      const req =
        r.method === 'GET'
          ? agent.get(url)
          : r.method === 'HEAD'
            ? agent.head(url)
            : r.method === 'POST'
              ? agent.post(url)
              : r.method === 'PUT'
                ? agent.put(url)
                : r.method === 'PATCH'
                  ? agent.patch(url)
                  : agent.delete(url);
      if (bearer) req.auth(bearer, { type: 'bearer' });
      return req.set('Accept', 'application/json');
    }

    beforeAll(async () => {
      routes = allRoutes().filter((r) => r.path.startsWith('/api/admin'));
      for (const role of ['admin', 'editor', 'ops'] as const) {
        const u = await newUser(role);
        const s = await login(u.email, u.password);
        const created = await api()
          .post('/api/admin/tokens')
          .set('Cookie', s.cookie)
          .set('X-CSRF-Token', s.csrf)
          .send({ name: 'matrix' });
        expect(created.status).toBe(201);
        tokens[role] = created.body.token;
      }
    });

    it('finds the admin routes of every team (users, tokens and the rest)', () => {
      const paths = routes.map((r) => `${r.method} ${r.path}`);
      expect(paths).toEqual(expect.arrayContaining(['GET /api/admin/users', 'POST /api/admin/tokens']));
      expect(routes.length).toBeGreaterThanOrEqual(8);
    });

    it('answers 401 on EVERY /api/admin route without credentials, or with a bad token', async () => {
      for (const r of routes) {
        const res = await call(r);
        expect({ route: `${r.method} ${r.path}`, status: res.status }).toEqual({
          route: `${r.method} ${r.path}`,
          status: 401,
        });
        const bad = await call(r, 'not-a-valid-token-at-all');
        expect({ route: `${r.method} ${r.path}`, status: bad.status }).toEqual({
          route: `${r.method} ${r.path}`,
          status: 401,
        });
      }
    });

    /** Creating a token needs a console session: every bearer token, whatever its role, gets 403. */
    const SESSION_ONLY = (r: RouteInfo) => r.method === 'POST' && r.path === '/api/admin/tokens';

    it('refuses token creation to every bearer token, whatever its role', async () => {
      for (const role of ['admin', 'editor', 'ops'] as const) {
        const res = await call({ method: 'POST', path: '/api/admin/tokens' }, tokens[role]);
        expect({ role, status: res.status }).toEqual({ role, status: 403 });
      }
    });

    it('lets admin do everything', async () => {
      for (const r of routes.filter((x) => !SESSION_ONLY(x))) {
        const res = await call(r, tokens.admin);
        expect({ route: `${r.method} ${r.path}`, forbidden: [401, 403].includes(res.status) }).toEqual({
          route: `${r.method} ${r.path}`,
          forbidden: false,
        });
      }
    });

    it('keeps editors out of user management but lets them read and write the rest', async () => {
      for (const r of routes.filter((x) => !SESSION_ONLY(x))) {
        const res = await call(r, tokens.editor);
        const usersRoute = r.path.startsWith('/api/admin/users');
        expect({ route: `${r.method} ${r.path}`, status: res.status === 403 ? 403 : 'allowed' }).toEqual({
          route: `${r.method} ${r.path}`,
          status: usersRoute ? 403 : 'allowed',
        });
      }
    });

    it('lets ops read everything and pause a campaign, but change nothing else', async () => {
      for (const r of routes.filter((x) => !SESSION_ONLY(x))) {
        const res = await call(r, tokens.ops);
        const allowed =
          !r.path.startsWith('/api/admin/users') &&
          (['GET', 'HEAD'].includes(r.method) ||
            r.path.startsWith('/api/admin/tokens') ||
            (r.method === 'POST' && r.path === '/api/admin/campaigns/:id/pause'));
        expect({ route: `${r.method} ${r.path}`, status: res.status === 403 ? 403 : 'allowed' }).toEqual({
          route: `${r.method} ${r.path}`,
          status: allowed ? 'allowed' : 403,
        });
      }
    });

    it('lets ops open Bull Board and keeps editors out', async () => {
      expect((await api().get('/admin/queues').auth(tokens.ops, { type: 'bearer' })).status).toBe(200);
      expect((await api().get('/admin/queues/api/queues').auth(tokens.ops, { type: 'bearer' })).status).toBe(
        200,
      );
      expect((await api().get('/admin/queues').auth(tokens.admin, { type: 'bearer' })).status).toBe(200);
      const editor = await api().get('/admin/queues').auth(tokens.editor, { type: 'bearer' });
      expect(editor.status).toBe(403);
      const editorApi = await api().get('/admin/queues/api/queues').auth(tokens.editor, { type: 'bearer' });
      expect(editorApi.status).toBe(403);
      expect(JSON.stringify(editorApi.body)).not.toContain('"queues"');
    });
  });
});
