import { freePort } from '@app/testing';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { ROOT } from './helpers/harness';
import { campaignWorld } from './helpers/scenarios';
import { parseExposition, metricNames } from './helpers/prometheus';

const METRICS_TOKEN = 'metrics-token-for-tests-0123456789';

/** Where the scrapes of this run are kept: test/monitoring.spec.ts checks alerts and dashboards against them. */
export const SCRAPE_DIR = join(ROOT, 'test-artifacts', 'metrics');

/**
 * The mail metrics after real work: sign-ups through the API and a campaign through a real worker process,
 * whose SMTP server refuses one reader for good (550), one for now on every attempt (451), and takes the
 * rest; the worker's own /metrics and the API's are scraped as Prometheus would.
 */
describe('metrics after a campaign and sign-ups', () => {
  let metricsPort = 0;
  const world = campaignWorld({
    workers: 0,
    env: () => ({ METRICS_TOKEN, SEND_MAX_ATTEMPTS: '2', SEND_BATCH_SIZE: '10' }),
  });
  const { h } = world;

  beforeAll(async () => {
    metricsPort = await freePort();
    await h.spawnWorker({ WORKER_METRICS_PORT: String(metricsPort), HOST: '127.0.0.1' });
  }, 60_000);

  const scrapeWorker = async () => {
    const res = await request(`http://127.0.0.1:${metricsPort}`)
      .get('/metrics')
      .auth(METRICS_TOKEN, { type: 'bearer' });
    expect(res.status).toBe(200);
    return res.text;
  };
  const scrapeApi = async () => {
    const res = await request(h.baseUrl).get('/metrics').auth(METRICS_TOKEN, { type: 'bearer' });
    expect(res.status).toBe(200);
    return res.text;
  };

  it('counts sign-ups by result in the API and confirmations by result in the worker', async () => {
    h.smtp.policy = (rcpt) =>
      rcpt === 'refused-signup@example.test' ? { code: 550, message: '5.1.1 No such user' } : undefined;
    const api = request(h.baseUrl);
    expect((await api.post('/api/subscriptions').send({ email: 'reader-1@example.test' })).status).toBe(202);
    expect((await api.post('/api/subscriptions').send({ email: 'refused-signup@example.test' })).status).toBe(
      202,
    );
    expect((await api.post('/api/subscriptions').send({ email: 'not an address' })).status).toBe(400);
    // a bot fills the hidden field: answered like a reader, counted apart
    const bot = await api.post('/subscribe').type('form').send({ email: 'bot@example.test', website: 'x' });
    expect(bot.status).toBe(200);

    const m = parseExposition(await scrapeApi());
    expect(m.get('newsletter_subscribe_requests_total{result="accepted"}')).toBe(2);
    expect(m.get('newsletter_subscribe_requests_total{result="invalid"}')).toBe(1);
    expect(m.get('newsletter_subscribe_requests_total{result="honeypot"}')).toBe(1);
    expect(m.get('newsletter_subscribe_requests_total{result="rate_limited"}')).toBe(0);

    const w = await h.waitUntil(
      async () => {
        const s = parseExposition(await scrapeWorker());
        return s.get('newsletter_messages_total{kind="confirmation",result="sent"}') === 1 &&
          s.get('newsletter_messages_total{kind="confirmation",result="bounced"}') === 1
          ? s
          : undefined;
      },
      { what: 'the confirmations in the worker metrics' },
    );
    expect(w.get('newsletter_messages_total{kind="confirmation",result="failed"}')).toBe(0);
    expect(w.get('newsletter_smtp_send_duration_seconds_count{result="accepted"}')).toBeGreaterThanOrEqual(1);
    expect(w.get('newsletter_smtp_send_duration_seconds_count{result="permanent"}')).toBe(1);
    expect(w.get('newsletter_send_rate_wait_seconds_count')).toBe(2);
  });

  it('counts a campaign per message and result, times each SMTP answer and the waits for the send rate', async () => {
    const before = parseExposition(await scrapeWorker());
    const n = 25;
    await world.seedAudience('metrics', n);
    h.smtp.policy = (rcpt) => {
      if (rcpt === 'metrics-1@example.test') return { code: 550, message: '5.1.1 No such user' };
      if (rcpt === 'metrics-2@example.test') return { code: 451, message: '4.3.0 Try again later' };
      return undefined;
    };
    const editionId = await world.createEdition('2025-04');
    const campaign = await world.startCampaign(editionId);
    const done = await world.waitForCampaign(campaign.id, (c) => c.status === 'completed', 'completed');
    expect(done).toMatchObject({ total: n, sent: n - 2, bounced: 1, failed: 1 });

    const text = await scrapeWorker();
    const m = parseExposition(text);
    const delta = (key: string) => (m.get(key) ?? NaN) - (before.get(key) ?? 0);
    expect(delta('newsletter_messages_total{kind="campaign",result="sent"}')).toBe(n - 2);
    expect(delta('newsletter_messages_total{kind="campaign",result="bounced"}')).toBe(1);
    // SEND_MAX_ATTEMPTS=2: the 451 reader is retried once, then given up
    expect(delta('newsletter_messages_total{kind="campaign",result="retry"}')).toBe(1);
    expect(delta('newsletter_messages_total{kind="campaign",result="failed"}')).toBe(1);
    for (const kind of ['welcome', 'test'])
      for (const result of ['sent', 'retry', 'failed', 'bounced'])
        expect(m.get(`newsletter_messages_total{kind="${kind}",result="${result}"}`)).toBe(0);
    // every SMTP answer is timed: 23 accepted, the 550 and the 451 twice
    expect(delta('newsletter_smtp_send_duration_seconds_count{result="accepted"}')).toBe(n - 2);
    expect(delta('newsletter_smtp_send_duration_seconds_count{result="permanent"}')).toBe(1);
    expect(delta('newsletter_smtp_send_duration_seconds_count{result="transient"}')).toBe(2);
    expect(m.get('newsletter_smtp_send_duration_seconds_bucket{le="+Inf",result="accepted"}')).toBe(
      m.get('newsletter_smtp_send_duration_seconds_count{result="accepted"}'),
    );
    expect(delta('newsletter_send_rate_wait_seconds_count')).toBeGreaterThanOrEqual(1);
    expect(m.get('newsletter_send_rate_wait_seconds_sum')).toBeGreaterThanOrEqual(0);

    // the API's view of the same campaign (ledger) and its readiness
    expect((await request(h.baseUrl).get('/health/ready')).status).toBe(200);
    // (the ledger counts are read at most every 10 s: the first test's scrape may still be the cached one)
    const sentKey = `newsletter_campaign_deliveries{campaign_id="${campaign.id}",status="sent"}`;
    const apiText = await h.waitUntil(
      async () => {
        const t = await scrapeApi();
        return parseExposition(t).get(sentKey) === n - 2 ? t : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 1000, what: 'the campaign in the API metrics' },
    );
    const a = parseExposition(apiText);
    expect(a.get('newsletter_ready{component="database"}')).toBe(1);
    expect(a.get('newsletter_ready{component="redis"}')).toBe(1);
    expect(a.get('newsletter_ready{component="mail"}')).toBe(1);

    // Kept for test/monitoring.spec.ts (alerts and dashboard against what the service really exports).
    mkdirSync(SCRAPE_DIR, { recursive: true });
    writeFileSync(join(SCRAPE_DIR, 'worker.prom'), text);
    writeFileSync(join(SCRAPE_DIR, 'api.prom'), apiText);
    expect(metricNames(text).has('newsletter_messages_total')).toBe(true);
  });
});
