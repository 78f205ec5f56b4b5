import { RateLimitedError } from '@app/core';
import { JobName, QueueName } from '@app/queue';
import type { Job } from 'bullmq';
import { assertEveryJobHandled, type JobHandlers, JobProcessor } from './job.processor';

class FakeProcessor extends JobProcessor {
  constructor(
    readonly queue: QueueName,
    protected readonly handlers: JobHandlers,
  ) {
    super();
  }
}

const ok = () => Promise.resolve('done');

describe('job processors', () => {
  const complete = [
    new FakeProcessor(QueueName.Mail, {
      [JobName.SendConfirmation]: ok,
      [JobName.SendTest]: ok,
      [JobName.SendWelcome]: ok,
    }),
    new FakeProcessor(QueueName.Campaign, {
      [JobName.StartCampaign]: ok,
      [JobName.FanOutCampaign]: ok,
      [JobName.FanOutRange]: ok,
      [JobName.CheckCampaign]: ok,
    }),
    new FakeProcessor(QueueName.Delivery, { [JobName.DeliverBatch]: ok }),
    new FakeProcessor(QueueName.Inbound, { [JobName.ProcessInboundMessage]: ok }),
  ];

  it('boots when every job name has a handler on its own queue', () => {
    expect(() => assertEveryJobHandled(complete)).not.toThrow();
  });

  it('refuses to boot when a job name has no handler, naming it and its queue', () => {
    const missing = [complete[0]!, new FakeProcessor(QueueName.Campaign, { [JobName.StartCampaign]: ok })];
    expect(() => assertEveryJobHandled(missing)).toThrow(
      /no handler for job\(s\) "fan-out-campaign" \(queue campaign\), "fan-out-range" \(queue campaign\), "check-campaign" \(queue campaign\), "deliver-batch" \(queue delivery\), "process-inbound-message" \(queue inbound\)/,
    );
  });

  it('does not count a handler registered on the wrong queue', () => {
    const wrong = [
      new FakeProcessor(QueueName.Mail, {
        [JobName.SendConfirmation]: ok,
        [JobName.SendTest]: ok,
        [JobName.SendWelcome]: ok,
        [JobName.DeliverBatch]: ok,
      }),
      complete[1]!,
    ];
    expect(() => assertEveryJobHandled(wrong)).toThrow(/"deliver-batch"/);
  });

  it('dispatches by job name and fails unknown jobs for good', async () => {
    const p = complete[0]!;
    await expect(
      p.process({ name: JobName.SendTest, data: { editionId: 1, to: ['a@example.org'] } } as Job),
    ).resolves.toBe('done');
    await expect(p.process({ name: 'nope', data: {} } as Job)).rejects.toMatchObject({
      name: 'UnrecoverableError',
      message: 'the mail queue has no handler for job "nope"',
    });
  });

  it('checks the payload against the job schema before the handler runs, and fails a bad one for good', async () => {
    const seen: unknown[] = [];
    const p = new FakeProcessor(QueueName.Mail, {
      [JobName.SendTest]: (payload) => {
        seen.push(payload);
        return Promise.resolve('sent');
      },
    });
    const to = Array.from({ length: 200 }, (_, i) => `x${i}@example.net`);
    for (const data of [
      { editionId: 1, to },
      { editionId: 1, to: ['x1@example.net, x2@example.net'] },
      { editionId: '1', to: ['a@example.org'] },
      { editionId: 1, to: ['a@example.org'], extra: true },
      undefined,
    ]) {
      await expect(p.process({ name: JobName.SendTest, data } as Job)).rejects.toMatchObject({
        name: 'UnrecoverableError',
        message: expect.stringMatching(/^invalid send-test payload: /),
      });
    }
    expect(seen).toEqual([]);
    await expect(
      p.process({ name: JobName.SendTest, data: { editionId: 7, to: ['a@example.org'] } } as Job),
    ).resolves.toBe('sent');
    expect(seen).toEqual([{ editionId: 7, to: ['a@example.org'] }]);
  });

  it('moves a job the domain says "not now" about (RateLimitedError) to delayed, costing no attempt', async () => {
    const p = new FakeProcessor(QueueName.Mail, {
      [JobName.SendConfirmation]: () => Promise.reject(new RateLimitedError('budget spent', 90)),
    });
    const moved: [number, string][] = [];
    const job = {
      name: JobName.SendConfirmation,
      data: { subscriberId: 1 },
      moveToDelayed: (at: number, token: string) => {
        moved.push([at, token]);
        return Promise.resolve();
      },
    } as unknown as Job;
    const before = Date.now();
    // BullMQ's DelayedError tells the worker the job was moved on purpose: neither failed nor completed.
    await expect(p.process(job, 'lock-token')).rejects.toMatchObject({ name: 'DelayedError' });
    expect(moved).toHaveLength(1);
    expect(moved[0]![1]).toBe('lock-token');
    expect(moved[0]![0]).toBeGreaterThanOrEqual(before + 90_000);
    expect(moved[0]![0]).toBeLessThanOrEqual(Date.now() + 90_000);
  });
});
