import { freePort } from '@app/testing';
import { dump, load } from 'js-yaml';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { ROOT } from './helpers/harness';
import { campaignWorld } from './helpers/scenarios';
import { metricNames, metricsInPromQL, parseExposition, withLabels } from './helpers/prometheus';

const METRICS_TOKEN = 'metrics-token-for-tests-0123456789';

/** Where the scrapes of this run are kept, to read. */
const SCRAPE_DIR = join(ROOT, 'test-artifacts', 'metrics');
const ALERTS = join(ROOT, 'deploy/prometheus/alerts.yml');
const DASHBOARD = join(ROOT, 'deploy/grafana/newsletter.json');

interface AlertRule {
  alert: string;
  expr: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

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
  /** The real scrapes after the campaign (the last test reads alerts and dashboard against them). */
  const scraped = { api: '', worker: '' };

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

    scraped.api = apiText;
    scraped.worker = text;
    mkdirSync(SCRAPE_DIR, { recursive: true });
    writeFileSync(join(SCRAPE_DIR, 'worker.prom'), text);
    writeFileSync(join(SCRAPE_DIR, 'api.prom'), apiText);
  });

  describe('deploy/prometheus/alerts.yml against the real scrapes', () => {
    const rules = () =>
      (load(readFileSync(ALERTS, 'utf8')) as { groups: { rules: AlertRule[] }[] }).groups.flatMap(
        (g) => g.rules,
      );

    it('passes promtool check rules, and reads only metrics the service exports (and Prometheus `up`)', () => {
      expect(scraped.worker).not.toBe('');
      const out = execFileSync('promtool', ['check', 'rules', ALERTS], { encoding: 'utf8' });
      expect(out).toContain('SUCCESS');
      const exported = new Set([...metricNames(scraped.api), ...metricNames(scraped.worker)]);
      const all = rules();
      expect(all.map((r) => r.alert).sort()).toEqual(
        [
          'NewsletterApiDown',
          'NewsletterCampaignAutoPaused',
          'NewsletterCampaignBounceRateHigh',
          'NewsletterCampaignComplaintRateHigh',
          'NewsletterConfirmationBacklogGrowing',
          'NewsletterDeliveryBacklogGrowing',
          'NewsletterNotReady',
          'NewsletterSmtpSlow',
          'NewsletterWorkerDown',
        ].sort(),
      );
      for (const rule of all) {
        const names = metricsInPromQL(rule.expr);
        expect({ alert: rule.alert, reads: names.length > 0 }).toEqual({ alert: rule.alert, reads: true });
        const unknown = names.filter((n) => n !== 'up' && !exported.has(n));
        expect({ alert: rule.alert, unknown }).toEqual({ alert: rule.alert, unknown: [] });
      }
    });

    it('fires each alert on series shaped like the real ones, and none on the real values', () => {
      const api = parseExposition(scraped.api);
      const worker = parseExposition(scraped.worker);
      const apiTarget = { job: 'newsletter-api', instance: 'api:3000' };
      const workerTarget = { job: 'newsletter-worker', instance: 'worker-1:9465' };
      /** A series the API really exported (its exact labels), as Prometheus stores it. */
      const apiSeries = (key: string, values: string) => {
        expect({ key, exported: api.has(key) }).toEqual({ key, exported: true });
        return { series: withLabels(key, apiTarget), values };
      };
      const workerSeries = (key: string, values: string) => {
        expect({ key, exported: worker.has(key) }).toEqual({ key, exported: true });
        return { series: withLabels(key, workerTarget), values };
      };
      /** A series of a metric the API declares but had no sample of (no campaign was auto-paused). */
      const declared = (name: string, labels: Record<string, string>, values: string) => {
        expect(metricNames(scraped.api).has(name)).toBe(true);
        return { series: withLabels(name, { ...apiTarget, ...labels }), values };
      };
      const c = '7';
      const bucket = (le: string) =>
        `newsletter_smtp_send_duration_seconds_bucket{le="${le}",result="accepted"}`;
      const firing = [
        { series: withLabels('up', workerTarget), values: '0x30' },
        { series: withLabels('up', apiTarget), values: '0x30' },
        apiSeries('newsletter_queue_jobs{queue="delivery",state="waiting"}', '0+5x30'),
        apiSeries('newsletter_confirmations_delayed', '0+20x30'),
        declared('newsletter_campaign_auto_paused', { campaign_id: c }, '1x30'),
        declared('newsletter_campaign_bounce_rate', { campaign_id: c }, '0.08x30'),
        declared('newsletter_campaign_complaint_rate', { campaign_id: c }, '0.002x30'),
        declared('newsletter_campaign_deliveries', { campaign_id: c, status: 'sent' }, '1000x30'),
        declared('newsletter_campaign_deliveries', { campaign_id: c, status: 'bounced' }, '87x30'),
        declared('newsletter_campaign_deliveries', { campaign_id: c, status: 'complained' }, '2x30'),
        // 10 % of the sends answered within 1 s, the rest between 2 and 5 s: p95 over 2 s
        workerSeries(bucket('1'), '0+10x30'),
        workerSeries(bucket('2'), '0+10x30'),
        workerSeries(bucket('5'), '0+100x30'),
        workerSeries(bucket('+Inf'), '0+100x30'),
        apiSeries('newsletter_ready{component="mail"}', '0x30'),
      ];
      const expectAt = (alertname: string, exp: Record<string, string>[]) => ({
        eval_time: '25m',
        alertname,
        exp_alerts: exp.map((labels) => ({ exp_labels: labels })),
      });
      const fires = [
        expectAt('NewsletterWorkerDown', [{ severity: 'critical', ...workerTarget }]),
        expectAt('NewsletterApiDown', [{ severity: 'critical', ...apiTarget }]),
        expectAt('NewsletterDeliveryBacklogGrowing', [{ severity: 'warning' }]),
        expectAt('NewsletterConfirmationBacklogGrowing', [{ severity: 'warning' }]),
        expectAt('NewsletterCampaignAutoPaused', [{ severity: 'critical', campaign_id: c }]),
        expectAt('NewsletterCampaignBounceRateHigh', [{ severity: 'warning', campaign_id: c }]),
        expectAt('NewsletterCampaignComplaintRateHigh', [{ severity: 'critical', campaign_id: c }]),
        expectAt('NewsletterSmtpSlow', [{ severity: 'warning' }]),
        expectAt('NewsletterNotReady', [
          { severity: 'critical', instance: apiTarget.instance, component: 'mail' },
        ]),
      ];

      // Every series of the service's own the two scrapes hold, at its real value, held for 30 minutes.
      const real = (samples: Map<string, number>, target: Record<string, string>) =>
        [...samples]
          .filter(([key, v]) => /^(newsletter|http)_/.test(key) && Number.isFinite(v))
          .map(([key, v]) => ({ series: withLabels(key, target), values: `${v}x30` }));
      const quiet = [
        ...real(api, apiTarget),
        ...real(worker, workerTarget),
        { series: withLabels('up', workerTarget), values: '1x30' },
        { series: withLabels('up', apiTarget), values: '1x30' },
      ];
      const none = fires.map((f) => ({ ...f, exp_alerts: [] }));

      const dir = mkdtempSync(join(tmpdir(), 'nl-alerts-'));
      try {
        // The rules as shipped, annotations left out (promtool would compare their rendered text too).
        const stripped = (
          load(readFileSync(ALERTS, 'utf8')) as { groups: { rules: AlertRule[] }[] }
        ).groups.map((g) => ({ ...g, rules: g.rules.map(({ annotations: _a, ...r }) => r) }));
        writeFileSync(join(dir, 'alerts.yml'), dump({ groups: stripped }));
        writeFileSync(
          join(dir, 'test.yml'),
          dump({
            rule_files: ['alerts.yml'],
            evaluation_interval: '1m',
            tests: [
              { interval: '1m', input_series: firing, alert_rule_test: fires },
              { interval: '1m', input_series: quiet, alert_rule_test: none },
            ],
          }),
        );
        let out: string;
        try {
          out = execFileSync('promtool', ['test', 'rules', join(dir, 'test.yml')], { encoding: 'utf8' });
        } catch (err) {
          const e = err as { stdout?: string; stderr?: string };
          throw new Error(`promtool test rules failed:\n${e.stdout ?? ''}${e.stderr ?? ''}`, { cause: err });
        }
        expect(out).toContain('SUCCESS');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  it('deploy/grafana/newsletter.json queries only metrics the service exports, in valid PromQL', () => {
    expect(scraped.worker).not.toBe('');
    const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as {
      panels: { title: string; targets: { expr: string }[] }[];
    };
    const exported = new Set([...metricNames(scraped.api), ...metricNames(scraped.worker)]);
    const exprs = dashboard.panels.flatMap((p) => p.targets.map((t) => ({ panel: p.title, expr: t.expr })));
    expect(exprs.length).toBeGreaterThanOrEqual(10);
    const titles = dashboard.panels.map((p) => p.title).join(' | ');
    for (const topic of [
      /Messages sent per second/,
      /SMTP latency/,
      /Queue depth by state/,
      /Campaign progress/,
      /Bounce and complaint rates/,
      /Subscribers by status/,
      /API latency/,
    ])
      expect(titles).toMatch(topic);
    for (const { panel, expr } of exprs) {
      const names = metricsInPromQL(expr);
      expect({ panel, reads: names.length > 0 }).toEqual({ panel, reads: true });
      const unknown = names.filter((n) => n !== 'up' && !exported.has(n));
      expect({ panel, unknown }).toEqual({ panel, unknown: [] });
    }
    // promtool parses each query as a recording rule's expression
    const dir = mkdtempSync(join(tmpdir(), 'nl-dashboard-'));
    try {
      const file = join(dir, 'dashboard-queries.yml');
      writeFileSync(
        file,
        dump({
          groups: [
            {
              name: 'dashboard',
              rules: exprs.map((e, i) => ({ record: `dashboard:query_${i}`, expr: e.expr })),
            },
          ],
        }),
      );
      expect(execFileSync('promtool', ['check', 'rules', file], { encoding: 'utf8' })).toContain('SUCCESS');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
