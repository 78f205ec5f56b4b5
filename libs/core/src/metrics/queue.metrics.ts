import type { Queue } from 'bullmq';
import { Gauge, type Registry } from 'prom-client';
import type { CollectorStatus } from './collector-status';

export const JOB_STATES = [
  'waiting',
  'prioritized',
  'active',
  'delayed',
  'failed',
  'completed',
  'waiting-children',
] as const;

/** Fails a Redis call that would otherwise wait forever (BullMQ clients retry without limit). */
export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/**
 * `newsletter_queue_jobs{queue,state}`: job counts read from Redis at scrape time (BullMQ getJobCounts), so
 * every API instance reports the same, current numbers. Empty (and the collector marked failed) when Redis
 * does not answer within 2 s.
 */
export function registerQueueMetrics(
  registry: Registry,
  queues: () => Queue[],
  status: CollectorStatus,
): void {
  new Gauge({
    name: 'newsletter_queue_jobs',
    help: 'Jobs per queue and state (BullMQ), read from Redis at scrape time',
    labelNames: ['queue', 'state'],
    registers: [registry],
    async collect() {
      const counting = withTimeout(
        Promise.all(queues().map(async (q) => [q.name, await q.getJobCounts(...JOB_STATES)] as const)),
        2000,
        'queue counts',
      );
      status.track('queues', counting);
      const all = await counting.catch(() => []);
      this.reset();
      for (const [queue, counts] of all) {
        for (const state of JOB_STATES) this.set({ queue, state }, counts[state] ?? 0);
      }
    },
  });
}
