import {
  CollectorStatus,
  LedgerMetricsRepository,
  registerLedgerMetrics,
  registerQueueMetrics,
} from '@app/core/metrics';
import { JobQueue } from '@app/queue';
import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

/**
 * The API's Prometheus registry (one per app instance, never prom-client's global one, so an API and a worker
 * in one process, as in tests, do not collide): process metrics, HTTP request durations, queue depths and
 * ledger counts read at scrape time. Job durations are served by each worker (WORKER_METRICS_PORT).
 */
@Injectable()
export class ApiMetrics {
  readonly registry = new Registry();
  readonly httpDuration: Histogram<'method' | 'route' | 'status_code'>;
  /** Issue 15: link clicks and opens by kind (human, machine; untracked with TRACKING=off). */
  readonly clicks: Counter<'kind' | 'target'>;
  /** Issue 15: time to answer GET /l/<token> (and the open pixel), valid or not. */
  readonly redirectDuration: Histogram<'outcome'>;

  constructor(queues: JobQueue, ledger: LedgerMetricsRepository) {
    collectDefaultMetrics({ register: this.registry });
    this.httpDuration = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request duration by method, route template and status code',
      labelNames: ['method', 'route', 'status_code'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
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
    this.registry.registerMetric(status.gauge);
  }
}
