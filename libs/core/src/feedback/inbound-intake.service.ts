import { JobName, JobQueue } from '@app/queue';
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

  /** Enqueues messages left `received` for longer than `olderThanMs`; answers how many. */
  async sweep(olderThanMs: number, limit = 1000): Promise<number> {
    const ids = await this.messages.listUnprocessed(olderThanMs, limit);
    for (const id of ids) await this.enqueue(id);
    return ids.length;
  }

  /** The job id is the message's: a message already waiting or running is not queued twice. */
  private enqueue(id: number): Promise<void> {
    return this.jobs.add(JobName.ProcessInboundMessage, { inboundMessageId: id }, { jobId: `inbound-${id}` });
  }
}
