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
    new FakeProcessor(QueueName.Mail, { [JobName.SendConfirmation]: ok, [JobName.SendTest]: ok }),
    new FakeProcessor(QueueName.Campaign, {
      [JobName.StartCampaign]: ok,
      [JobName.FanOutCampaign]: ok,
      [JobName.CheckCampaign]: ok,
    }),
    new FakeProcessor(QueueName.Delivery, { [JobName.DeliverBatch]: ok }),
  ];

  it('boots when every job name has a handler on its own queue', () => {
    expect(() => assertEveryJobHandled(complete)).not.toThrow();
  });

  it('refuses to boot when a job name has no handler, naming it and its queue', () => {
    const missing = [complete[0]!, new FakeProcessor(QueueName.Campaign, { [JobName.StartCampaign]: ok })];
    expect(() => assertEveryJobHandled(missing)).toThrow(
      /no handler for job\(s\) "fan-out-campaign" \(queue campaign\), "check-campaign" \(queue campaign\), "deliver-batch" \(queue delivery\)/,
    );
  });

  it('does not count a handler registered on the wrong queue', () => {
    const wrong = [
      new FakeProcessor(QueueName.Mail, {
        [JobName.SendConfirmation]: ok,
        [JobName.SendTest]: ok,
        [JobName.DeliverBatch]: ok,
      }),
      complete[1]!,
    ];
    expect(() => assertEveryJobHandled(wrong)).toThrow(/"deliver-batch"/);
  });

  it('dispatches by job name and fails unknown jobs for good', async () => {
    const p = complete[0]!;
    await expect(p.process({ name: JobName.SendTest, data: {} } as Job)).resolves.toBe('done');
    await expect(p.process({ name: 'nope', data: {} } as Job)).rejects.toMatchObject({
      name: 'UnrecoverableError',
      message: 'the mail queue has no handler for job "nope"',
    });
  });
});
