import request from 'supertest';
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

/** REQUIRE_2FA=true: every console user sets up a second factor at sign-in, before any console page. */
describe('REQUIRE_2FA', () => {
  const { h, api } = consoleWorld({ roles: [], env: { REQUIRE_2FA: 'true' } });
  const email = 'required@two-factor.test';
  const password = 'required-password-0123';

  beforeAll(async () => {
    const created = await api()
      .post('/api/admin/users')
      .auth(h.adminToken, { type: 'bearer' })
      .send({ email, role: 'editor', password });
    expect(created.status).toBe(201);
  });

  it('sends a user without a factor to set-up after the password; no console page before it', async () => {
    const jar = new CookieJar();
    const ip = nextIp();
    const first = await passwordStep(h, jar, ip, email, password);
    expect(first.status).toBe(303);
    expect(first.headers.location).toBe('/admin/login/enrol?next=%2Fadmin%2Feditions');
    expect(jar.get('nl_session')).toBeUndefined();
    for (const path of ['/admin', '/admin/editions', '/admin/account/two-factor']) {
      const page = await request(h.baseUrl).get(path).set('Cookie', jar.header()).set('Accept', 'text/html');
      expect(page.status).toBe(303);
      expect(page.headers.location).toMatch(/^\/admin\/login/);
    }
    // the enrol-stage pending state is not a code-stage one
    const wrongStage = await request(h.baseUrl).get('/admin/login/two-factor').set('Cookie', jar.header());
    expect(wrongStage.status).toBe(303);

    let secret = '';
    const wrong = await codeStep(h, jar, ip, first.headers.location!, '000000');
    expect(wrong.res.status).toBe(400);
    expect(wrong.res.text).toContain('That code is not right');
    const { page, res } = await codeStep(h, jar, ip, first.headers.location!, (text) => {
      secret = shownSecret(text);
      return totp(secret);
    });
    expect(page.text).toMatch(/<img src="data:image\/svg\+xml;base64,/);
    expect(res.status).toBe(200);
    expect(shownRecoveryCodes(res.text)).toHaveLength(10);
    expect(res.text).toContain('href="/admin/editions"');
    const session = jar.get('nl_session');
    expect(session).toBeDefined();
    const home = await request(h.baseUrl)
      .get('/admin/editions')
      .set('Cookie', `nl_session=${session}`)
      .set('Accept', 'text/html');
    expect(home.status).toBe(200);

    // the next sign-in asks for a code, not a set-up
    const jar2 = new CookieJar();
    const next = await passwordStep(h, jar2, nextIp(), email, password);
    expect(next.headers.location).toBe('/admin/login/two-factor?next=%2Fadmin%2Feditions');
  });

  it('after an admin reset, the next sign-in asks for set-up again; API tokens still need no code', async () => {
    const [row] = await h.query<{ id: number }>('SELECT id FROM app_user WHERE email = $1', [email]);
    const reset = await api()
      .post(`/api/admin/users/${row!.id}/two-factor/reset`)
      .auth(h.adminToken, { type: 'bearer' });
    expect(reset.status).toBe(200);
    const jar = new CookieJar();
    const first = await passwordStep(h, jar, nextIp(), email, password);
    expect(first.headers.location).toBe('/admin/login/enrol?next=%2Fadmin%2Feditions');
    expect((await api().get('/api/admin/editions').auth(h.adminToken, { type: 'bearer' })).status).toBe(200);
  });
});
