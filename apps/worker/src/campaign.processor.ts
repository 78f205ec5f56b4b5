import { CampaignRunner } from '@app/core';
import { JobName, QueueName } from '@app/queue';
import { Processor } from '@nestjs/bullmq';
import { type JobHandlers, JobProcessor } from './job.processor';

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
      [JobName.StartCampaign]: (p) => runner.start(p.campaignId),
      [JobName.FanOutCampaign]: (p) => runner.fanOut(p.campaignId),
      [JobName.CheckCampaign]: (p) => runner.check(p.campaignId),
    };
  }
}
