import { Injectable } from '@nestjs/common';
import { Counter } from 'prom-client';
import { ApiMetrics } from '../metrics/api-metrics.service';

/** Counters of the shared limits, on the API's registry (GET /metrics). */
@Injectable()
export class LimitMetrics {
  /**
   * Requests whose limit could not be checked because Redis was away: use="reader" (let through: fail open),
   * "sign-in" (refused with 503: fail closed), "challenge" (a solved challenge that could not be recorded: 503).
   */
  readonly storeErrors: Counter<'use'>;

  constructor(metrics: ApiMetrics) {
    this.storeErrors = new Counter({
      name: 'newsletter_rate_limit_store_errors_total',
      help: 'Requests whose rate limit or challenge record could not be read from Redis, by use',
      labelNames: ['use'],
      registers: [metrics.registry],
    });
  }
}
