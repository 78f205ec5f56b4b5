import {
  CollectorStatus,
  LedgerMetricsRepository,
  registerLedgerMetrics,
  registerQueueMetrics,
} from '@app/core/metrics';
import { JobQueue } from '@app/queue';
import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Histogram, Registry } from 'prom-client';

/**
 * The API's Prometheus registry (one per app instance, never prom-client's global one, so an API and a worker
 * in one process, as in tests, do not collide): process metrics, HTTP request durations, queue depths and
 * ledger counts read at scrape time. Job durations are served by each worker (WORKER_METRICS_PORT).
 */
@Injectable()
export class ApiMetrics {
  readonly registry = new Registry();
  readonly httpDuration: Histogram<'method' | 'route' | 'status_code'>;

  constructor(queues: JobQueue, ledger: LedgerMetricsRepository) {
    collectDefaultMetrics({ register: this.registry });
    this.httpDuration = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request duration by method, route template and status code',
      labelNames: ['method', 'route', 'status_code'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [this.registry],
    });
    const status = new CollectorStatus();
    registerQueueMetrics(this.registry, () => queues.all(), status);
    registerLedgerMetrics(this.registry, ledger, status);
    this.registry.registerMetric(status.gauge);
  }
}
