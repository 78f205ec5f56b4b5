import type request from 'supertest';
import { consoleLoginAttempt, consoleSignIn, type ConsoleSession } from './helpers/console-session';
import { FUZZ, HOSTILE, HOSTILE_ESCAPED, misbehaves, pct } from './helpers/console-fuzz';
import { consoleWorld } from './helpers/scenarios';

type Session = Pick<ConsoleSession, 'cookie' | 'csrf'>;

/** The console's users (admins only) and personal API token pages. */

describe('console: users and API tokens', () => {
  // Its users have names of their own (created below), not one per role.
  const { h, api, get, post } = consoleWorld({ roles: [] });

  async function createUser(email: string, role: string, password: string): Promise<number> {
    const res = await api()
      .post('/api/admin/users')
      .auth(h.adminToken, { type: 'bearer' })
      .send({ email, role, password });
    expect(res.status).toBe(201);
    return res.body.id as number;
  }

  const loginAttempt = (email: string, password: string) => consoleLoginAttempt(h, email, password);
  const login = (email: string, password: string): Promise<Session> => consoleSignIn(h, email, password);

  let admin: Session;
  let adminId: number;
  let editor: Session;
  let ops: Session;
  let opsId: number;

  beforeAll(async () => {
    adminId = await createUser('admin@console-acc.test', 'admin', 'admin-password-0123');
    await createUser('editor@console-acc.test', 'editor', 'editor-password-0123');
    opsId = await createUser('ops@console-acc.test', 'ops', 'ops-password-0123');
    admin = await login('admin@console-acc.test', 'admin-password-0123');
    editor = await login('editor@console-acc.test', 'editor-password-0123');
    ops = await login('ops@console-acc.test', 'ops-password-0123');
  });

  describe('users', () => {
    it('is for admins only: editors and ops get 403, on pages and forms', async () => {
      for (const s of [editor, ops]) {
        expect((await get(s, '/admin/users')).status).toBe(403);
        expect((await get(s, `/admin/users/${adminId}`)).status).toBe(403);
        const res = await post(s, '/admin/users', {
          email: 'sneaky@console-acc.test',
          role: 'admin',
          password: 'sneaky-password-0123',
          confirm: 'sneaky-password-0123',
        });
        expect(res.status).toBe(403);
        expect((await post(s, `/admin/users/${opsId}/role`, { role: 'admin' })).status).toBe(403);
      }
      expect(await h.query("SELECT 1 FROM app_user WHERE email = 'sneaky@console-acc.test'")).toEqual([]);
      expect((await h.query('SELECT role FROM app_user WHERE id = $1', [opsId]))[0]).toEqual({ role: 'ops' });
      // the navigation shows the link only to admins
      expect((await get(editor, '/admin/tokens')).text).not.toContain('href="/admin/users"');
      expect((await get(admin, '/admin/tokens')).text).toContain('href="/admin/users"');
    });

    it('lists users with role and state, never a password hash', async () => {
      const res = await get(admin, '/admin/users');
      expect(res.status).toBe(200);
      expect(res.headers['cache-control']).toBe('no-store');
      for (const email of ['admin@console-acc.test', 'editor@console-acc.test', 'ops@console-acc.test']) {
        expect(res.text).toContain(email);
      }
      expect(res.text).not.toContain('scrypt$');
      expect(res.text).toContain('<label for="confirm">');
    });

    it('creates a user who can then sign in', async () => {
      const res = await post(admin, '/admin/users', {
        email: 'New.Editor@console-acc.test',
        role: 'editor',
        password: 'new-editor-password-1',
        confirm: 'new-editor-password-1',
      });
      expect(res.status).toBe(303);
      const [row] = await h.query<{ id: number; role: string; password_hash: string }>(
        "SELECT id, role, password_hash FROM app_user WHERE email = 'new.editor@console-acc.test'",
      );
      expect(row).toMatchObject({ role: 'editor' });
      expect(row!.password_hash).toMatch(/^scrypt\$/);
      expect(res.headers.location).toBe(`/admin/users/${row!.id}?notice=user-created`);
      const page = await get(admin, res.headers.location!);
      expect(page.text).toContain('User created.');
      expect(page.text).not.toContain(row!.password_hash);
      expect((await loginAttempt('new.editor@console-acc.test', 'new-editor-password-1')).status).toBe(303);
    });

    it('refuses bad input with the message, keeping what was typed (escaped) but not the password', async () => {
      const cases: [Record<string, string>, number, string][] = [
        [
          {
            email: 'a@console-acc.test',
            role: 'editor',
            password: 'long-enough-pass-1',
            confirm: 'different-pass-12',
          },
          400,
          'The two passwords do not match',
        ],
        [
          { email: 'b@console-acc.test', role: 'editor', password: 'short', confirm: 'short' },
          400,
          'Password must be at least 12 characters',
        ],
        [
          { email: HOSTILE, role: 'editor', password: 'long-enough-pass-1', confirm: 'long-enough-pass-1' },
          400,
          'A valid email address is required',
        ],
        [
          {
            email: 'c@console-acc.test',
            role: 'root',
            password: 'long-enough-pass-1',
            confirm: 'long-enough-pass-1',
          },
          400,
          'Role must be one of admin, editor, ops',
        ],
        [
          {
            email: 'editor@console-acc.test',
            role: 'ops',
            password: 'long-enough-pass-1',
            confirm: 'long-enough-pass-1',
          },
          409,
          'A user with this email address already exists',
        ],
      ];
      for (const [form, status, message] of cases) {
        const res = await post(admin, '/admin/users', form);
        expect(res.status).toBe(status);
        expect(res.text).toContain(message);
        expect(res.text).toContain('role="alert"');
        expect(res.text).not.toContain(HOSTILE);
        expect(res.text).not.toContain(form.password);
        if (form.email === HOSTILE) expect(res.text).toContain(`value="${HOSTILE_ESCAPED}"`);
      }
      const arrays = await api()
        .post('/admin/users')
        .set('Cookie', admin.cookie)
        .type('form')
        .send(`_csrf=${admin.csrf}&email=x@console-acc.test&email=y@console-acc.test&role=ops`);
      expect(arrays.status).toBe(400);
      expect(await h.query("SELECT email FROM app_user WHERE email LIKE '_@console-acc.test'")).toEqual([]);
    });

    it('refuses a form without the CSRF token (403)', async () => {
      const res = await post(
        admin,
        '/admin/users',
        {
          email: 'nocsrf@console-acc.test',
          role: 'ops',
          password: 'no-csrf-password-1',
          confirm: 'no-csrf-password-1',
        },
        false,
      );
      expect(res.status).toBe(403);
      expect(await h.query("SELECT 1 FROM app_user WHERE email = 'nocsrf@console-acc.test'")).toEqual([]);
    });

    it('changes role, disables (ending sessions) and enables, sets a password, deletes', async () => {
      const id = await createUser('target@console-acc.test', 'editor', 'target-password-0123');
      const target = await login('target@console-acc.test', 'target-password-0123');

      const role = await post(admin, `/admin/users/${id}/role`, { role: 'ops' });
      expect(role.status).toBe(303);
      expect(role.headers.location).toBe(`/admin/users/${id}?notice=role-changed`);
      expect((await h.query('SELECT role FROM app_user WHERE id = $1', [id]))[0]).toEqual({ role: 'ops' });
      const badRole = await post(admin, `/admin/users/${id}/role`, { role: 'superuser' });
      expect(badRole.status).toBe(400);
      expect(badRole.text).toMatch(/id="role-error" role="alert">Role must be one of/);

      const disable = await post(admin, `/admin/users/${id}/disable`, {});
      expect(disable.status).toBe(303);
      const [d] = await h.query<{ disabled_at: Date | null }>(
        'SELECT disabled_at FROM app_user WHERE id = $1',
        [id],
      );
      expect(d!.disabled_at).not.toBeNull();
      const after = await get(target, '/admin/tokens');
      expect(after.status).toBe(303);
      expect(after.headers.location).toMatch(/^\/admin\/login/);
      expect((await get(admin, `/admin/users/${id}`)).text).toContain('Enable user');

      expect((await post(admin, `/admin/users/${id}/enable`, {})).status).toBe(303);
      expect((await h.query('SELECT disabled_at FROM app_user WHERE id = $1', [id]))[0]).toEqual({
        disabled_at: null,
      });

      const mismatch = await post(admin, `/admin/users/${id}/password`, {
        password: 'brand-new-password-1',
        confirm: 'brand-new-password-2',
      });
      expect(mismatch.status).toBe(400);
      expect(mismatch.text).toMatch(/id="password-error" role="alert">The two passwords do not match/);
      const pw = await post(admin, `/admin/users/${id}/password`, {
        password: 'brand-new-password-1',
        confirm: 'brand-new-password-1',
      });
      expect(pw.status).toBe(303);
      expect((await loginAttempt('target@console-acc.test', 'target-password-0123')).status).toBe(401);
      expect((await loginAttempt('target@console-acc.test', 'brand-new-password-1')).status).toBe(303);

      const unconfirmed = await post(admin, `/admin/users/${id}/delete`, {});
      expect(unconfirmed.status).toBe(400);
      expect(unconfirmed.text).toContain('Tick the box to confirm the deletion');
      const del = await post(admin, `/admin/users/${id}/delete`, { confirm: 'yes' });
      expect(del.status).toBe(303);
      expect(del.headers.location).toBe('/admin/users?notice=user-deleted');
      expect(await h.query('SELECT 1 FROM app_user WHERE id = $1', [id])).toEqual([]);
      expect((await get(admin, `/admin/users/${id}`)).status).toBe(404);
      expect((await post(admin, `/admin/users/${id}/role`, { role: 'ops' })).status).toBe(404);
      expect((await get(admin, '/admin/users/not-a-number')).status).toBe(400);
    });

    it('will not demote, disable or delete the last active admin (409)', async () => {
      for (const [path, form] of [
        [`/admin/users/${adminId}/role`, { role: 'editor' }],
        [`/admin/users/${adminId}/disable`, {}],
        [`/admin/users/${adminId}/delete`, { confirm: 'yes' }],
      ] as const) {
        const res = await post(admin, path, form);
        expect(res.status).toBe(409);
        expect(res.text).toContain('The last active admin cannot be removed, disabled or demoted');
      }
      expect((await h.query('SELECT role, disabled_at FROM app_user WHERE id = $1', [adminId]))[0]).toEqual({
        role: 'admin',
        disabled_at: null,
      });
    });
  });

  describe('API tokens', () => {
    const newToken = (text: string) => /id="new-token"[^>]*value="(nlt_[\w-]+)"/.exec(text)?.[1];

    it('creates a token shown once, which works as a bearer token until revoked', async () => {
      const res = await post(ops, '/admin/tokens', { name: HOSTILE });
      expect(res.status).toBe(201);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.text).toContain('it will not be shown again');
      expect(res.text).toContain(HOSTILE_ESCAPED);
      expect(res.text).not.toContain(HOSTILE);
      const token = newToken(res.text);
      expect(token).toBeDefined();
      const [row] = await h.query<{ id: number; token_hash: string; user_id: number }>(
        'SELECT id, token_hash, user_id FROM api_token WHERE name = $1',
        [HOSTILE],
      );
      expect(row!.user_id).toBe(opsId);
      expect(row!.token_hash).not.toContain(token!);

      // works against the admin API with the owner's role (ops: may read, may not write)
      const read = await api().get('/api/admin/subscribers').auth(token!, { type: 'bearer' });
      expect(read.status).toBe(200);
      const write = await api()
        .post('/api/admin/subscribers/import')
        .auth(token!, { type: 'bearer' })
        .set('Content-Type', 'text/csv')
        .send('email\nx@example.org\n');
      expect(write.status).toBe(403);

      // never shown again: the list has its name and prefix, not the token
      const list = await get(ops, '/admin/tokens');
      expect(list.status).toBe(200);
      expect(list.text).toContain(HOSTILE_ESCAPED);
      expect(list.text).toContain(`${token!.slice(0, 12)}…`);
      expect(list.text).not.toContain(token!);
      const [used] = await h.query<{ last_used_at: Date | null }>(
        'SELECT last_used_at FROM api_token WHERE id = $1',
        [row!.id],
      );
      expect(used!.last_used_at).not.toBeNull();

      const revoke = await post(ops, `/admin/tokens/${row!.id}/revoke`, {});
      expect(revoke.status).toBe(303);
      expect(revoke.headers.location).toBe('/admin/tokens?notice=token-revoked');
      expect((await api().get('/api/admin/subscribers').auth(token!, { type: 'bearer' })).status).toBe(401);
      const [revoked] = await h.query<{ revoked_at: Date | null }>(
        'SELECT revoked_at FROM api_token WHERE id = $1',
        [row!.id],
      );
      expect(revoked!.revoked_at).not.toBeNull();
      expect((await get(ops, revoke.headers.location!)).text).toContain('Token revoked');
    });

    it("lets only an admin see and revoke another user's token", async () => {
      const created = await post(editor, '/admin/tokens', { name: 'editor script' });
      expect(created.status).toBe(201);
      const token = newToken(created.text)!;
      const [row] = await h.query<{ id: number }>("SELECT id FROM api_token WHERE name = 'editor script'");

      expect((await get(ops, '/admin/tokens')).text).not.toContain('editor script');
      const opsRevoke = await post(ops, `/admin/tokens/${row!.id}/revoke`, {});
      expect(opsRevoke.status).toBe(404);
      expect((await h.query('SELECT revoked_at FROM api_token WHERE id = $1', [row!.id]))[0]).toEqual({
        revoked_at: null,
      });

      const adminPage = await get(admin, '/admin/tokens');
      expect(adminPage.text).toContain("Other users' tokens");
      expect(adminPage.text).toContain('editor script');
      expect(adminPage.text).toContain('editor@console-acc.test');
      expect((await post(admin, `/admin/tokens/${row!.id}/revoke`, {})).status).toBe(303);
      expect((await api().get('/api/admin/editions').auth(token, { type: 'bearer' })).status).toBe(401);
    });

    it('refuses a bad name (400), a missing CSRF token (403), an unknown token (404)', async () => {
      const empty = await post(editor, '/admin/tokens', { name: '   ' });
      expect(empty.status).toBe(400);
      expect(empty.text).toMatch(/id="token-error" role="alert">Token name must be 1 to 100 characters/);
      const long = await post(editor, '/admin/tokens', { name: `<b>${'n'.repeat(120)}` });
      expect(long.status).toBe(400);
      expect(long.text).toContain('name must be at most 100 characters');
      const nul = await post(editor, '/admin/tokens', { name: 'nul\u0000name' });
      expect(nul.status).toBe(400);
      expect(nul.text).toContain('name must not contain control characters');
      const noCsrf = await post(editor, '/admin/tokens', { name: 'no csrf' }, false);
      expect(noCsrf.status).toBe(403);
      expect(await h.query("SELECT 1 FROM api_token WHERE name IN ('no csrf', '   ')")).toEqual([]);
      expect((await post(editor, '/admin/tokens/999999/revoke', {})).status).toBe(404);
      expect((await post(editor, '/admin/tokens/abc/revoke', {})).status).toBe(400);
    });

    it('the bootstrap ADMIN_API_TOKEN sees every token but cannot create one (a bearer token never can)', async () => {
      const page = await api()
        .get('/admin/tokens')
        .auth(h.adminToken, { type: 'bearer' })
        .set('Accept', 'text/html');
      expect(page.status).toBe(200);
      expect(page.text).toContain('editor script');
      const res = await api()
        .post('/admin/tokens')
        .auth(h.adminToken, { type: 'bearer' })
        .set('Accept', 'text/html')
        .type('form')
        .send({ name: 'bootstrap' });
      expect(res.status).toBe(403);
      expect(res.text).toContain('needs a console session');
    });
  });
  it('answers hostile values in every path and form field with a 2xx/3xx or a clear 4xx', async () => {
    const targetId = await createUser('fuzz-target@console-acc.test', 'editor', 'fuzz-target-password-1');
    const s = admin;
    const form = (body: Record<string, string>) =>
      [`_csrf=${pct(s.csrf)}`, ...Object.entries(body).map(([k, v]) => `${k}=${pct(v)}`)].join('&');
    const send = (path: string, body: Record<string, string>) =>
      api().post(path).set('Cookie', s.cookie).set('Accept', 'text/html').type('form').send(form(body));
    const okUser = {
      email: 'fuzz-new@console-acc.test',
      role: 'ops',
      password: 'fuzz-password-123',
      confirm: 'fuzz-password-123',
    };
    const bad: string[] = [];
    for (const v of FUZZ) {
      const attempts: [string, request.Test][] = [
        ...(['email', 'role', 'password', 'confirm'] as const).map((f): [string, request.Test] => [
          `POST /admin/users ${f}`,
          send('/admin/users', { ...okUser, [f]: v }),
        ]),
        ['POST role', send(`/admin/users/${targetId}/role`, { role: v })],
        ['POST password', send(`/admin/users/${targetId}/password`, { password: v, confirm: v })],
        ['POST delete', send(`/admin/users/${targetId}/delete`, { confirm: v })],
        ['POST :id/disable path', send(`/admin/users/${pct(v)}/disable`, {})],
        ['GET :id', get(s, `/admin/users/${pct(v)}`)],
        ['GET users ?notice', get(s, `/admin/users?notice=${pct(v)}`)],
        ['POST /admin/tokens name', send('/admin/tokens', { name: v })],
        ['POST :id/revoke path', send(`/admin/tokens/${pct(v)}/revoke`, {})],
        ['GET tokens ?notice', get(s, `/admin/tokens?notice=${pct(v)}`)],
      ];
      for (const [what, req] of attempts) {
        const res = await req;
        const wrong = misbehaves(res, v);
        if (wrong) bad.push(`${what} ${JSON.stringify(v.slice(0, 40))}: ${wrong}`);
      }
    }
    expect(bad).toEqual([]);
    // the target survived (no "yes" in the set) and no hash ever reached a page
    expect(await h.query('SELECT 1 FROM app_user WHERE id = $1', [targetId])).toHaveLength(1);
    expect((await get(s, '/admin/tokens')).text).not.toContain('<img src=x');
  });
});
