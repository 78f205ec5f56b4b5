import type { MailMetrics, MessageKind } from '@app/mailer';
import { JobName } from '@app/queue';
import type { Job, Worker } from 'bullmq';
import { Counter, Histogram, type Registry } from 'prom-client';

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

export interface WelcomeMetrics {
  messages: Counter<'outcome'>;
  /** Counts every SendWelcome job this worker finishes, by what it did. */
  instrument(worker: Worker): void;
}

const WELCOME_OUTCOMES = ['sent', 'skipped', 'bounced', 'disabled'];

/**
 * `newsletter_welcome_messages_total{outcome}`: welcome messages this worker sent (`sent`), did not send
 * because the subscriber already had one or is gone (`skipped`), or saw refused for good (`bounced`), or jobs
 * that found WELCOME_ISSUE=false (`disabled`); failed attempts are in newsletter_job_duration_seconds.
 */
export function createWelcomeMetrics(registry: Registry): WelcomeMetrics {
  const messages = new Counter({
    name: 'newsletter_welcome_messages_total',
    help: 'Welcome messages by outcome (sent, skipped, bounced, disabled), counted by the worker that ran the job',
    labelNames: ['outcome'],
    registers: [registry],
  });
  for (const outcome of WELCOME_OUTCOMES) messages.inc({ outcome }, 0);
  return {
    messages,
    instrument(worker: Worker) {
      worker.on('completed', (job: Job, result: unknown) => {
        if (job.name !== (JobName.SendWelcome as string)) return;
        const outcome = typeof result === 'string' && WELCOME_OUTCOMES.includes(result) ? result : 'sent';
        messages.inc({ outcome });
      });
    },
  };
}

const TRANSACTIONAL_KINDS: Partial<Record<string, MessageKind>> = {
  [JobName.SendConfirmation]: 'confirmation',
  [JobName.SendWelcome]: 'welcome',
  [JobName.SendTest]: 'test',
};

/**
 * Counts the transactional messages (confirmations, welcomes, test sends) in
 * `newsletter_messages_total{kind,result}` from the outcomes of their jobs: one job is one message (a test
 * send, one per recipient), and whether a failed attempt is a `retry` or the message `failed` for good is the
 * job's to know (its attempts). Campaign messages are counted per SMTP outcome by DeliveryService.
 */
export function instrumentTransactionalMessages(worker: Worker, metrics: MailMetrics): void {
  worker.on('completed', (job: Job, result: unknown) => {
    const kind = TRANSACTIONAL_KINDS[job.name];
    if (!kind) return;
    if (kind === 'test') {
      const r = result as { sent?: unknown[]; refused?: unknown[] } | undefined;
      metrics.count(kind, 'sent', Array.isArray(r?.sent) ? r.sent.length : 0);
      metrics.count(kind, 'bounced', Array.isArray(r?.refused) ? r.refused.length : 0);
    } else if (result === 'sent' || result === 'bounced') {
      metrics.count(kind, result);
    }
  });
  worker.on('failed', (job: Job | undefined, err: Error) => {
    const kind = job && TRANSACTIONAL_KINDS[job.name];
    if (!job || !kind) return;
    const final = err?.name === 'UnrecoverableError' || job.attemptsMade >= (job.opts.attempts ?? 1);
    const to = (job.data as { to?: unknown } | undefined)?.to;
    metrics.count(kind, final ? 'failed' : 'retry', kind === 'test' && Array.isArray(to) ? to.length : 1);
  });
}
