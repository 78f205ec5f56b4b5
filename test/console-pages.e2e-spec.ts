import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { consoleGet, consoleLogin, consolePost, type ConsoleSession } from './helpers/console-session';
import { Harness, ROOT } from './helpers/harness';

/**
 * What every page shares: one sender (layout, no-store, UTF-8 HTML), one filter for every console error (a
 * full console page with the navigation and a way back), DTO-checked query strings and forms (a refused form
 * shown again with the input and the message), and stylesheets and scripts under content-hashed URLs.
 */
describe('pages: console errors, forms and assets', () => {
  let h: Harness;
  let admin: ConsoleSession;
  let editor: ConsoleSession;
  let ops: ConsoleSession;
  const api = () => request(h.baseUrl);
  const get = (s: ConsoleSession, path: string) => consoleGet(h, s, path);
  const post = (s: ConsoleSession, path: string, form: Record<string, string>, withCsrf = true) =>
    consolePost(h, s, path, form, withCsrf);

  beforeAll(async () => {
    h = await Harness.start({ env: { TRUST_PROXY: 'true' } });
    admin = await consoleLogin(h, 'admin');
    editor = await consoleLogin(h, 'editor');
    ops = await consoleLogin(h, 'ops');
  });
  afterAll(async () => {
    await h?.stop();
  });

  /** A full console page: the brand, the navigation of the viewer's role, the stylesheet, never cached. */
  function expectConsolePage(res: request.Response, status: number): void {
    expect({ status: res.status, type: res.headers['content-type'] }).toEqual({
      status,
      type: 'text/html; charset=utf-8',
    });
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.text).toContain('<nav aria-label="Console">');
    expect(res.text).toContain('<a href="/admin/editions"');
    expect(res.text).toMatch(/<span class="brand">CRANK Call<\/span>/);
    expect(res.text).toMatch(/<link rel="stylesheet" href="\/assets\/console\.[0-9a-f]{12}\.css" \/>/);
    expect(res.text).toContain('role="alert"');
  }

  describe('ConsoleExceptionFilter', () => {
    // a 403 was a bare error page before; a 404 a page of its controller's own
    it.each([
      [
        'editor',
        '/admin/users',
        403,
        'Not allowed',
        'Your role (editor) may not do this; it needs: admin',
        null,
      ],
      ['ops', '/admin/subscribers/999999', 404, 'Not found', 'Subscriber 999999 not found', 'Subscribers'],
    ] as const)(
      '%s GET %s: a %i console page with the navigation and a way back',
      async (who, path, status, heading, message, section) => {
        const viewer = { editor, ops }[who];
        const res = await get(viewer, path);
        expectConsolePage(res, status);
        expect(res.text).toContain(`<h1>${heading}</h1>`);
        expect(res.text).toContain(message);
        expect(res.text).toContain(viewer.email);
        expect(res.text).toContain('<a href="/admin">Dashboard</a>');
        if (section === null) {
          // the way back never leads to a section the role may not open
          expect(res.text).not.toContain(`href="${path}"`);
        } else {
          expect(res.text).toContain(`<a href="/admin/subscribers">Back to ${section}</a>`);
          expect(res.text).toMatch(/<a href="\/admin\/subscribers" aria-current="page"/);
        }
      },
    );

    it('a form without the CSRF token is a 403 console page; a write without a session a 401 page', async () => {
      const res = await post(editor, '/admin/tokens', { name: 'x' }, false);
      expectConsolePage(res, 403);
      expect(res.text).toContain('Missing or invalid CSRF token');
      const anonymous = await api()
        .post('/admin/tokens')
        .set('Accept', 'text/html')
        .type('form')
        .send({ name: 'x' });
      expect(anonymous.status).toBe(401);
      expect(anonymous.headers['www-authenticate']).toBe('Bearer');
      expect(anonymous.text).toContain('<a href="/admin/login">Sign in to the console</a>');
      // a page request is sent to the sign-in form instead
      const page = await api().get('/admin/tokens').set('Accept', 'text/html');
      expect(page.status).toBe(303);
      expect(page.headers.location).toBe('/admin/login?next=%2Fadmin%2Ftokens');
    });

    it('a 409 from the domain keeps the form page and says why', async () => {
      // this session's user is the only admin: demoting the last active admin is refused
      const [only] = await h.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM app_user WHERE role = 'admin' AND disabled_at IS NULL",
      );
      expect(only!.n).toBe(1);
      const [me] = await h.query<{ id: number }>('SELECT id FROM app_user WHERE email = $1', [admin.email]);
      const res = await post(admin, `/admin/users/${me!.id}/role`, { role: 'ops' });
      expectConsolePage(res, 409);
      expect(res.text).toMatch(/id="role-error" role="alert">[^<]*admin/);
      expect(res.text).toContain(`action="/admin/users/${me!.id}/role"`);
    });
  });

  describe('query strings and forms are checked by DTOs (the API ValidationPipe)', () => {
    it('refuses an unknown or repeated query parameter with a 400 console page', async () => {
      const unknown = await get(ops, '/admin/campaigns?sort=desc');
      expectConsolePage(unknown, 400);
      expect(unknown.text).toContain('property sort should not exist');
      const twice = await get(ops, '/admin/subscribers?q=a&q=b');
      expectConsolePage(twice, 400);
      expect(twice.text).toContain('search must be given once, as text');
      const cursor = await get(ops, '/admin/campaigns?cursor=x');
      expectConsolePage(cursor, 400);
      expect(cursor.text).toContain('cursor is invalid');
    });

    it('shows a refused form again with what was typed and the DTO message, next to the form', async () => {
      const password = 'long-enough-password-1';
      const user = { email: 'kept@example.test', role: 'editor', password, confirm: password };
      const res = await post(admin, '/admin/users', { ...user, isAdmin: 'yes' });
      expectConsolePage(res, 400);
      expect(res.text).toMatch(/id="create-error" role="alert">property isAdmin should not exist</);
      expect(res.text).toContain('value="kept@example.test"');
      expect(await h.query("SELECT 1 FROM app_user WHERE email = 'kept@example.test'")).toEqual([]);

      const long = await post(admin, '/admin/users', { ...user, email: `${'x'.repeat(300)}@example.test` });
      expectConsolePage(long, 400);
      expect(long.text).toContain('email must be at most 254 characters');
    });

    it('a refused form keeps its status and the Retry-After of a limit (429)', async () => {
      const draft = readFileSync(join(ROOT, 'test/fixtures/crank-call-2025-04.txt'), 'utf8');
      const headers = { Authorization: `Bearer ${h.adminToken}`, 'Content-Type': 'text/plain' };
      const imported = await api().post('/api/admin/editions/import').set(headers).send(draft);
      expect(imported.status).toBe(201);
      const to = Array.from({ length: 10 }, (_, i) => `t${i}@example.test`).join(', ');
      const path = `/admin/editions/${imported.body.id}/test`;
      expect((await post(editor, path, { to })).status).toBe(303);
      expect((await post(editor, path, { to })).status).toBe(303);
      const refused = await post(editor, path, { to });
      expectConsolePage(refused, 429);
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
      expect(refused.text).toContain('id="test-to-error"');
      expect(refused.text).toContain('Too many test sends');
    });
  });

  describe('assets', () => {
    const IMMUTABLE = 'public, max-age=31536000, immutable';
    const hashOf = (file: string) =>
      createHash('sha256')
        .update(readFileSync(join(ROOT, 'apps/api/assets', file)))
        .digest('hex')
        .slice(0, 12);

    it('links the stylesheet by a hash of its content and serves it for a year', async () => {
      const page = await api().get('/').set('Accept', 'text/html');
      expect(page.status).toBe(200);
      expect(page.headers['cache-control']).toBe('no-store');
      const href = /<link rel="stylesheet" href="([^"]+)" \/>/.exec(page.text)?.[1];
      expect(href).toBe(`/assets/reader.${hashOf('css/reader.css')}.css`);
      const css = await api().get(href!);
      expect(css.status).toBe(200);
      expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
      expect(css.headers['cache-control']).toBe(IMMUTABLE);
      expect(css.text).toBe(readFileSync(join(ROOT, 'apps/api/assets/css/reader.css'), 'utf8'));
      // no style or script is written into the page itself
      expect(page.text).not.toMatch(/<style|<script/);
    });

    it('answers 404 for an unknown name, an old hash or the name without its hash', async () => {
      for (const path of [
        '/assets/reader.000000000000.css',
        '/assets/reader.css',
        '/assets/nothing.0123456789ab.js',
        `/assets/console.${hashOf('css/reader.css')}.css`,
      ]) {
        const res = await api().get(path);
        expect({ path, status: res.status }).toEqual({ path, status: 404 });
        expect(res.headers['cache-control']).not.toBe(IMMUTABLE);
      }
    });

    it('console pages link only hashed stylesheets and scripts (none inline)', async () => {
      const res = await get(editor, '/admin/editions/import');
      expect(res.status).toBe(200);
      expect(res.text).not.toMatch(/<style|style="/);
      const scripts = [...res.text.matchAll(/<script([^>]*)>/g)].map((m) => m[1]!);
      expect(scripts).toEqual([` src="/assets/editions.${hashOf('js/editions.js')}.js" defer`]);
      const js = await api().get(`/assets/editions.${hashOf('js/editions.js')}.js`);
      expect(js.headers['content-type']).toBe('application/javascript; charset=utf-8');
      expect(js.headers['cache-control']).toBe(IMMUTABLE);
    });
  });
});
