import { AccountsService } from '@app/core/accounts';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import request from 'supertest';
import { Harness } from './helpers/harness';

/** A console user of `role` with a personal API token, made through the accounts service. */
async function tokenFor(h: Harness, role: 'admin' | 'editor' | 'ops'): Promise<string> {
  const accounts = h.app.get(AccountsService);
  const user = await accounts.createUser({
    email: `${role}-${randomBytes(3).toString('hex')}@example.test`,
    role,
    password: `pw-${randomBytes(16).toString('hex')}`,
  });
  return (await accounts.createApiToken(user.id, `health ${role}`)).token;
}

/**
 * /health/ready is public: whoever calls it, and however often, the SMTP relay sees one connection per
 * HEALTH_MAIL_CHECK_CACHE_MS (relays rate-limit and block on repeated connections and logins), and why a
 * component is down is for admins, operators and the log, not for anonymous callers.
 */
describe('readiness check', () => {
  describe('with a working SMTP server', () => {
    let h: Harness;
    let opsToken: string;
    let editorToken: string;

    beforeAll(async () => {
      h = await Harness.start();
      opsToken = await tokenFor(h, 'ops');
      editorToken = await tokenFor(h, 'editor');
    });
    afterAll(async () => {
      await h?.stop();
    });

    it('opens one SMTP connection for 100 calls, concurrent or one after another', async () => {
      const before = h.smtp.connections;
      const concurrent = await Promise.all(
        Array.from({ length: 50 }, () => request(h.baseUrl).get('/health/ready')),
      );
      const sequential = [];
      for (let i = 0; i < 50; i++) sequential.push(await request(h.baseUrl).get('/health/ready'));
      expect([...concurrent, ...sequential].map((r) => r.status)).toEqual(Array(100).fill(200));
      expect(h.smtp.connections - before).toBe(1);
    });

    it('shows anonymous callers and editors only the status of each component', async () => {
      for (const auth of [undefined, `Bearer ${editorToken}`, 'Bearer not-a-token']) {
        const req = request(h.baseUrl).get('/health/ready');
        const res = await (auth ? req.set('Authorization', auth) : req);
        expect(res.status).toBe(200);
        const up = { database: { status: 'up' }, redis: { status: 'up' }, mail: { status: 'up' } };
        expect(res.body).toEqual({ status: 'ok', info: up, error: {}, details: up });
      }
    });

    it('shows admins and operators the details', async () => {
      for (const token of [opsToken, h.adminToken]) {
        const res = await request(h.baseUrl).get('/health/ready').set('Authorization', `Bearer ${token}`);
        expect(res.status).toBe(200);
        expect(res.body.details.mail).toMatchObject({
          status: 'up',
          transport: `SMTP smtp://127.0.0.1:${h.smtp.port}`,
        });
      }
    });
  });

  describe('with a relay whose TLS certificate has expired', () => {
    let h: Harness;
    let relay: SMTPServer;
    let connections = 0;
    let opsToken: string;

    beforeAll(async () => {
      // smtp-server's built-in certificate expired long ago: the transport's check fails on it.
      relay = new SMTPServer({
        secure: true,
        authOptional: true,
        logger: false,
      });
      relay.on('error', () => undefined);
      // TCP connections: the TLS handshake fails before smtp-server's onConnect would see them.
      relay.server.on('connection', () => connections++);
      await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', () => resolve()));
      const port = (relay.server.address() as AddressInfo).port;
      h = await Harness.start({ env: { SMTP_URL: `smtps://127.0.0.1:${port}` } });
      opsToken = await tokenFor(h, 'ops');
    });
    afterAll(async () => {
      await h?.stop();
      await new Promise<void>((resolve) => relay.close(() => resolve()));
    });

    it('answers 503 naming the mail transport; the error text only for operators; one check for all', async () => {
      const anonymous = await request(h.baseUrl).get('/health/ready');
      expect(anonymous.status).toBe(503);
      expect(anonymous.body.status).toBe('error');
      expect(anonymous.body.details).toEqual({
        database: { status: 'up' },
        redis: { status: 'up' },
        mail: { status: 'down' },
      });
      expect(JSON.stringify(anonymous.body)).not.toMatch(/certificate|expired|smtps?:|127\.0\.0\.1/i);

      const ops = await request(h.baseUrl).get('/health/ready').set('Authorization', `Bearer ${opsToken}`);
      expect(ops.status).toBe(503);
      expect(ops.body.details.mail.status).toBe('down');
      expect(ops.body.details.mail.message).toMatch(/certificate has expired/);

      // The failure is cached too: the second caller did not make the relay see a second connection.
      expect(connections).toBe(1);
    });
  });
});
