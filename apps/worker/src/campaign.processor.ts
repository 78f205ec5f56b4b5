import { CampaignRunner } from '@app/core';
import { JobName, type JobPayload, QueueName } from '@app/queue';
import { Processor, WorkerHost } from '@nestjs/bullmq';
import { type Job, UnrecoverableError } from 'bullmq';

type Handlers = { [J in JobName]?: (payload: JobPayload<J>) => Promise<unknown> };

/** Positive integer id, or the job is malformed (retrying cannot fix it). */
export function requireId(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
    throw new UnrecoverableError(`${what} must be a positive integer, got ${JSON.stringify(value)}`);
  }
  return value;
}

/**
 * Campaign orchestration: start a scheduled campaign, fan it out, check on it. Fan-outs are long-ish and
 * checks short, so a few run side by side.
 */
@Processor(QueueName.Campaign, { concurrency: 4, lockDuration: 30000, maxStalledCount: 10 })
export class CampaignProcessor extends WorkerHost {
  private readonly handlers: Handlers;

  constructor(runner: CampaignRunner) {
    super();
    this.handlers = {
      [JobName.StartCampaign]: (p) => runner.start(requireId(p.campaignId, 'campaignId')),
      [JobName.FanOutCampaign]: (p) => runner.fanOut(requireId(p.campaignId, 'campaignId')),
      [JobName.CheckCampaign]: (p) => runner.check(requireId(p.campaignId, 'campaignId')),
    };
  }

  async process(job: Job): Promise<unknown> {
    const handler = this.handlers[job.name as JobName] as
      ((payload: unknown) => Promise<unknown>) | undefined;
    if (!handler)
      throw new UnrecoverableError(`the ${QueueName.Campaign} queue has no handler for job "${job.name}"`);
    return handler(job.data ?? {});
  }
}
