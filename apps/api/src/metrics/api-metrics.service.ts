import {
  CollectorStatus,
  LedgerMetricsRepository,
  registerLedgerMetrics,
  registerQueueMetrics,
  withTimeout,
} from '@app/core/metrics';
import { ConfirmationBudget } from '@app/core';
import { JobQueue } from '@app/queue';
import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** How a sign-up request ended (newsletter_subscribe_requests_total{result}). */
export const SUBSCRIBE_RESULTS = [
  'accepted',
  'honeypot',
  'invalid',
  'refused',
  'rate_limited',
  'error',
] as const;
export type SubscribeResult = (typeof SUBSCRIBE_RESULTS)[number];

/**
 * The API's Prometheus registry (one per app instance, never prom-client's global one, so an API and a worker
 * in one process, as in tests, do not collide): process metrics, HTTP request durations, queue depths and
 * ledger counts read at scrape time. Job durations are served by each worker (WORKER_METRICS_PORT).
 */
@Injectable()
export class ApiMetrics {
  readonly registry = new Registry();
  readonly httpDuration: Histogram<'method' | 'route' | 'status_code'>;
  readonly subscribeRequests: Counter<'result'>;
  /**
   * `newsletter_ready{component}`: 1 when the component passed the last readiness check (GET /health/ready,
   * which the load balancer or compose health check calls every few seconds), 0 when it failed.
   */
  readonly ready: Gauge<'component'>;
  /** Issue 15: link clicks and opens by kind (human, machine; untracked with TRACKING=off). */
  readonly clicks: Counter<'kind' | 'target'>;
  /** Issue 15: time to answer GET /l/<token> (and the open pixel), valid or not. */
  readonly redirectDuration: Histogram<'outcome'>;

  constructor(queues: JobQueue, ledger: LedgerMetricsRepository, budget: ConfirmationBudget) {
    collectDefaultMetrics({ register: this.registry });
    this.httpDuration = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request duration by method, route template and status code',
      labelNames: ['method', 'route', 'status_code'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [this.registry],
    });
    this.subscribeRequests = new Counter({
      name: 'newsletter_subscribe_requests_total',
      help: 'Sign-up requests (hosted and embedded form, POST /api/subscriptions) by result: accepted, honeypot (a bot filled the hidden field; answered as accepted), invalid (400), refused (other 4xx), rate_limited (429), error (5xx)',
      labelNames: ['result'],
      registers: [this.registry],
    });
    for (const result of SUBSCRIBE_RESULTS) this.subscribeRequests.inc({ result }, 0);
    this.ready = new Gauge({
      name: 'newsletter_ready',
      help: 'Whether each component (database, redis, mail) passed the last readiness check of this API instance (GET /health/ready): 1 up, 0 down',
      labelNames: ['component'],
      registers: [this.registry],
    });
    this.clicks = new Counter({
      name: 'newsletter_link_clicks_total',
      help: 'Clicks on tracked links (target=link) and open-pixel loads (target=open), by kind: human, machine, untracked (TRACKING=off)',
      labelNames: ['kind', 'target'],
      registers: [this.registry],
    });
    this.redirectDuration = new Histogram({
      name: 'newsletter_link_redirect_duration_seconds',
      help: 'Time to answer a tracked link (outcome: redirect, not_found)',
      labelNames: ['outcome'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1],
      registers: [this.registry],
    });
    const status = new CollectorStatus();
    registerQueueMetrics(this.registry, () => queues.all(), status);
    registerLedgerMetrics(this.registry, ledger, status);
    new Gauge({
      name: 'newsletter_confirmations_delayed',
      help: 'Confirmation mails stored and waiting for a later hour because a confirmation budget (CONFIRMATIONS_PER_DOMAIN_PER_HOUR, CONFIRMATIONS_PER_HOUR) was spent, read from Redis at scrape time',
      registers: [this.registry],
      async collect() {
        const reading = withTimeout(budget.backlog(0), 2000, 'confirmation backlog');
        status.track('confirmations', reading);
        const backlog = await reading.catch(() => undefined);
        // No sample when Redis did not answer (newsletter_metrics_collect_failed says so), never a false 0.
        if (backlog) this.set(backlog.waiting);
        else this.reset();
      },
    });
    this.registry.registerMetric(status.gauge);
  }

  /** Records a readiness check's outcome per component (terminus' details: { database: { status: 'up' } }). */
  recordReadiness(details: Record<string, { status?: string } | undefined> | undefined): void {
    for (const [component, r] of Object.entries(details ?? {}))
      this.ready.set({ component }, r?.status === 'up' ? 1 : 0);
  }
}
