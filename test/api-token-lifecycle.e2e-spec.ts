import request from 'supertest';
import { decode } from './helpers/console-fuzz';
import { consoleGet, consoleLogin, consolePost, type ConsoleSession } from './helpers/console-session';
import { Harness } from './helpers/harness';

/**
 * Personal API tokens (issue 11): a password change or disabling revokes them all, only a console session
 * creates them (a token cannot mint its successor), and they may expire.
 */
describe('API tokens: revocation, session-only creation, expiry', () => {
  let h: Harness;
  const api = () => request(h.baseUrl);

  beforeAll(async () => {
    h = await Harness.start({ env: { TRUST_PROXY: 'true' } });
  });
  afterAll(async () => {
    await h?.stop();
  });

  /** A token created from `s`'s console session through the JSON API. */
  async function createToken(s: ConsoleSession, body: Record<string, unknown> = { name: 'script' }) {
    return api().post('/api/admin/tokens').set('Cookie', s.cookie).set('X-CSRF-Token', s.csrf).send(body);
  }
  const asToken = (token: string, path = '/api/admin/tokens') =>
    api().get(path).auth(token, { type: 'bearer' });
  const revokedAt = async (id: number) =>
    (await h.query<{ revoked_at: Date | null }>('SELECT revoked_at FROM api_token WHERE id = $1', [id]))[0]!
      .revoked_at;

  describe('revoked with the password and on disable', () => {
    it('a password change through the API revokes every token of the user, and only theirs', async () => {
      const ops = await consoleLogin(h, 'ops');
      const bystander = await consoleLogin(h, 'editor');
      const a = (await createToken(ops, { name: 'one' })).body as { id: number; token: string };
      const b = (await createToken(ops, { name: 'two' })).body as { id: number; token: string };
      const other = (await createToken(bystander)).body as { id: number; token: string };
      expect((await asToken(a.token)).status).toBe(200);

      const [{ id }] = (await h.query<{ id: number }>('SELECT id FROM app_user WHERE email = $1', [
        ops.email,
      ])) as [{ id: number }];
      const changed = await api()
        .patch(`/api/admin/users/${id}`)
        .auth(h.adminToken, { type: 'bearer' })
        .send({ password: 'a-brand-new-password-1' });
      expect(changed.status).toBe(200);

      for (const t of [a, b]) {
        const res = await asToken(t.token);
        expect(res.status).toBe(401);
        expect(res.body.message).toBe('Invalid or revoked token');
        expect(await revokedAt(t.id)).toBeInstanceOf(Date);
      }
      expect((await api().get('/api/admin/tokens').set('Cookie', ops.cookie)).status).toBe(401); // session ended
      expect((await asToken(other.token)).status).toBe(200);
      expect(await revokedAt(other.id)).toBeNull();
    });

    it('a password set in the console revokes them too', async () => {
      const admin = await consoleLogin(h, 'admin');
      const editor = await consoleLogin(h, 'editor');
      const t = (await createToken(editor)).body as { id: number; token: string };
      const [{ id }] = (await h.query<{ id: number }>('SELECT id FROM app_user WHERE email = $1', [
        editor.email,
      ])) as [{ id: number }];
      const res = await consolePost(h, admin, `/admin/users/${id}/password`, {
        password: 'console-new-password-1',
        confirm: 'console-new-password-1',
      });
      expect(res.status).toBe(303);
      expect((await asToken(t.token)).status).toBe(401);
    });

    it('disabling revokes them, and re-enabling does not bring them back', async () => {
      const editor = await consoleLogin(h, 'editor');
      const t = (await createToken(editor)).body as { id: number; token: string };
      const [{ id }] = (await h.query<{ id: number }>('SELECT id FROM app_user WHERE email = $1', [
        editor.email,
      ])) as [{ id: number }];
      const patch = (disabled: boolean) =>
        api().patch(`/api/admin/users/${id}`).auth(h.adminToken, { type: 'bearer' }).send({ disabled });
      expect((await patch(true)).status).toBe(200);
      expect((await asToken(t.token)).status).toBe(401);
      expect((await patch(false)).status).toBe(200);
      expect((await asToken(t.token)).status).toBe(401);
      expect(await revokedAt(t.id)).toBeInstanceOf(Date);
    });

    it('a role change keeps the tokens (they act with the current role anyway)', async () => {
      const editor = await consoleLogin(h, 'editor');
      const t = (await createToken(editor)).body as { token: string };
      const [{ id }] = (await h.query<{ id: number }>('SELECT id FROM app_user WHERE email = $1', [
        editor.email,
      ])) as [{ id: number }];
      await api()
        .patch(`/api/admin/users/${id}`)
        .auth(h.adminToken, { type: 'bearer' })
        .send({ role: 'ops' });
      expect((await asToken(t.token)).status).toBe(200);
      // an ops token cannot create an edition: the new role applies at once
      const write = await api()
        .post('/api/admin/editions')
        .auth(t.token, { type: 'bearer' })
        .send({ subject: 'x' });
      expect(write.status).toBe(403);
    });
  });

  describe('only a console session creates tokens', () => {
    it('a personal token cannot create a token (403 saying why), on the API and in the console', async () => {
      const ops = await consoleLogin(h, 'ops');
      const t = (await createToken(ops)).body as { token: string };
      const before = await h.query('SELECT id FROM api_token');
      const viaApi = await api()
        .post('/api/admin/tokens')
        .auth(t.token, { type: 'bearer' })
        .send({ name: 'x' });
      expect(viaApi.status).toBe(403);
      expect(viaApi.body.message).toMatch(/needs a console session/);
      const viaConsole = await api()
        .post('/admin/tokens')
        .auth(t.token, { type: 'bearer' })
        .set('Accept', 'text/html')
        .type('form')
        .send({ name: 'x' });
      expect(viaConsole.status).toBe(403);
      expect(decode(viaConsole.text)).toContain('needs a console session');
      expect(viaConsole.text).not.toContain('id="new-token"');
      expect(await h.query('SELECT id FROM api_token')).toEqual(before);
      // the token may still list and revoke
      expect((await asToken(t.token)).status).toBe(200);
    });

    it('neither can the bootstrap ADMIN_API_TOKEN', async () => {
      const res = await api()
        .post('/api/admin/tokens')
        .auth(h.adminToken, { type: 'bearer' })
        .send({ name: 'x' });
      expect(res.status).toBe(403);
      expect(res.body.message).toMatch(/needs a console session/);
    });
  });

  describe('expiry', () => {
    it('expiresAt is stored and listed; an expired token → 401 saying it expired', async () => {
      const editor = await consoleLogin(h, 'editor');
      const expiresAt = new Date(Date.now() + 3600_000).toISOString();
      const created = await createToken(editor, { name: 'short-lived', expiresAt });
      expect(created.status).toBe(201);
      expect(created.body.expiresAt).toBe(expiresAt);
      const token = created.body.token as string;
      const listed = await asToken(token);
      expect(listed.status).toBe(200);
      expect(listed.body.find((x: { id: number }) => x.id === created.body.id).expiresAt).toBe(expiresAt);

      // an hour later (moved in the database, not waited for)
      await h.query(`UPDATE api_token SET expires_at = now() - interval '1 second' WHERE id = $1`, [
        created.body.id,
      ]);
      const expired = await asToken(token);
      expect(expired.status).toBe(401);
      expect(expired.body.message).toMatch(/^This API token expired at \d{4}-\d\d-\d\dT/);
      // a token without expiry is listed with null
      const forever = await createToken(editor, { name: 'forever' });
      expect(forever.body.expiresAt).toBeNull();
      expect((await asToken(forever.body.token as string)).status).toBe(200);
    });

    it.each([
      ['in the past', { name: 'x', expiresAt: '2020-01-01T00:00:00Z' }, /in the future/],
      ['not a date', { name: 'x', expiresAt: 'next tuesday' }, /ISO 8601/],
      ['not a string', { name: 'x', expiresAt: 12345 }, /ISO 8601/],
    ])('expiresAt %s → 400 with the reason', async (_what, body, message) => {
      const editor = await consoleLogin(h, 'editor');
      const res = await createToken(editor, body);
      expect(res.status).toBe(400);
      expect([res.body.message].flat().join('; ')).toMatch(message);
    });

    it('the console form takes a "valid until" day and lists the expiry; a bad day is refused', async () => {
      const editor = await consoleLogin(h, 'editor');
      const page = await consoleGet(h, editor, '/admin/tokens');
      expect(page.text).toContain('<label for="token-valid-until">');
      const day = new Date(Date.now() + 30 * 24 * 3600_000).toISOString().slice(0, 10);
      const created = await consolePost(h, editor, '/admin/tokens', { name: 'month', validUntil: day });
      expect(created.status).toBe(201);
      const [row] = await h.query<{ expires_at: Date }>(
        "SELECT expires_at FROM api_token WHERE name = 'month'",
      );
      // works through that whole day (UTC): refused from the start of the next
      expect(row!.expires_at.toISOString()).toBe(
        new Date(Date.parse(`${day}T00:00:00Z`) + 86400_000).toISOString(),
      );
      const list = decode((await consoleGet(h, editor, '/admin/tokens')).text);
      expect(list).toContain(`${row!.expires_at.toISOString().slice(0, 16).replace('T', ' ')} UTC`);

      await h.query("UPDATE api_token SET expires_at = now() - interval '1 minute' WHERE name = 'month'");
      expect(decode((await consoleGet(h, editor, '/admin/tokens')).text)).toMatch(/>\s*expired\s*</);

      for (const bad of ['2020-01-01', '2026-02-30', 'tomorrow']) {
        const res = await consolePost(h, editor, '/admin/tokens', { name: 'bad day', validUntil: bad });
        expect(res.status).toBe(400);
        expect(decode(res.text)).toMatch(/Valid until must be/);
      }
      expect(await h.query("SELECT 1 FROM api_token WHERE name = 'bad day'")).toEqual([]);
    });
  });
});
