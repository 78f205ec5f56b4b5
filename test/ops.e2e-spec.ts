import { JobQueue, QueueName } from '@app/queue';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import request from 'supertest';
import { Harness } from './helpers/harness';
import { freePort } from '@app/testing';

const METRICS_TOKEN = 'metrics-token-for-tests-0123456789';

/** One Prometheus text-format sample line: name, optional labels, value (and optional timestamp). */
const SAMPLE =
  /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="(\\.|[^"\\])*",?)*\})? (-?[0-9.e+-]+|NaN|\+Inf|-Inf)( \d+)?$/;

function parseExposition(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('# HELP ') || line.startsWith('# TYPE ')) continue;
    if (!SAMPLE.test(line)) throw new Error(`not Prometheus text format: ${line}`);
    const cut = line.lastIndexOf(' ');
    samples.set(line.slice(0, cut), Number(line.slice(cut + 1)));
  }
  return samples;
}

/**
 * A real SMTP server whose final reply to DATA can be held back, so a test can catch a worker in the middle of
 * a send.
 */
class HoldingSmtpServer {
  hold = false;
  received: string[] = [];
  private held: (() => void)[] = [];
  private onHeld?: () => void;
  private server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData: (stream, session, cb) => {
      stream.resume();
      stream.on('end', () => {
        const to = session.envelope.rcptTo.map((r) => r.address).join(',');
        const accept = () => {
          this.received.push(to);
          cb(null, 'Ok');
        };
        if (!this.hold) return accept();
        this.held.push(accept);
        this.onHeld?.();
      });
    },
  });
  port = 0;

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', () => resolve()));
    this.port = (this.server.server.address() as AddressInfo).port;
  }
  waitForHeld(): Promise<void> {
    return this.held.length ? Promise.resolve() : new Promise((resolve) => (this.onHeld = resolve));
  }
  release(): void {
    this.hold = false;
    for (const accept of this.held.splice(0)) accept();
  }
  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

