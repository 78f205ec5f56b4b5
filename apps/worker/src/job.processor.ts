import { RateLimitedError } from '@app/core';
import { checkJobPayload, JOB_QUEUE, JobName, type JobPayload, type QueueName } from '@app/queue';
import { OnWorkerEvent, WorkerHost } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import { DelayedError, type Job, UnrecoverableError } from 'bullmq';

export type JobHandlers = { [J in JobName]?: (payload: JobPayload<J>) => Promise<unknown> };

/**
 * A queue's processor: one domain call per job name. `process` dispatches on the job name; the worker's boot
 * check (`assertEveryJobHandled`) refuses to start when a job name routed to this queue has no handler, so a
 * new JobName cannot silently pile up in Redis. Handlers get only data that passed the job's schema
 * (libs/queue job.schemas.ts): a job in Redis is input, whoever put it there.
 */
export abstract class JobProcessor extends WorkerHost {
  abstract readonly queue: QueueName;
  protected abstract readonly handlers: JobHandlers;

  /**
   * The worker's own Redis errors (BullMQ leaves out "connection closed" and refused connections). Without a
   * listener BullMQ prints them as "Unhandled error". While the worker closes, its blocking connection ends with
   * such an error on a Redis Cluster ("None of startup nodes is available"): expected then, not logged.
   */
  @OnWorkerEvent('error')
  onWorkerError(err: Error): void {
    if (this.worker.closing) return;
    new Logger(`${this.queue} worker`).warn(`Redis: ${err.message}`);
  }

  handles(name: JobName): boolean {
    return this.handlers[name] !== undefined;
  }

  async process(job: Job, token?: string): Promise<unknown> {
    const handler = this.handlers[job.name as JobName] as
      ((payload: unknown) => Promise<unknown>) | undefined;
    // Retrying cannot teach this worker a job it does not know: fail it for good, visibly.
    if (!handler)
      throw new UnrecoverableError(`the ${this.queue} queue has no handler for job "${job.name}"`);
    // Nor can retrying fix a malformed payload.
    const checked = checkJobPayload(job.name as JobName, job.data);
    if (!checked.ok) throw new UnrecoverableError(checked.reason);
    try {
      return await handler(checked.payload);
    } catch (err) {
      // The domain's "not now, in N seconds" (a confirmation mail budget spent): the job waits in `delayed`
      // and runs again then. Not a failed attempt: it costs none of the job's retries, and nothing is dropped.
      if (err instanceof RateLimitedError && token !== undefined) {
        await job.moveToDelayed(Date.now() + err.retryAfterSeconds * 1000, token);
        throw new DelayedError(err.message);
      }
      throw err;
    }
  }
}

/** Throws (so the worker exits at boot) unless every JobName has a handler on the processor of its queue. */
export function assertEveryJobHandled(processors: JobProcessor[]): void {
  const missing = Object.values(JobName).filter((name) => {
    const owner = processors.find((p) => p.queue === JOB_QUEUE[name]);
    return !owner?.handles(name);
  });
  if (missing.length > 0) {
    throw new Error(
      `worker cannot start: no handler for job(s) ${missing
        .map((n) => `"${n}" (queue ${JOB_QUEUE[n]})`)
        .join(', ')}`,
    );
  }
}
