import { TokenPurpose } from '@app/core';
import request from 'supertest';
import { Harness } from './helpers/harness';
import { type AppRoute, appRoutes } from './helpers/hostile-http';
import { MailQueueWatch, subscriberRow, tokenFor, tokenSigner, uidOf } from './subscriptions.helpers';

/**
 * What the hostile-input suite does not cover: link tokens bent every way, credentials that must not work on
 * any admin route (enumerated from the app), no enumeration by timing, bursts, and the security headers of
 * every page. Complements test/subscriptions*.e2e-spec.ts and test/accounts.e2e-spec.ts (which cover forged,
 * cross-purpose and expired link tokens, and missing, wrong and revoked bearer tokens).
 */
describe('hardening: tokens, credentials, abuse and headers', () => {
  let h: Harness;
  let mail: MailQueueWatch;
  const api = () => request(h.baseUrl);
  let ip = 0;
  const nextIp = () => `192.0.2.${(ip++ % 250) + 1}`;

  beforeAll(async () => {
    // The worker starts only for the burst test: rendering emails in this process would skew the timings.
    h = await Harness.start({ env: { THROTTLE_LIMIT: '100000', TRUST_PROXY: 'true' } });
    mail = new MailQueueWatch(h);
  });
  afterAll(async () => {
    await mail?.close();
    await h?.stop();
  });

  async function insert(email: string, status: string): Promise<void> {
    await h.query(
      `INSERT INTO subscriber (email, status, consent_at, confirmation_sent_at, confirmed_at)
       VALUES ($1, $2::text, now(), now(), CASE WHEN $2::text = 'confirmed' THEN now() END)`,
      [email, status],
    );
  }

  /** Every use a link token can be put to: the same list for each bent token. */
  function linkUses(t: string) {
    const q = encodeURIComponent(t);
    return [
      () => api().get(`/confirm?token=${q}`),
      () => api().post('/confirm').type('form').send({ token: t }),
      () => api().post('/confirm/resend').type('form').send({ token: t }),
      () => api().get(`/unsubscribe?token=${q}`),
      () => api().post(`/unsubscribe?token=${q}`).type('form').send('List-Unsubscribe=One-Click'),
      () => api().get(`/preferences?token=${q}`),
      () => api().post('/preferences/name').type('form').send({ token: t, name: 'Changed' }),
      () => api().post('/preferences/unsubscribe').type('form').send({ token: t }),
      () => api().post('/preferences/export').type('form').send({ token: t }),
      () => api().post('/preferences/erase').type('form').send({ token: t, confirm: 'yes' }),
    ];
  }

  describe('link tokens', () => {
    const a = 'token-a@example.org';
    const b = 'token-b@example.org';
    beforeAll(async () => {
      await insert(a, 'confirmed');
      await insert(b, 'pending');
    });

    async function unchanged() {
      const ra = await subscriberRow(h, a);
      const rb = await subscriberRow(h, b);
      expect(ra).toMatchObject({ status: 'confirmed', name: null });
      expect(rb).toMatchObject({ status: 'pending', name: null });
    }

    it('truncated tokens (every length) are refused with 400 on every link, and change nothing', async () => {
      let tried = 0;
      for (const purpose of [TokenPurpose.Confirm, TokenPurpose.Unsubscribe, TokenPurpose.Preferences]) {
        const full = await tokenFor(h, purpose === TokenPurpose.Confirm ? b : a, purpose);
        const cuts = [1, 10, full.indexOf('.'), full.indexOf('.') + 1, full.length - 10, full.length - 1];
        for (const cut of cuts) {
          for (const use of linkUses(full.slice(0, cut))) {
            const res = await use();
            tried++;
            expect({ cut, status: res.status }).toEqual({ cut, status: 400 });
            expect(res.text).toContain('This link is not valid');
          }
        }
      }
      expect(tried).toBe(3 * 6 * 10);
      await unchanged();
    });

    it("another subscriber's token, or one subscriber's body with another's signature, acts on no one else", async () => {
      const signer = tokenSigner(h);
      const ta = await tokenFor(h, a, TokenPurpose.Preferences);
      const tb = signer.sign(TokenPurpose.Preferences, await uidOf(h, b));
      const [bodyA, macA] = ta.split('.') as [string, string];
      const [bodyB, macB] = tb.split('.') as [string, string];
      for (const spliced of [`${bodyB}.${macA}`, `${bodyA}.${macB}`]) {
        for (const use of linkUses(spliced)) expect((await use()).status).toBe(400);
      }
      await unchanged();
      // A's own token changes A, and only A
      const res = await api().post('/preferences/name').type('form').send({ token: ta, name: 'Only A' });
      expect(res.status).toBe(200);
      expect((await subscriberRow(h, a))!.name).toBe('Only A');
      expect((await subscriberRow(h, b))!.name).toBeNull();
      await h.query('UPDATE subscriber SET name = NULL WHERE email = $1', [a]);
    });

    it('bent tokens: whitespace, case, padding, doubled, arrays, other encodings: all 400', async () => {
      const t = await tokenFor(h, a, TokenPurpose.Unsubscribe);
      // Only the exact signed form works: base64url decoding would skip spaces, padding and stray dots.
      const bent = [
        ` ${t}`,
        `${t} `,
        `${t}=`,
        t.replace(/-/g, '+').replace(/_/g, '/'),
        t.toUpperCase(),
        `${t}.${t}`,
        t.replace('.', '..'),
        t.replace('.', ''),
        Buffer.from(t).toString('base64'),
        `${t}\u0000`,
        `${t}%00`,
        `${t}A`,
        `A${t}`,
      ];
      for (const x of bent.filter((b) => b !== t)) {
        const res = await api()
          .post(`/unsubscribe?token=${encodeURIComponent(x)}`)
          .type('form')
          .send('List-Unsubscribe=One-Click');
        expect({ x, status: res.status }).toEqual({ x, status: 400 });
      }
      const arrays = await api()
        .post(`/unsubscribe?token=${t}&token=${t}`)
        .type('form')
        .send('List-Unsubscribe=One-Click');
      expect(arrays.status).toBe(400);
      const nested = await api()
        .post('/preferences/name')
        .send({ token: [t], name: 'x' });
      expect(nested.status).toBe(400);
      await unchanged();
    });

    it('every link of an erased subscriber is dead, including the confirm and erase links (replay)', async () => {
      const email = 'erase-replay@example.org';
      await insert(email, 'pending');
      const confirm = await tokenFor(h, email, TokenPurpose.Confirm);
      const prefs = await tokenFor(h, email, TokenPurpose.Preferences);
      const unsub = await tokenFor(h, email, TokenPurpose.Unsubscribe);
      const erased = await api()
        .post('/preferences/erase')
        .type('form')
        .send({ token: prefs, confirm: 'yes' });
      expect(erased.status).toBe(200);
      const [row] = await h.query<{ status: string; email: string | null }>(
        `SELECT status, email FROM subscriber WHERE erased_at IS NOT NULL`,
      );
      expect(row).toEqual({ status: 'unsubscribed', email: null });
      // Each link where its purpose applies says the subscription is gone; everywhere else it is invalid.
      const own: Record<string, number[]> = { confirm: [0, 1, 2], unsub: [3, 4], prefs: [5, 6, 7, 8, 9] };
      for (const [name, t] of [
        ['confirm', confirm],
        ['unsub', unsub],
        ['prefs', prefs],
      ] as const) {
        const uses = linkUses(t);
        for (let i = 0; i < uses.length; i++) {
          const res = await uses[i]!();
          const expected = own[name]!.includes(i) ? 404 : 400;
          expect({ name, use: i, status: res.status }).toEqual({ name, use: i, status: expected });
        }
      }
      const [after] = await h.query<{ status: string; confirmation_sent_at: Date | null }>(
        `SELECT status, confirmation_sent_at FROM subscriber WHERE erased_at IS NOT NULL`,
      );
      expect(after!.status).toBe('unsubscribed'); // nothing confirmed, resubscribed or resent
    });
  });

  describe('credentials on every admin route', () => {
    let routes: AppRoute[];
    const concrete = (path: string) => path.replace(/:\w+/g, '999999');
    function call(r: AppRoute, setup: (t: request.Test) => request.Test, accept = 'application/json') {
      const url = concrete(r.path);
      const agent = api();
      const m = r.method.toLowerCase() as 'get' | 'post' | 'put' | 'patch' | 'delete';
      return setup(agent[m](url).set('Accept', accept).set('X-Forwarded-For', nextIp()));
    }

    beforeAll(() => {
      routes = appRoutes(h).filter(
        (r) =>
          (r.path.startsWith('/api/admin') || r.path.startsWith('/admin')) &&
          !r.path.startsWith('/admin/login') &&
          !r.path.includes('*') &&
          ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].includes(r.method),
      );
    });

    it('refuses malformed, forged, truncated and padded credentials on every admin route (API and pages)', async () => {
      const t = h.adminToken;
      const bad: [string, (x: request.Test) => request.Test][] = [
        ['no credentials', (x) => x],
        [
          'Basic scheme',
          (x) => x.set('Authorization', `Basic ${Buffer.from(`admin:${t}`).toString('base64')}`),
        ],
        ['empty bearer', (x) => x.set('Authorization', 'Bearer ')],
        ['scheme only', (x) => x.set('Authorization', 'Bearer')],
        ['truncated bootstrap token', (x) => x.set('Authorization', `Bearer ${t.slice(0, -1)}`)],
        ['padded bootstrap token', (x) => x.set('Authorization', `Bearer ${t}x`)],
        ['upper-cased bootstrap token', (x) => x.set('Authorization', `Bearer ${t.toUpperCase()}`)],
        ['two tokens', (x) => x.set('Authorization', `Bearer wrong, Bearer ${t}`)],
        ['forged personal token', (x) => x.set('Authorization', `Bearer nlt_${'A'.repeat(43)}`)],
        ['huge token', (x) => x.set('Authorization', `Bearer ${'x'.repeat(8000)}`)],
        ['token in the query', (x) => x.query({ token: t, access_token: t })],
        ['forged session cookie', (x) => x.set('Cookie', `nl_session=${'A'.repeat(43)}`)],
        ['empty session cookie', (x) => x.set('Cookie', 'nl_session=')],
        ['token as session cookie', (x) => x.set('Cookie', `nl_session=${t}`)],
      ];
      let tried = 0;
      for (const r of routes) {
        for (const [what, setup] of bad) {
          for (const accept of ['application/json', 'text/html']) {
            const res = await call(r, setup, accept);
            tried++;
            const refused =
              res.status === 401 ||
              (res.status === 303 && String(res.headers.location).startsWith('/admin/login'));
            expect({ route: `${r.method} ${r.path}`, what, accept, status: res.status, refused }).toEqual({
              route: `${r.method} ${r.path}`,
              what,
              accept,
              status: res.status,
              refused: true,
            });
          }
        }
      }
      console.log(`credential checks: ${tried} requests over ${routes.length} admin routes`);
    });

    it('ends every session of a user whose password is changed, and their revoked token stays dead', async () => {
      const email = 'pw-change@example.org';
      const password = 'first-password-123';
      const created = await api()
        .post('/api/admin/users')
        .auth(h.adminToken, { type: 'bearer' })
        .send({ email, role: 'editor', password });
      expect(created.status).toBe(201);
      const form = await api().get('/admin/login').set('X-Forwarded-For', nextIp());
      const csrfCookie = /nl_login_csrf=([^;]*)/.exec(String(form.headers['set-cookie']))![1]!;
      const csrf = /name="_csrf" value="([^"]*)"/.exec(form.text)![1]!;
      const login = await api()
        .post('/admin/login')
        .set('X-Forwarded-For', nextIp())
        .set('Cookie', `nl_login_csrf=${csrfCookie}`)
        .type('form')
        .send({ _csrf: csrf, email, password, next: '/admin' });
      expect(login.status).toBe(303);
      const session = /nl_session=([^;]*)/.exec(String(login.headers['set-cookie']))![1]!;
      const cookie = `nl_session=${session}`;
      expect((await api().get('/api/admin/subscribers').set('Cookie', cookie)).status).toBe(200);
      const home = await api().get('/admin').set('Cookie', cookie).set('Accept', 'text/html');
      const sessionCsrf = /name="_csrf" value="([^"]*)"/.exec(home.text)?.[1];
      const token = await api()
        .post('/api/admin/tokens')
        .set('Cookie', cookie)
        .set('X-CSRF-Token', sessionCsrf ?? '')
        .send({ name: 'pw-change' });
      expect(token.status).toBe(201);
      const revoke = await api()
        .delete(`/api/admin/tokens/${token.body.id}`)
        .set('Cookie', cookie)
        .set('X-CSRF-Token', sessionCsrf ?? '');
      expect(revoke.status).toBe(200);

      const changed = await api()
        .patch(`/api/admin/users/${created.body.id}`)
        .auth(h.adminToken, { type: 'bearer' })
        .send({ password: 'second-password-456' });
      expect(changed.status).toBe(200);
      expect((await api().get('/api/admin/subscribers').set('Cookie', cookie)).status).toBe(401);
      const page = await api().get('/admin').set('Cookie', cookie).set('Accept', 'text/html');
      expect(page.status).toBe(303);
      for (const r of routes.filter((x) => x.method === 'GET')) {
        const res = await call(r, (x) => x.auth(token.body.token, { type: 'bearer' }));
        expect({ route: r.path, status: res.status }).toEqual({ route: r.path, status: 401 });
      }
    });

    it('keeps ops out of every state-changing console page and editors out of user management', async () => {
      const tokens: Record<string, string> = {};
      for (const role of ['ops', 'editor'] as const) {
        const email = `role-${role}@example.org`;
        const password = `${role}-password-12345`;
        await api()
          .post('/api/admin/users')
          .auth(h.adminToken, { type: 'bearer' })
          .send({ email, role, password });
        const form = await api().get('/admin/login').set('X-Forwarded-For', nextIp());
        const csrfCookie = /nl_login_csrf=([^;]*)/.exec(String(form.headers['set-cookie']))![1]!;
        const login = await api()
          .post('/admin/login')
          .set('X-Forwarded-For', nextIp())
          .set('Cookie', `nl_login_csrf=${csrfCookie}`)
          .type('form')
          .send({
            _csrf: /name="_csrf" value="([^"]*)"/.exec(form.text)![1]!,
            email,
            password,
            next: '/admin',
          });
        const cookie = `nl_session=${/nl_session=([^;]*)/.exec(String(login.headers['set-cookie']))![1]!}`;
        const home = await api().get('/admin').set('Cookie', cookie).set('Accept', 'text/html');
        const csrf = /name="_csrf" value="([^"]*)"/.exec(home.text)![1]!;
        const created = await api()
          .post('/api/admin/tokens')
          .set('Cookie', cookie)
          .set('X-CSRF-Token', csrf)
          .send({ name: 'roles' });
        tokens[role] = created.body.token as string;
      }
      const consoleWrites = routes.filter((r) => r.path.startsWith('/admin') && r.method !== 'GET');
      const opsMay = (p: string) => /\/pause$|^\/admin\/logout$|^\/admin\/tokens/.test(p);
      for (const r of consoleWrites) {
        const ops = await call(
          r,
          (x) => x.auth(tokens.ops!, { type: 'bearer' }).type('form').send({}),
          'text/html',
        );
        if (!opsMay(r.path)) {
          expect({ route: `${r.method} ${r.path}`, role: 'ops', status: ops.status }).toEqual({
            route: `${r.method} ${r.path}`,
            role: 'ops',
            status: 403,
          });
        }
      }
      for (const r of routes.filter((x) => /^\/(api\/)?admin\/users/.test(x.path))) {
        const editor = await call(r, (x) => x.auth(tokens.editor!, { type: 'bearer' }), 'text/html');
        expect({ route: `${r.method} ${r.path}`, role: 'editor', status: editor.status }).toEqual({
          route: `${r.method} ${r.path}`,
          role: 'editor',
          status: 403,
        });
      }
    });
  });

  describe('abuse', () => {
    const known = {
      pending: 'timing-pending@example.org',
      confirmed: 'timing-confirmed@example.org',
      unsubscribed: 'timing-unsub@example.org',
    };
    beforeAll(async () => {
      await insert(known.pending, 'pending');
      await insert(known.confirmed, 'confirmed');
      await insert(known.unsubscribed, 'unsubscribed');
    });

    const median = (xs: number[]) => {
      const s = [...xs].sort((x, y) => x - y);
      return s[Math.floor(s.length / 2)]!;
    };

    it('answers new, pending, confirmed and unsubscribed addresses alike: status, body and (within noise) time', async () => {
      const N = 30;
      const times: Record<string, number[]> = {
        new: [],
        pending: [],
        confirmed: [],
        unsubscribed: [],
        honeypot: [],
      };
      const bodies = new Set<string>();
      const statuses = new Set<number>();
      // interleaved, so a burst of load on the shared machine hits every kind alike
      const kinds = ['new', 'pending', 'confirmed', 'unsubscribed', 'honeypot'] as const;
      for (let i = 0; i < N; i++) {
        for (let k = 0; k < kinds.length; k++) {
          const kind = kinds[(i + k) % kinds.length]!;
          const body =
            kind === 'new'
              ? { email: `timing-new-${i}@example.org` }
              : kind === 'honeypot'
                ? { email: `timing-bot-${i}@example.org`, website: 'https://spam.example' }
                : { email: known[kind] };
          const t0 = process.hrtime.bigint();
          const res = await api().post('/api/subscriptions').set('X-Forwarded-For', nextIp()).send(body);
          times[kind]!.push(Number(process.hrtime.bigint() - t0) / 1e6);
          bodies.add(JSON.stringify(res.body));
          statuses.add(res.status);
        }
      }
      expect([...statuses]).toEqual([202]);
      expect(bodies.size).toBe(1);
      const medians = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)]));
      console.log(`subscribe timing medians (ms, ${N} requests each): ${JSON.stringify(medians)}`);
      const values = Object.values(medians);
      const lo = Math.min(...values);
      const hi = Math.max(...values);
      expect(hi - lo).toBeLessThanOrEqual(Math.max(5, lo * 0.5));
      // the honeypot answered alike but stored nothing
      const bots = await h.query(`SELECT 1 FROM subscriber WHERE email LIKE 'timing-bot-%'`);
      expect(bots).toEqual([]);
    });

    it('a burst for one address from many clients sends at most one confirmation', async () => {
      const email = 'burst-many-clients@example.org';
      const answers = await Promise.all(
        Array.from({ length: 20 }, () =>
          api().post('/api/subscriptions').set('X-Forwarded-For', nextIp()).send({ email }),
        ),
      );
      for (const a of answers) expect(a.status).toBe(202);
      await h.startInProcessWorker();
      await mail.idle(h);
      expect(h.smtp.to(email)).toHaveLength(1);
    });
  });

  describe('security headers', () => {
    it('every page denies framing, sniffing and foreign scripts; JSON answers are not sniffed either', async () => {
      const routes = appRoutes(h).filter(
        (r) => r.method === 'GET' && !r.path.includes('*') && !r.path.startsWith('/admin/queues'),
      );
      let pages = 0;
      const extra = ['/confirm?token=x', '/unsubscribe?token=x', '/preferences?token=x', '/no-such-page'];
      const paths = [...new Set([...routes.map((r) => r.path.replace(/:\w+/g, '1')), ...extra])];
      for (const path of paths) {
        const isAdmin = path.startsWith('/admin') || path.startsWith('/api/admin');
        let req = api().get(path).set('Accept', 'text/html');
        if (isAdmin && !path.startsWith('/admin/login')) req = req.auth(h.adminToken, { type: 'bearer' });
        const res = await req;
        expect(res.headers['x-content-type-options']).toBe('nosniff');
        if (!String(res.headers['content-type']).includes('text/html')) continue;
        pages++;
        const csp = String(res.headers['content-security-policy'] ?? '');
        const where = `GET ${path} (${res.status})`;
        expect({ where, csp: /frame-ancestors 'none'/.test(csp) }).toEqual({ where, csp: true });
        expect({ where, xfo: res.headers['x-frame-options'] }).toEqual({ where, xfo: 'DENY' });
        const scripts = /script-src ([^;]*)/.exec(csp)?.[1] ?? /default-src ([^;]*)/.exec(csp)?.[1] ?? '';
        expect({ where, scripts: /unsafe-inline|unsafe-eval|\*/.test(scripts) }).toEqual({
          where,
          scripts: false,
        });
      }
      console.log(`security headers checked on ${paths.length} GET routes, ${pages} HTML pages`);
      expect(pages).toBeGreaterThan(5);
    });
  });
});