describe('operators: health, metrics, queues, docs, logs, shutdown', () => {
  let h: Harness;
  /**
   * Everything the in-process API logs. pino writes to process.stdout when its write() has been replaced (as
   * here, before the app starts), so the spy sees every log line.
   */
  let stdout = '';

  beforeAll(async () => {
    jest.spyOn(process.stdout, 'write').mockImplementation((chunk: unknown, ...rest: unknown[]) => {
      stdout += typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8');
      const cb = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
      cb?.();
      return true;
    });
    // HEALTH_MAIL_CHECK_CACHE_MS=0: readiness follows the SMTP server going down and up at once (caching:
    // test/health.e2e-spec.ts).
    h = await Harness.start({ env: { METRICS_TOKEN, LOG_LEVEL: 'info', HEALTH_MAIL_CHECK_CACHE_MS: '0' } });
  });
  afterAll(async () => {
    await h?.stop();
    jest.restoreAllMocks();
  });

  const api = () => request(h.baseUrl);

  describe('health', () => {
    it('is live while the process runs', async () => {
      const res = await api().get('/health/live');
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ status: 'ok' });
    });

    it('is ready when PostgreSQL, Redis and SMTP answer, and 503 while the SMTP server is down', async () => {
      // the transport's address is for admins and operators (anonymous callers see statuses only)
      const ok = await api().get('/health/ready').set('Authorization', `Bearer ${h.adminToken}`);
      expect(ok.status).toBe(200);
      expect(ok.body.status).toBe('ok');
      expect(ok.body.details).toMatchObject({
        database: { status: 'up' },
        redis: { status: 'up' },
        mail: { status: 'up', transport: `SMTP smtp://127.0.0.1:${h.smtp.port}` },
      });

      const port = h.smtp.port;
      await h.smtp.stop();
      try {
        const down = await api().get('/health/ready');
        expect(down.status).toBe(503);
        expect(down.body.details).toMatchObject({
          database: { status: 'up' },
          redis: { status: 'up' },
          mail: { status: 'down' },
        });
        expect(JSON.stringify(down.body)).not.toMatch(/at .*\.js/);
      } finally {
        await h.smtp.start(port);
      }
      expect((await api().get('/health/ready')).status).toBe(200);
    });
  });

  describe('metrics', () => {
    beforeAll(async () => {
      // a sent campaign and some subscriber history, written as the services would
      const [pub] = await h.query<{ id: number }>('SELECT id FROM publication');
      const [ed] = await h.query<{ id: number }>(
        `INSERT INTO edition (publication_id, slug, subject, content, status) VALUES ($1, '2025-04', 'April', '{}', 'sent')
         RETURNING id`,
        [pub!.id],
      );
      const [c] = await h.query<{ id: number }>(
        `INSERT INTO campaign (edition_id, status, total) VALUES ($1, 'completed', 4) RETURNING id`,
        [ed!.id],
      );
      const subs = await h.query<{ id: number }>(
        `INSERT INTO subscriber (email, status) SELECT 'm' || g || '@example.test', 'confirmed' FROM generate_series(1, 4) g
         RETURNING id`,
      );
      const statuses = ['sent', 'sent', 'failed', 'bounced'];
      for (const [i, s] of subs.entries()) {
        await h.query(`INSERT INTO delivery (campaign_id, subscriber_id, status) VALUES ($1, $2, $3)`, [
          c!.id,
          s.id,
          statuses[i],
        ]);
        await h.query(
          `INSERT INTO subscriber_event (subscriber_id, type) VALUES ($1, 'subscribed'), ($1, 'confirmed')`,
          [s.id],
        );
      }
      await h.query(`INSERT INTO subscriber_event (subscriber_id, type) VALUES ($1, 'unsubscribed')`, [
        subs[0]!.id,
      ]);
      (globalThis as { campaignId?: number }).campaignId = c!.id;
      // what the inbound server stored and processing made of it (issue 13); the old one is outside the window
      await h.query(
        `INSERT INTO inbound_message (remote_address, mail_from, rcpt_to, size, raw, status, classification, received_at)
         VALUES ('192.0.2.1', '', '{x@b.test}', 1, '\\x41', 'processed', 'hard-bounce', now()),
                ('192.0.2.1', '', '{x@b.test}', 1, '\\x41', 'processed', 'hard-bounce', now()),
                ('192.0.2.1', '', '{x@b.test}', 1, '\\x41', 'unparsed', 'other', now()),
                ('192.0.2.1', '', '{x@b.test}', 1, '\\x41', 'received', NULL, now()),
                ('192.0.2.1', '', '{x@b.test}', 1, '\\x41', 'processed', 'complaint', now() - interval '2 days')`,
      );
    });

    it('requires the METRICS_TOKEN bearer when it is set', async () => {
      expect((await api().get('/metrics')).status).toBe(401);
      expect((await api().get('/metrics').auth('wrong-token-wrong-token', { type: 'bearer' })).status).toBe(
        401,
      );
      expect((await api().get('/metrics').auth(h.adminToken, { type: 'bearer' })).status).toBe(401);
    });

    it('serves valid Prometheus text with process, HTTP, queue, campaign and subscriber metrics', async () => {
      await h.app.get(JobQueue).queue(QueueName.Campaign).add('metrics-probe', {}, { delay: 3_600_000 });
      await api().get('/api/admin/users/1').auth(h.adminToken, { type: 'bearer' });
      const res = await api().get('/metrics').auth(METRICS_TOKEN, { type: 'bearer' });
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toContain('text/plain');
      const m = parseExposition(res.text);
      const campaignId = (globalThis as { campaignId?: number }).campaignId;

      expect(m.get('process_cpu_seconds_total')).toBeGreaterThan(0);
      expect(m.has('nodejs_heap_size_used_bytes')).toBe(true);
      // the route template, not the concrete path
      const httpCount = [...m.entries()].find(
        ([k]) =>
          k.startsWith('http_request_duration_seconds_count{') &&
          k.includes('route="/api/admin/users/:id"') &&
          k.includes('method="GET"'),
      );
      expect(httpCount?.[1]).toBeGreaterThanOrEqual(1);
      expect([...m.keys()].some((k) => k.includes('route="/api/admin/users/1"'))).toBe(false);

      expect(m.get('newsletter_queue_jobs{queue="campaign",state="delayed"}')).toBe(1);
      for (const q of ['mail', 'campaign', 'delivery', 'inbound']) {
        expect(m.has(`newsletter_queue_jobs{queue="${q}",state="waiting"}`)).toBe(true);
      }
      expect(m.get(`newsletter_campaign_deliveries{campaign_id="${campaignId}",status="sent"}`)).toBe(2);
      expect(m.get(`newsletter_campaign_deliveries{campaign_id="${campaignId}",status="failed"}`)).toBe(1);
      expect(m.get(`newsletter_campaign_deliveries{campaign_id="${campaignId}",status="bounced"}`)).toBe(1);
      expect(m.get('newsletter_subscriber_events_total{type="subscribed"}')).toBe(4);
      expect(m.get('newsletter_subscriber_events_total{type="confirmed"}')).toBe(4);
      expect(m.get('newsletter_subscriber_events_total{type="unsubscribed"}')).toBe(1);
      expect(m.get('newsletter_subscribers{status="confirmed"}')).toBe(4);
      // rates from the same ledger counts: bounced 1 of (2 sent + 1 bounced), no complaint of 2 delivered
      expect(m.get(`newsletter_campaign_bounce_rate{campaign_id="${campaignId}"}`)).toBeCloseTo(1 / 3, 6);
      expect(m.get(`newsletter_campaign_complaint_rate{campaign_id="${campaignId}"}`)).toBe(0);
      expect(m.get('newsletter_inbound_messages{classification="hard-bounce",status="processed"}')).toBe(2);
      expect(m.get('newsletter_inbound_messages{classification="other",status="unparsed"}')).toBe(1);
      expect(m.get('newsletter_inbound_messages{classification="none",status="received"}')).toBe(1);
      expect(m.has('newsletter_inbound_messages{classification="complaint",status="processed"}')).toBe(false);
      expect(m.get('newsletter_metrics_collect_failed{collector="queues"}')).toBe(0);
      expect(m.get('newsletter_metrics_collect_failed{collector="ledger"}')).toBe(0);
    });
  });

  describe('Bull Board', () => {
    it('sends browsers to the login form and API clients a 401, and refuses cross-site writes by cookie', async () => {
      const page = await api().get('/admin/queues').set('Accept', 'text/html');
      expect(page.status).toBe(303);
      expect(page.headers.location).toBe('/admin/login?next=%2Fadmin%2Fqueues');
      const json = await api().get('/admin/queues/api/queues').set('Accept', 'application/json');
      expect(json.status).toBe(401);
      expect(json.body.message).toContain('Authentication required');

      // an ops user signed in through the console
      const email = 'night-shift@example.test';
      const password = 'night-shift-password';
      await api()
        .post('/api/admin/users')
        .auth(h.adminToken, { type: 'bearer' })
        .send({ email, role: 'ops', password });
      const form = await api().get('/admin/login');
      const loginCsrf = /nl_login_csrf=([^;]*)/.exec(String(form.headers['set-cookie']))![1]!;
      const login = await api()
        .post('/admin/login')
        .set('Cookie', `nl_login_csrf=${loginCsrf}`)
        .type('form')
        .send({ _csrf: loginCsrf, email, password, next: '/admin/queues' });
      expect(login.status).toBe(303);
      expect(login.headers.location).toBe('/admin/queues');
      const cookie = `nl_session=${/nl_session=([^;]*)/.exec(String(login.headers['set-cookie']))![1]!}`;

      const board = await api().get('/admin/queues').set('Cookie', cookie).set('Accept', 'text/html');
      expect(board.status).toBe(200);
      expect(board.text).toContain('<title>Newsletter queues</title>');
      const queues = await api().get('/admin/queues/api/queues').set('Cookie', cookie);
      expect(queues.status).toBe(200);
      expect(queues.body.queues.map((q: { name: string }) => q.name).sort()).toEqual([
        'campaign',
        'delivery',
        'inbound',
        'mail',
      ]);

      const crossSite = await api()
        .put('/admin/queues/api/queues/mail/pause')
        .set('Cookie', cookie)
        .set('Sec-Fetch-Site', 'cross-site');
      expect(crossSite.status).toBe(403);
      expect(crossSite.body.message).toBe('Cross-site request refused');
      expect(await h.app.get(JobQueue).queue(QueueName.Mail).isPaused()).toBe(false);
      // same-site, but ops only reads (test/ops-board.e2e-spec.ts has the rest of the board's permissions)
      const sameSite = await api()
        .put('/admin/queues/api/queues/mail/pause')
        .set('Cookie', cookie)
        .set('Sec-Fetch-Site', 'same-origin');
      expect(sameSite.status).toBe(403);
      expect(sameSite.body.message).toMatch(/read-only for your role \(ops\)/);
      expect(await h.app.get(JobQueue).queue(QueueName.Mail).isPaused()).toBe(false);
    });
  });

  describe('OpenAPI', () => {
    it('serves the documentation UI and a document with the bearer scheme on every admin operation', async () => {
      const ui = await api().get('/api/docs/');
      expect(ui.status).toBe(200);
      expect(ui.text).toContain('swagger-ui');
      expect((await api().get('/api/docs/swagger-ui-bundle.js')).status).toBe(200);
      const doc = await api().get('/api/docs-json');
      expect(doc.status).toBe(200);
      expect(doc.body.openapi).toMatch(/^3\./);
      expect(doc.body.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
      const adminPaths = Object.keys(doc.body.paths).filter((p) => p.startsWith('/api/admin/'));
      expect(adminPaths).toEqual(expect.arrayContaining(['/api/admin/users', '/api/admin/tokens/{id}']));
      for (const p of adminPaths) {
        const ops: Record<string, { security?: Record<string, unknown>[] }> = doc.body.paths[p];
        for (const op of Object.values(ops)) {
          expect(op.security).toEqual(expect.arrayContaining([{ bearer: [] }]));
        }
      }
      expect(Object.keys(doc.body.paths).some((p) => p.startsWith('/admin/'))).toBe(false);
      expect(doc.body.paths['/api/admin/users'].post.requestBody).toBeDefined();
    });
  });

  describe('logs', () => {
    it('are JSON with request ids and never contain tokens, cookies, CSRF tokens or passwords', async () => {
      const secrets = {
        query: 'query-secret-token-0001',
        cookie: 'cookie-secret-value-0002',
        csrf: 'csrf-secret-value-0003',
        password: 'password-secret-0004',
      };
      await api()
        .get(`/api/admin/users?token=${secrets.query}`)
        .set('X-Request-Id', 'log-test-1')
        .auth(h.adminToken, { type: 'bearer' });
      await api().get(`/confirm?token=${secrets.query}`).set('X-Request-Id', 'log-test-2');
      await api()
        .post('/api/admin/tokens')
        .set('X-Request-Id', 'log-test-3')
        .set('Cookie', `nl_session=${secrets.cookie}`)
        .set('X-CSRF-Token', secrets.csrf)
        .send({ name: 'x' });
      const email = 'log-user@example.test';
      const password = secrets.password;
      await api()
        .post('/api/admin/users')
        .auth(h.adminToken, { type: 'bearer' })
        .send({ email, role: 'editor', password });
      const form = await api().get('/admin/login');
      const loginCsrf = /nl_login_csrf=([^;]*)/.exec(String(form.headers['set-cookie']))![1]!;
      const login = await api()
        .post('/admin/login')
        .set('X-Request-Id', 'log-test-4')
        .set('Cookie', `nl_login_csrf=${loginCsrf}`)
        .type('form')
        .send({ _csrf: loginCsrf, email, password });
      const session = /nl_session=([^;]*)/.exec(String(login.headers['set-cookie']))![1]!;
      const metrics = await api()
        .get('/metrics')
        .set('X-Request-Id', 'log-test-5')
        .auth(METRICS_TOKEN, { type: 'bearer' });
      expect(metrics.status).toBe(200);

      await h.waitUntil(() => stdout.includes('log-test-5'), { what: 'the request logs' });
      const lines = stdout
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as { req?: { id?: string; path?: string } });
      const ids = lines.map((l) => l.req?.id);
      expect(ids).toEqual(expect.arrayContaining(['log-test-1', 'log-test-2', 'log-test-3', 'log-test-4']));
      expect(lines.find((l) => l.req?.id === 'log-test-1')?.req?.path).toBe('/api/admin/users');
      for (const secret of [...Object.values(secrets), h.adminToken, METRICS_TOKEN, loginCsrf, session]) {
        expect({ secret, logged: stdout.includes(secret) }).toEqual({ secret, logged: false });
      }
    });
  });

  describe('worker process', () => {
    let smtp: HoldingSmtpServer;
    beforeAll(async () => {
      smtp = new HoldingSmtpServer();
      await smtp.start();
    });
    afterAll(async () => {
      await smtp.stop();
    });

    it('serves its own metrics with job durations, and on SIGTERM finishes the job in flight before exiting', async () => {
      const metricsPort = await freePort();
      const worker = await h.spawnWorker({
        SMTP_URL: `smtp://127.0.0.1:${smtp.port}`,
        WORKER_METRICS_PORT: String(metricsPort),
        HOST: '127.0.0.1',
      });
      const workerMetrics = `http://127.0.0.1:${metricsPort}`;
      expect((await request(workerMetrics).get('/metrics')).status).toBe(401);

      // one confirmation goes through normally
      const first = await api().post('/api/subscriptions').send({ email: 'first@example.test' });
      expect(first.status).toBeLessThan(300);
      await h.waitUntil(() => smtp.received.includes('first@example.test'), {
        what: 'the first confirmation',
      });
      const scraped = await h.waitUntil(
        async () => {
          const r = await request(workerMetrics).get('/metrics').auth(METRICS_TOKEN, { type: 'bearer' });
          const m = parseExposition(r.text);
          const key =
            'newsletter_job_duration_seconds_count{queue="mail",job="send-confirmation",result="completed"}';
          return (m.get(key) ?? 0) >= 1 ? m : undefined;
        },
        { what: 'the job duration in the worker metrics' },
      );
      expect(scraped.has('process_cpu_seconds_total')).toBe(true);

      // the second is caught mid-send: SIGTERM arrives while the SMTP server still owes its reply to DATA
      smtp.hold = true;
      const held = smtp.waitForHeld();
      await api().post('/api/subscriptions').send({ email: 'second@example.test' });
      await held;
      const events: string[] = [];
      const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
        worker.once('exit', (code, signal) => {
          events.push('exit');
          resolve({ code, signal });
        }),
      );
      worker.kill('SIGTERM');
      // the worker must still be there to take the reply
      await h.waitUntil(
        async () => (await h.app.get(JobQueue).queue(QueueName.Mail).getJobCounts('active')).active === 1,
        {
          what: 'the job to be active',
        },
      );
      events.push('release');
      smtp.release();
      // Nest runs the shutdown hooks (BullMQ Worker.close() waits for active jobs), then re-raises the signal
      const { code, signal } = await exited;
      expect(code === 0 || signal === 'SIGTERM').toBe(true);
      expect(events).toEqual(['release', 'exit']);
      expect(smtp.received).toContain('second@example.test');
      const counts = await h.app
        .get(JobQueue)
        .queue(QueueName.Mail)
        .getJobCounts('active', 'completed', 'failed', 'wait');
      expect(counts).toMatchObject({ active: 0, failed: 0 });
      expect(counts.completed).toBeGreaterThanOrEqual(2);
    });
  });
});
