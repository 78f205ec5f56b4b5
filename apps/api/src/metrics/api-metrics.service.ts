import { registerLedgerMetrics, registerQueueMetrics } from '@app/core/metrics';
import { JobQueue } from '@app/queue';
import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { DataSource } from 'typeorm';

/**
 * The API's Prometheus registry (one per app instance, never prom-client's global one, so an API and a worker
 * in one process, as in tests, do not collide): process metrics, HTTP request durations, queue depths and
 * ledger counts read at scrape time. Job durations are served by each worker (WORKER_METRICS_PORT).
 */
@Injectable()
export class ApiMetrics {
  readonly registry = new Registry();
  readonly httpDuration: Histogram<'method' | 'route' | 'status_code'>;

  constructor(queues: JobQueue, ds: DataSource) {
    collectDefaultMetrics({ register: this.registry });
    this.httpDuration = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request duration by method, route template and status code',
      labelNames: ['method', 'route', 'status_code'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [this.registry],
    });
    const failed = new Gauge({
      name: 'newsletter_metrics_collect_failed',
      help: '1 when a collector (queues: Redis, ledger: PostgreSQL) failed at the last scrape',
      labelNames: ['collector'],
      registers: [this.registry],
    });
    registerQueueMetrics(this.registry, () => queues.all(), failed);
    registerLedgerMetrics(this.registry, ds, failed);
  }
}
