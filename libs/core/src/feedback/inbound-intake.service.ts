import { JOB_QUEUE, JobName, JobQueue } from '@app/queue';
import { Injectable, Logger } from '@nestjs/common';
import { InboundMessageRepository, type NewInboundMessage } from './inbound-message.repository';

/**
 * How long `accept` waits for Redis to take the job. The queue's client waits for a lost Redis to come back
 * (commands are held, not failed), and the sender must not wait for that: past this the message is answered
 * 250 all the same (it is committed), and the held command adds the job when Redis returns, or the sweep does.
 */
export const ENQUEUE_WAIT_MS = 2000;

/**
 * Where the inbound SMTP server hands a message over: stored in PostgreSQL first (the server answers 250 only
 * after `accept` resolves, and 451 when it throws), then a processing job. The job is an optimisation, not the
 * record: when Redis cannot take it, `sweep` enqueues every message still `received` a little later.
 */
@Injectable()
export class InboundIntake {
  private readonly log = new Logger(InboundIntake.name);

  constructor(
    private readonly messages: InboundMessageRepository,
    private readonly jobs: JobQueue,
  ) {}

  async accept(message: NewInboundMessage): Promise<number> {
    const id = await this.messages.store(message);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<void>((_resolve, reject) => {
      timer = setTimeout(
        () => reject(new Error(`Redis did not answer within ${ENQUEUE_WAIT_MS} ms`)),
        ENQUEUE_WAIT_MS,
      );
    });
    await Promise.race([this.enqueue(id), timedOut])
      .catch((err: unknown) =>
        this.log.warn(`inbound message ${id} stored; its job waits for the sweep: ${String(err)}`),
      )
      .finally(() => clearTimeout(timer));
    return id;
  }

  /**
   * Gives every message left `received` for longer than `olderThanMs` a job again; answers how many it
   * (re)queued. A job still waiting, delayed or running is left alone. One that failed all its attempts (the
   * database was down longer than its backoff) is retried, and one that completed without moving the row (it
   * cannot today; the row is the record, not the job) is replaced: as long as the row says `received`, the
   * message is not done, whatever Redis remembers about its job id.
   */
  async sweep(olderThanMs: number, limit = 1000): Promise<number> {
    const ids = await this.messages.listUnprocessed(olderThanMs, limit);
    const queue = this.jobs.queue(JOB_QUEUE[JobName.ProcessInboundMessage]);
    let requeued = 0;
    for (const id of ids) {
      const job = await queue.getJob(jobId(id));
      const state = job ? await job.getState() : 'unknown';
      if (job && state === 'failed') {
        await job.retry('failed');
      } else if (job && state === 'completed') {
        await job.remove();
        await this.enqueue(id);
      } else if (!job || state === 'unknown') {
        await this.enqueue(id);
      } else {
        continue; // waiting, delayed, prioritized, waiting-children or active: it will run
      }
      requeued++;
    }
    return requeued;
  }

  /** The job id is the message's: a message already waiting or running is not queued twice. */
  private enqueue(id: number): Promise<void> {
    return this.jobs.add(JobName.ProcessInboundMessage, { inboundMessageId: id }, { jobId: jobId(id) });
  }
}

function jobId(inboundMessageId: number): string {
  return `inbound-${inboundMessageId}`;
}
