import { consoleLogin, consoleSignIn, type ConsoleSession } from './helpers/console-session';
import { consoleWorld } from './helpers/scenarios';
import {
  codeStep,
  CookieJar,
  nextIp,
  passwordStep,
  shownRecoveryCodes,
  shownSecret,
  totp,
} from './helpers/two-factor';

/** Two-factor sign-in (issue 17) with REQUIRE_2FA off: set up by choice, then asked at every sign-in. */
describe('two-factor sign-in', () => {
  const { h, api, get, post, sessions } = consoleWorld({ roles: ['admin'] });
  let user: ConsoleSession;
  let userId: number;
  let secret: string;
  let recovery: string[];

  beforeAll(async () => {
    user = await consoleLogin(h, 'editor');
    const [row] = await h.query<{ id: number }>('SELECT id FROM app_user WHERE email = $1', [user.email]);
    userId = row!.id;
  });

  /** Password then code, each step from one new address; the last answer and the browser's cookies. */
  async function signIn(code: string, password = user.password) {
    const jar = new CookieJar();
    const ip = nextIp();
    const first = await passwordStep(h, jar, ip, user.email, password);
    expect(first.status).toBe(303);
    expect(first.headers.location).toBe('/admin/login/two-factor?next=%2Fadmin%2Feditions');
    expect(jar.get('nl_session')).toBeUndefined();
    const { res } = await codeStep(h, jar, ip, first.headers.location!, code);
    return { res, jar };
  }

  it('enrols from the console: QR code and key shown while setting up, recovery codes once', async () => {
    const page = await get(user, '/admin/account/two-factor');
    expect(page.status).toBe(200);
    expect(page.text).toMatch(/<img src="data:image\/svg\+xml;base64,[A-Za-z0-9+/]+(?:&#61;)*" width="200"/);
    secret = shownSecret(page.text);
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    // stored encrypted, never as the key itself
    const [stored] = await h.query<{ totp_pending_secret: string; totp_secret: string | null }>(
      'SELECT totp_pending_secret, totp_secret FROM app_user WHERE id = $1',
      [userId],
    );
    expect(stored!.totp_secret).toBeNull();
    expect(stored!.totp_pending_secret).toMatch(/^v1\./);
    expect(stored!.totp_pending_secret).not.toContain(secret);
    // reloading shows the same key (the app may have scanned it already)
    expect(shownSecret((await get(user, '/admin/account/two-factor')).text)).toBe(secret);

    const wrong = await post(user, '/admin/account/two-factor', { code: '000000' });
    expect(wrong.status).toBe(400);
    expect(wrong.text).toContain('That code is not right');

    const done = await post(user, '/admin/account/two-factor', { code: await totp(secret) });
    expect(done.status).toBe(200);
    recovery = shownRecoveryCodes(done.text);
    expect(recovery).toHaveLength(10);
    expect(new Set(recovery).size).toBe(10);

    const [row] = await h.query<{ totp_secret: string; recovery_code_hashes: string[] }>(
      'SELECT totp_secret, recovery_code_hashes FROM app_user WHERE id = $1',
      [userId],
    );
    expect(row!.totp_secret).toMatch(/^v1\./);
    expect(row!.recovery_code_hashes).toHaveLength(10);
    for (const c of recovery) expect(row!.recovery_code_hashes.join()).not.toContain(c);
    // never shown again
    const after = await get(user, '/admin/account/two-factor');
    expect(after.text).not.toContain('totp-secret');
    expect(after.text).not.toContain(recovery[0]);
    expect(after.text).toContain('Recovery codes left');
    expect((await post(user, '/admin/account/two-factor', { code: '123456' })).status).toBe(409);
  });

  it('asks for the code after the password: the pending state opens no console page', async () => {
    const jar = new CookieJar();
    const ip = nextIp();
    const first = await passwordStep(h, jar, ip, user.email, user.password);
    expect(first.status).toBe(303);
    expect(jar.get('nl_2fa_pending')).toBeDefined();
    const page = await api().get('/admin/editions').set('Cookie', jar.header()).set('Accept', 'text/html');
    expect(page.status).toBe(303);
    expect(page.headers.location).toMatch(/^\/admin\/login/);
    // a forged pending cookie is no pending state
    const forged = jar
      .header()
      .replace(/nl_2fa_pending=[^;]+/, 'nl_2fa_pending=MTIzLnZlcmlmeS45OTk5OTk5OTk5.AAAA');
    const refused = await api().get('/admin/login/two-factor').set('Cookie', forged);
    expect(refused.status).toBe(303);
    expect(refused.headers.location).toBe('/admin/login');
  });

  it('refuses a wrong code, signs in with the right one, and refuses that code a second time', async () => {
    const wrong = await signIn('000000');
    expect(wrong.res.status).toBe(401);
    expect(wrong.res.text).toContain('That code is not right');
    expect(wrong.jar.get('nl_session')).toBeUndefined();

    // the enrolment used this step: the next one is accepted (one step of tolerance)
    const code = await totp(secret, 1);
    const ok = await signIn(code);
    expect(ok.res.status).toBe(303);
    expect(ok.res.headers.location).toBe('/admin/editions');
    const session = ok.jar.get('nl_session');
    expect(session).toBeDefined();
    expect(ok.jar.get('nl_2fa_pending')).toBeUndefined();
    const home = await api()
      .get('/admin/editions')
      .set('Cookie', `nl_session=${session}`)
      .set('Accept', 'text/html');
    expect(home.status).toBe(200);

    const replay = await signIn(code);
    expect(replay.res.status).toBe(401);
    expect(replay.jar.get('nl_session')).toBeUndefined();
  });

  it('a recovery code signs in once', async () => {
    const first = await signIn(recovery[0]!.toUpperCase().replace('-', ' '));
    expect(first.res.status).toBe(303);
    expect(first.jar.get('nl_session')).toBeDefined();
    const again = await signIn(recovery[0]!);
    expect(again.res.status).toBe(401);
    const [row] = await h.query<{ n: number }>(
      'SELECT cardinality(recovery_code_hashes) AS n FROM app_user WHERE id = $1',
      [userId],
    );
    expect(row!.n).toBe(9);
  });

  it('counts code attempts in the sign-in limit of the client address', async () => {
    const jar = new CookieJar();
    const ip = nextIp();
    const first = await passwordStep(h, jar, ip, user.email, user.password);
    let last = 0;
    for (let i = 0; i < 12 && last !== 429; i++) {
      last = (await codeStep(h, jar, ip, first.headers.location!, '000000')).res.status;
    }
    // LOGIN_LIMIT_PER_IP (10 a minute): the password and nine wrong codes, then refused
    expect(last).toBe(429);
  });

  it('API tokens are unaffected', async () => {
    // a token made by the user before setting up two-factor works on its own, without any code
    const token = await api()
      .post('/api/admin/tokens')
      .set('Cookie', sessions.admin.cookie)
      .set('X-CSRF-Token', sessions.admin.csrf)
      .send({ name: 'script' });
    expect(token.status).toBe(201);
    const list = await api()
      .get('/api/admin/editions')
      .auth(token.body.token as string, { type: 'bearer' });
    expect(list.status).toBe(200);
    const users = await api().get(`/api/admin/users/${userId}`).auth(h.adminToken, { type: 'bearer' });
    expect(users.body).toMatchObject({ twoFactor: true });
  });

  it('admins reset a second factor (API and console); the reset is recorded and sessions end', async () => {
    // editors may not
    const editor = await consoleLogin(h, 'editor');
    expect((await post(editor, `/admin/users/${userId}/two-factor/reset`)).status).toBe(403);

    const signedIn = await signIn(recovery[1]!);
    const cookie = `nl_session=${signedIn.jar.get('nl_session')}`;
    const page = await get(sessions.admin, `/admin/users/${userId}`);
    expect(page.text).toContain('Reset two-factor sign-in');
    const reset = await post(sessions.admin, `/admin/users/${userId}/two-factor/reset`);
    expect(reset.status).toBe(303);
    expect(reset.headers.location).toBe(`/admin/users/${userId}?notice=two-factor-reset`);
    const [adminRow] = await h.query<{ id: number }>('SELECT id FROM app_user WHERE email = $1', [
      sessions.admin.email,
    ]);
    const [row] = await h.query<{
      totp_secret: string | null;
      recovery_code_hashes: string[];
      totp_reset_at: Date | null;
      totp_reset_by: number | null;
    }>('SELECT totp_secret, recovery_code_hashes, totp_reset_at, totp_reset_by FROM app_user WHERE id = $1', [
      userId,
    ]);
    expect(row).toMatchObject({ totp_secret: null, recovery_code_hashes: [], totp_reset_by: adminRow!.id });
    expect(row!.totp_reset_at).not.toBeNull();
    const ended = await api().get('/admin/editions').set('Cookie', cookie).set('Accept', 'text/html');
    expect(ended.status).toBe(303);
    // without a factor (and REQUIRE_2FA off) the password alone signs in again
    const plain = await consoleSignIn(h, user.email, user.password);
    expect(plain.cookie).toMatch(/^nl_session=/);

    // the API: enrol again, then reset with the bootstrap token (recorded as no user)
    const again = await get(plain, '/admin/account/two-factor');
    const s2 = shownSecret(again.text);
    expect(s2).not.toBe(secret);
    expect((await post(plain, '/admin/account/two-factor', { code: await totp(s2) })).status).toBe(200);
    const apiReset = await api()
      .post(`/api/admin/users/${userId}/two-factor/reset`)
      .auth(h.adminToken, { type: 'bearer' });
    expect(apiReset.status).toBe(200);
    expect(apiReset.body).toMatchObject({ id: userId, twoFactor: false });
    const [r2] = await h.query<{ totp_reset_by: number | null }>(
      'SELECT totp_reset_by FROM app_user WHERE id = $1',
      [userId],
    );
    expect(r2!.totp_reset_by).toBeNull();
    expect(
      (await api().post('/api/admin/users/999999/two-factor/reset').auth(h.adminToken, { type: 'bearer' }))
        .status,
    ).toBe(404);
  });
});
