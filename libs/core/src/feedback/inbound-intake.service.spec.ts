import { JobName, QueueName } from '@app/queue';
import { redisOptions } from '@app/queue/redis-options';
import { ServiceWorld } from '@app/testing/service-world';
import { type Job, type Queue, UnrecoverableError, Worker } from 'bullmq';
import { FeedbackModule } from './feedback.module';
import { InboundIntake } from './inbound-intake.service';
import { InboundMessageRepository } from './inbound-message.repository';
import { JobQueue } from '@app/queue';

/**
 * The sweep is what makes "stored before 250" mean "processed": whatever Redis remembers about a message's
 * job (nothing, a job that failed all its attempts, a job that completed), a row still `received` gets a job
 * that will run; a job that is still waiting is not doubled.
 */
describe('InboundIntake.sweep', () => {
  let w: ServiceWorld;
  let intake: InboundIntake;
  let inbox: InboundMessageRepository;
  let queue: Queue;

  beforeAll(async () => {
    w = await ServiceWorld.start({ imports: [FeedbackModule] });
    intake = w.get(InboundIntake);
    inbox = w.get(InboundMessageRepository);
    queue = w.get(JobQueue).queue(QueueName.Inbound);
  });
  afterAll(() => w?.stop());

  const message = () => ({
    remoteAddress: '127.0.0.1',
    helo: 'mx.example.net',
    mailFrom: '',
    rcptTo: ['postmaster@example.test'],
    raw: Buffer.from('Subject: hello\r\n\r\nbody\r\n'),
  });
  /** Stored the way the server stores it, but with no job (Redis was down, or the process died after COMMIT). */
  const store = () => inbox.store(message());

  /** Runs the queue's jobs once with `outcome` (no retries), until none is waiting. */
  async function drain(outcome: (job: Job) => Promise<void>): Promise<void> {
    const worker = new Worker(QueueName.Inbound, outcome, {
      connection: redisOptions(w.redisUrl),
      prefix: w.prefix,
      autorun: true,
    });
    try {
      for (let i = 0; i < 200 && (await queue.getWaitingCount()) + (await queue.getActiveCount()) > 0; i++) {
        await new Promise((r) => setTimeout(r, 50));
      }
    } finally {
      await worker.close();
    }
  }

  it('queues a stored message that has no job, and does not double one that is waiting', async () => {
    const id = await store();
    expect(await intake.sweep(0)).toBeGreaterThanOrEqual(1);
    const job = await queue.getJob(`inbound-${id}`);
    expect(job?.name).toBe(JobName.ProcessInboundMessage);
    expect(job?.data).toEqual({ inboundMessageId: id });
    expect(await job!.getState()).toBe('waiting');
    await intake.sweep(0);
    expect((await queue.getJobs(['waiting'])).filter((j) => j.id === `inbound-${id}`)).toHaveLength(1);
    await drain(() => Promise.resolve());
  });

  it('retries a job that failed all its attempts while its message is still received', async () => {
    const id = await intake.accept(message());
    await drain(() => Promise.reject(new UnrecoverableError('database down longer than the backoff')));
    expect(await (await queue.getJob(`inbound-${id}`))!.getState()).toBe('failed');

    expect(await intake.sweep(0)).toBeGreaterThanOrEqual(1);
    expect(await (await queue.getJob(`inbound-${id}`))!.getState()).toBe('waiting');
    await drain(() => Promise.resolve());
  });

  it('replaces a completed job whose message is still received', async () => {
    const id = await intake.accept(message());
    await drain(() => Promise.resolve());
    expect(await (await queue.getJob(`inbound-${id}`))!.getState()).toBe('completed');
    await intake.sweep(0);
    expect(await (await queue.getJob(`inbound-${id}`))!.getState()).toBe('waiting');
  });
});
