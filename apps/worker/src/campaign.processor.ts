import { CampaignRunner } from '@app/core';
import { JobName, QueueName } from '@app/queue';
import { Processor } from '@nestjs/bullmq';
import { type JobHandlers, JobProcessor } from './job.processor';

/**
 * Campaign orchestration: start a scheduled campaign, fan it out (the snapshot and its range jobs), write
 * each range's ledger rows, check on it. Every job is short (a range is one statement and one enqueue), so a
 * few run side by side.
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
      [JobName.FanOutRange]: (p) => runner.fanOutRange(p.campaignId, p.rangeId),
      [JobName.CheckCampaign]: (p) => runner.check(p.campaignId),
    };
  }
}
