import { AppConfig } from '@app/config';
import { CampaignStatus, EditionStatus } from '@app/database';
import { JobName, JobQueue } from '@app/queue';
import { Injectable, Logger } from '@nestjs/common';
import { CampaignRepository } from './campaign.repository';
import { CampaignScheduler } from './campaign-scheduler.service';
import { CHECK_INTERVAL_MS, FAN_OUT_PAGE_BATCHES, jobIds } from './campaign.constants';
import { DeliveryRepository } from './delivery.repository';

/**
 * "Send now" stores the API process's clock as scheduled_at and starts at once against the database's clock;
 * they may disagree by this much.
 */
const START_CLOCK_SKEW_SECONDS = 5;

/**
 * The campaign jobs: StartCampaign (scheduled → running), FanOutCampaign (snapshot the recipients into the
 * ledger and enqueue their batches) and CheckCampaign (recover what crashes left behind, finish the
 * campaign). Each reloads state and is safe to run twice or concurrently.
 */
@Injectable()
export class CampaignRunner {
  private readonly logger = new Logger(CampaignRunner.name);

  constructor(
    private readonly jobs: JobQueue,
    private readonly config: AppConfig,
    private readonly scheduler: CampaignScheduler,
    private readonly campaigns: CampaignRepository,
    private readonly deliveries: DeliveryRepository,
  ) {}

  /**
   * scheduled → running once due; then the fan-out. Returns false if the campaign is not (or no longer, or
   * not yet) startable. The due time is checked here, not trusted to the job's delay: a start job run early
   * (promoted on the queue board, or added by anyone with Redis access) must not send before the schedule;
   * the supervisor re-creates the start job when the time comes.
   */
  async start(campaignId: number): Promise<boolean> {
    await this.campaigns.startIfDue(campaignId, START_CLOCK_SKEW_SECONDS);
    const c = await this.campaigns.findProgress(campaignId);
    if (c?.status !== CampaignStatus.Running) return false;
    await this.scheduler.setEditionStatus(campaignId, EditionStatus.Sending);
    if (!c.fanned_out_at) await this.enqueueFanOut(campaignId);
    await this.enqueueCheck(campaignId, CHECK_INTERVAL_MS);
    return true;
  }

  async enqueueFanOut(campaignId: number): Promise<void> {
    // Removed when finished, so that a later check can re-create it if the campaign still needs a fan-out.
    await this.jobs.add(
      JobName.FanOutCampaign,
      { campaignId },
      { jobId: jobIds.fanOut(campaignId), removeOnComplete: true, removeOnFail: true },
    );
  }

  /** One check per campaign per CHECK_INTERVAL_MS slot, however many processes ask for it. */
  async enqueueCheck(campaignId: number, delayMs = 0): Promise<void> {
    await this.jobs.add(
      JobName.CheckCampaign,
      { campaignId },
      {
        jobId: jobIds.check(campaignId, Date.now() + delayMs),
        delay: delayMs || undefined,
        attempts: 1,
        removeOnComplete: { age: 60 },
        removeOnFail: { age: 3600 },
      },
    );
  }

  /**
   * Pages through confirmed subscribers by id and writes one queued delivery per subscriber (one
   * insert-select statement per page, skipping subscribers already in the ledger), enqueueing the new rows as batches with
   * deterministic job ids. Resumable: a re-run continues after the highest subscriber already in the
   * ledger, first enqueueing rows that a crashed run wrote but never enqueued.
   */
  async fanOut(campaignId: number): Promise<{ written: number }> {
    const c = await this.campaigns.findProgress(campaignId);
    if (!c || c.fanned_out_at || ![CampaignStatus.Running, CampaignStatus.Paused].includes(c.status)) {
      return { written: 0 };
    }
    let after = await this.deliveries.lastSubscriberId(campaignId);
    if (after > 0) {
      this.logger.warn(`campaign ${campaignId}: resuming an interrupted fan-out after subscriber ${after}`);
      await this.scheduler.requeueOrphans(campaignId, true);
    }
    const pageSize = this.config.env.SEND_BATCH_SIZE * FAN_OUT_PAGE_BATCHES;
    let written = 0;
    // A page's jobs go to Redis while PostgreSQL writes the next page (one enqueue in flight at most). A
    // crash in between leaves written-but-unenqueued rows, which the resume above picks up as before.
    let enqueueing: Promise<unknown> | undefined;
    for (;;) {
      const status = await this.campaigns.status(campaignId);
      if (status !== CampaignStatus.Running && status !== CampaignStatus.Paused) {
        await enqueueing;
        return { written };
      }
      const page = await this.deliveries.insertFanOutPage(campaignId, after, pageSize);
      if (!page) break;
      if (page.ids.length) {
        await enqueueing;
        enqueueing = this.scheduler.enqueue(campaignId, page.ids, { kind: 'fan-out' });
        enqueueing.catch(() => undefined); // awaited (and rethrown) before the next page or below
        written += page.ids.length;
      }
      if (page.n < pageSize || page.last === null) break;
      after = page.last;
    }
    await enqueueing;
    await this.campaigns.markFannedOut(campaignId);
    this.logger.log(`campaign ${campaignId}: fan-out done (${written} deliveries written by this run)`);
    // A list with nobody on it (or all handled already) is complete now.
    await this.scheduler.tryFinalize(campaignId);
    return { written };
  }

  /**
   * Periodic health check of a running campaign: releases deliveries abandoned in `sending` by dead
   * workers, re-creates a lost fan-out job or lost delivery jobs, and completes the campaign when done.
   */
  async check(campaignId: number): Promise<void> {
    const c = await this.campaigns.findProgress(campaignId);
    if (c?.status !== CampaignStatus.Running) return;
    await this.scheduler.releaseAbandoned(campaignId);
    if (!c.fanned_out_at) {
      await this.enqueueFanOut(campaignId); // no-op while the fan-out job is waiting or active
      return;
    }
    await this.scheduler.requeueOrphans(campaignId);
    await this.scheduler.tryFinalize(campaignId);
  }
}
