import { CampaignRunner } from '@app/core';
import { JobName, QueueName } from '@app/queue';
import { Processor } from '@nestjs/bullmq';
import { UnrecoverableError } from 'bullmq';
import { type JobHandlers, JobProcessor } from './job.processor';

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
export class CampaignProcessor extends JobProcessor {
  readonly queue = QueueName.Campaign;
  protected readonly handlers: JobHandlers;

  constructor(runner: CampaignRunner) {
    super();
    this.handlers = {
      [JobName.StartCampaign]: (p) => runner.start(requireId(p.campaignId, 'campaignId')),
      [JobName.FanOutCampaign]: (p) => runner.fanOut(requireId(p.campaignId, 'campaignId')),
      [JobName.CheckCampaign]: (p) => runner.check(requireId(p.campaignId, 'campaignId')),
    };
  }
}
