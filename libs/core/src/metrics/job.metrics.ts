import type { Job, Worker } from 'bullmq';
import { Histogram, type Registry } from 'prom-client';

export interface JobMetrics {
  duration: Histogram<'queue' | 'job' | 'result'>;
  /** Records every job this worker finishes (completed or failed attempt). */
  instrument(worker: Worker): void;
}

/**
 * `newsletter_job_duration_seconds{queue,job,result}`, observed in the worker process that ran the job (from
 * BullMQ's processedOn/finishedOn), so each worker reports its own jobs and Prometheus sums across workers.
 */
export function createJobMetrics(registry: Registry): JobMetrics {
  const duration = new Histogram({
    name: 'newsletter_job_duration_seconds',
    help: 'Time from a job attempt starting to finishing, per queue, job name and result (completed/failed)',
    labelNames: ['queue', 'job', 'result'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
    registers: [registry],
  });
  const observe = (queue: string, job: Job | undefined, result: 'completed' | 'failed') => {
    if (!job?.processedOn) return;
    const seconds = Math.max(0, ((job.finishedOn ?? Date.now()) - job.processedOn) / 1000);
    duration.observe({ queue, job: job.name, result }, seconds);
  };
  return {
    duration,
    instrument(worker: Worker) {
      worker.on('completed', (job: Job) => observe(worker.name, job, 'completed'));
      worker.on('failed', (job: Job | undefined) => observe(worker.name, job, 'failed'));
    },
  };
}
