import { Gauge } from 'prom-client';

/**
 * `newsletter_metrics_collect_failed{collector}`: 1 when a collector's source (Redis, PostgreSQL) failed at this
 * scrape. prom-client collects all metrics concurrently, so this gauge waits for the collectors' outcomes;
 * register it (`registry.registerMetric(status.gauge)`) after them.
 */
export class CollectorStatus {
  private readonly outcomes = new Map<string, Promise<boolean>>();
  readonly gauge: Gauge<'collector'>;

  constructor() {
    const outcomes = this.outcomes;
    this.gauge = new Gauge({
      name: 'newsletter_metrics_collect_failed',
      help: '1 when a collector (queues: Redis, ledger: PostgreSQL) failed at this scrape',
      labelNames: ['collector'],
      registers: [],
      async collect() {
        for (const [collector, ok] of outcomes) this.set({ collector }, (await ok) ? 0 : 1);
      },
    });
  }

  track(collector: string, work: Promise<unknown>): void {
    this.outcomes.set(
      collector,
      work.then(
        () => true,
        () => false,
      ),
    );
  }
}
