import request from 'supertest';
import { decode } from './helpers/console-fuzz';
import { consoleLogin, consolePost, type ConsoleSession } from './helpers/console-session';
import { Harness } from './helpers/harness';

/**
 * Quoted local parts ("x,attacker@evil.com"@example.org) are refused at every entry that stores or mails an
 * address: the subscribe form and JSON API, the CSV import (API and console) and console users. They all go
 * through checkEmail; this file proves each entry really does.
 */
describe('quoted local parts are refused everywhere', () => {
  let h: Harness;
  const api = () => request(h.baseUrl);
  const QUOTED = ['"quoted"@example.org', '"x,attacker@evil.com"@example.org', 'a."b".c@example.org'];
  const subscriberCount = async () =>
    (await h.query<{ n: number }>('SELECT count(*)::int AS n FROM subscriber'))[0]!.n;

  beforeAll(async () => {
    h = await Harness.start({ env: { TRUST_PROXY: 'true', THROTTLE_LIMIT: '100000' } });
  });
  afterAll(async () => {
    await h?.stop();
  });

  it.each(QUOTED)('POST /api/subscriptions %j → 400 saying why, nothing stored', async (email) => {
    const res = await api().post('/api/subscriptions').send({ email });
    expect(res.status).toBe(400);
    expect([res.body.message].flat().join('; ')).toMatch(/quoted mailbox names are not supported/);
    expect(await subscriberCount()).toBe(0);
  });

  it.each(QUOTED)('POST /subscribe (the hosted form) %j → 400 page with the reason', async (email) => {
    const res = await api().post('/subscribe').type('form').set('Accept', 'text/html').send({ email });
    expect(res.status).toBe(400);
    expect(decode(res.text)).toContain('quoted mailbox names are not supported');
    expect(await subscriberCount()).toBe(0);
  });

  it('the CSV import API rejects each quoted row by line, and imports the rest', async () => {
    // CSV doubles the quotes inside a quoted field
    const csv = [
      'email,name',
      'plain@example.org,Plain',
      '"""quoted""@example.org",Quoted',
      '"""x,attacker@evil.com""@example.org",Comma',
    ].join('\n');
    const res = await api()
      .post('/api/admin/subscribers/import')
      .auth(h.adminToken, { type: 'bearer' })
      .set('Content-Type', 'text/csv')
      .send(csv);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ imported: 1, invalid: 2 });
    expect(res.body.rejected).toEqual([
      { line: 3, reason: expect.stringMatching(/quoted/) },
      { line: 4, reason: expect.stringMatching(/quoted/) },
    ]);
    expect(await h.query('SELECT email FROM subscriber')).toEqual([{ email: 'plain@example.org' }]);
  });

  describe('console', () => {
    let editor: ConsoleSession;
    let admin: ConsoleSession;
    beforeAll(async () => {
      editor = await consoleLogin(h, 'editor');
      admin = await consoleLogin(h, 'admin');
    });

    it('the console CSV upload reports the quoted rows as rejected', async () => {
      const csv = ['email,name', '"""console""@example.org",Q', 'console-ok@example.org,OK'].join('\r\n');
      const res = await api()
        .post(`/admin/subscribers/import?_csrf=${encodeURIComponent(editor.csrf)}`)
        .set('Cookie', editor.cookie)
        .set('Accept', 'text/html')
        .attach('csv', Buffer.from(csv), { filename: 'q.csv', contentType: 'text/csv' });
      expect(res.status).toBe(200);
      expect(Number(/id="count-imported">(\d+)</.exec(res.text)?.[1])).toBe(1);
      expect(Number(/id="count-invalid">(\d+)</.exec(res.text)?.[1])).toBe(1);
      expect(decode(res.text)).toContain('quoted mailbox names are not supported');
      expect(await h.query("SELECT 1 FROM subscriber WHERE email LIKE '%console%@example.org'")).toHaveLength(
        1,
      );
    });

    it('a console user (console form and users API) cannot have a quoted address', async () => {
      const form = await consolePost(h, admin, '/admin/users', {
        email: '"x,attacker@evil.com"@example.org',
        role: 'editor',
        password: 'quoted-password-123',
        confirm: 'quoted-password-123',
      });
      expect(form.status).toBe(400);
      const json = await api()
        .post('/api/admin/users')
        .auth(h.adminToken, { type: 'bearer' })
        .send({ email: '"quoted"@example.org', role: 'editor', password: 'quoted-password-123' });
      expect(json.status).toBe(400);
      expect(await h.query(`SELECT 1 FROM app_user WHERE email LIKE '%"%'`)).toEqual([]);
    });
  });
});
