import { Counter, Gauge, type Registry } from 'prom-client';
import { AUTO_PAUSE_REASON_PREFIX, feedbackRates } from '../campaigns/campaign.constants';
import type { CollectorStatus } from './collector-status';
import type { LedgerMetricsRepository } from './ledger-metrics.repository';

/** Scrapes closer together than this share one set of queries. */
const CACHE_MS = 10_000;
/** Campaigns older than this drop out of the per-campaign series (their history stays in Prometheus). */
const CAMPAIGN_WINDOW_DAYS = 180;
/** The inbound gauge counts messages received in this window (an alert on `unparsed` sees the last day). */
const INBOUND_WINDOW_HOURS = 24;

interface LedgerSnapshot {
  deliveries: { campaign_id: number; status: string; n: number }[];
  events: { type: string; n: number }[];
  subscribers: { status: string; n: number }[];
  inbound: { classification: string; status: string; n: number }[];
  campaigns: { status: string; n: number; auto_paused_ids: number[] }[];
}

/**
 * Counts read from PostgreSQL at scrape time: the delivery ledger per campaign and status (sent, failed,
 * bounced, ... through the (campaign_id, status) index) and each campaign's bounce and complaint rates from
 * it, subscriber events by type (subscriptions, confirmations, unsubscribes, ...), subscribers by status, and
 * the inbound messages of the last day by classification and status. Being read from the database, they are the same
 * on every API instance (aggregate with max, not sum) and survive restarts.
 */
export function registerLedgerMetrics(
  registry: Registry,
  ledger: LedgerMetricsRepository,
  status: CollectorStatus,
): void {
  let cached: { at: number; snapshot: Promise<LedgerSnapshot> } | undefined;

  const snapshot = (): Promise<LedgerSnapshot> => {
    if (!cached || Date.now() - cached.at > CACHE_MS) {
      const p = load(ledger);
      cached = { at: Date.now(), snapshot: p };
      // a failure is not cached: the next scrape tries again
      p.catch(() => (cached = undefined));
    }
    status.track('ledger', cached.snapshot);
    return cached.snapshot;
  };

  new Gauge({
    name: 'newsletter_campaign_deliveries',
    help: `Campaign messages by delivery status (queued, sending, sent, failed, bounced, complained, skipped); campaigns of the last ${CAMPAIGN_WINDOW_DAYS} days`,
    labelNames: ['campaign_id', 'status'],
    registers: [registry],
    async collect() {
      const s = await snapshot().catch(() => undefined);
      this.reset();
      for (const r of s?.deliveries ?? [])
        this.set({ campaign_id: String(r.campaign_id), status: r.status }, r.n);
    },
  });

  const seen = new Map<string, number>();
  new Counter({
    name: 'newsletter_subscriber_events_total',
    help: 'Subscriber events by type (subscribed, confirmed, unsubscribed, bounced, ...) recorded in subscriber_event',
    labelNames: ['type'],
    registers: [registry],
    async collect() {
      const s = await snapshot().catch(() => undefined);
      for (const r of s?.events ?? []) {
        // a counter only goes up: follow the table's count (append-only; should erasure remove rows, hold)
        const current = seen.get(r.type) ?? 0;
        if (r.n > current) {
          this.inc({ type: r.type }, r.n - current);
          seen.set(r.type, r.n);
        }
      }
    },
  });

  /** Each campaign's rate (feedbackRates, as the admin API shows it), null ones left out. */
  const rateGauge = (name: string, help: string, pick: 'bounceRate' | 'complaintRate') =>
    new Gauge({
      name,
      help,
      labelNames: ['campaign_id'],
      registers: [registry],
      async collect() {
        const s = await snapshot().catch(() => undefined);
        this.reset();
        const counts = new Map<number, { sent: number; bounced: number; complained: number }>();
        for (const r of s?.deliveries ?? []) {
          const c = counts.get(r.campaign_id) ?? { sent: 0, bounced: 0, complained: 0 };
          if (r.status === 'sent' || r.status === 'bounced' || r.status === 'complained') c[r.status] = r.n;
          counts.set(r.campaign_id, c);
        }
        for (const [id, c] of counts) {
          const rate = feedbackRates(c)[pick];
          if (rate !== null) this.set({ campaign_id: String(id) }, rate);
        }
      },
    });
  rateGauge(
    'newsletter_campaign_bounce_rate',
    `Bounced of the messages with an outcome at a mail server (sent + bounced + complained), 0-1; campaigns of the last ${CAMPAIGN_WINDOW_DAYS} days`,
    'bounceRate',
  );
  rateGauge(
    'newsletter_campaign_complaint_rate',
    `Spam complaints of the messages delivered (sent + complained), 0-1 (Gmail and Yahoo require < 0.003); campaigns of the last ${CAMPAIGN_WINDOW_DAYS} days`,
    'complaintRate',
  );

  new Gauge({
    name: 'newsletter_inbound_messages',
    help: `Messages the inbound SMTP server received in the last ${INBOUND_WINDOW_HOURS} hours, by classification (none: not processed yet) and status (received, processed, unparsed, ignored)`,
    labelNames: ['classification', 'status'],
    registers: [registry],
    async collect() {
      const s = await snapshot().catch(() => undefined);
      this.reset();
      for (const r of s?.inbound ?? []) this.set({ classification: r.classification, status: r.status }, r.n);
    },
  });

  new Gauge({
    name: 'newsletter_campaigns',
    help: 'Campaigns by status (scheduled, running, paused, completed, cancelled, ...)',
    labelNames: ['status'],
    registers: [registry],
    async collect() {
      const s = await snapshot().catch(() => undefined);
      this.reset();
      for (const r of s?.campaigns ?? []) this.set({ status: r.status }, r.n);
    },
  });

  new Gauge({
    name: 'newsletter_campaign_auto_paused',
    help: 'Campaigns the sender paused by itself after too many consecutive failed sends (SEND_MAX_CONSECUTIVE_FAILURES): 1 while paused so',
    labelNames: ['campaign_id'],
    registers: [registry],
    async collect() {
      const s = await snapshot().catch(() => undefined);
      this.reset();
      for (const r of s?.campaigns ?? [])
        for (const id of r.auto_paused_ids) this.set({ campaign_id: String(id) }, 1);
    },
  });

  new Gauge({
    name: 'newsletter_subscribers',
    help: 'Subscribers by status',
    labelNames: ['status'],
    registers: [registry],
    async collect() {
      const s = await snapshot().catch(() => undefined);
      this.reset();
      for (const r of s?.subscribers ?? []) this.set({ status: r.status }, r.n);
    },
  });
}

async function load(ledger: LedgerMetricsRepository): Promise<LedgerSnapshot> {
  const [deliveries, events, subscribers, inbound, campaigns] = await Promise.all([
    ledger.deliveriesByCampaignAndStatus(CAMPAIGN_WINDOW_DAYS),
    ledger.subscriberEventsByType(),
    ledger.subscribersByStatus(),
    ledger.inboundByClassificationAndStatus(INBOUND_WINDOW_HOURS),
    ledger.campaignsByStatus(AUTO_PAUSE_REASON_PREFIX),
  ]);
  return { deliveries, events, subscribers, inbound, campaigns };
}
