import { AppConfig } from '@app/config';
import { CampaignStatus, EditionStatus } from '@app/database';
import { JobName, JobQueue } from '@app/queue';
import { Injectable, Logger } from '@nestjs/common';
import { CampaignRepository } from './campaign.repository';
import { CampaignScheduler } from './campaign-scheduler.service';
import { CHECK_INTERVAL_MS, FAN_OUT_ENQUEUE_PAGE, FAN_OUT_RANGE_BATCHES, jobIds } from './campaign.constants';
import { DeliveryRepository } from './delivery.repository';

/**
 * "Send now" stores the API process's clock as scheduled_at and starts at once against the database's clock;
 * they may disagree by this much.
 */
const START_CLOCK_SKEW_SECONDS = 5;

/**
 * The campaign jobs: StartCampaign (scheduled → running), FanOutCampaign (take the recipient snapshot, cut
 * it into ranges of subscriber ids and enqueue one FanOutRange job per range), FanOutRange (write the
 * range's ledger rows and enqueue their DeliverBatch jobs) and CheckCampaign (recover what crashes or a
 * Redis flush left behind, finish the campaign). Each reloads state and is safe to run twice or concurrently.
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
   * Starts the send without writing the ledger: one statement records the snapshot (its time, highest
   * subscriber id and recipient count) and the ranges of subscriber ids, then one FanOutRange job per open
   * range goes to Redis (addBulk, FAN_OUT_ENQUEUE_PAGE per call, deterministic job ids). Its cost grows with
   * the number of ranges (about one per FAN_OUT_RANGE_BATCHES × SEND_BATCH_SIZE readers), not with rows.
   * Resumable: a re-run finds the snapshot taken and enqueues the ranges still open (a job already in Redis
   * is not added twice).
   */
  async fanOut(campaignId: number): Promise<{ ranges: number }> {
    const c = await this.campaigns.findProgress(campaignId);
    if (!c || c.fanned_out_at || ![CampaignStatus.Running, CampaignStatus.Paused].includes(c.status)) {
      return { ranges: 0 };
    }
    await this.campaigns.takeSnapshot(campaignId, this.config.env.SEND_BATCH_SIZE * FAN_OUT_RANGE_BATCHES);
    let ranges = 0;
    for (let after = 0; ;) {
      const ids = await this.campaigns.openRangeIds(campaignId, after, FAN_OUT_ENQUEUE_PAGE);
      if (ids.length === 0) break;
      await this.jobs.addBulk(
        JobName.FanOutRange,
        ids.map((rangeId) => ({
          payload: { campaignId, rangeId },
          opts: { jobId: jobIds.range(campaignId, rangeId) },
        })),
      );
      ranges += ids.length;
      after = ids[ids.length - 1]!;
      if (ids.length < FAN_OUT_ENQUEUE_PAGE) break;
    }
    await this.campaigns.markFannedOut(campaignId);
    this.logger.log(`campaign ${campaignId}: fan-out done (${ranges} range jobs enqueued)`);
    // A list with nobody on it (or all handled already) is complete now.
    await this.scheduler.tryFinalize(campaignId);
    return { ranges };
  }

  /**
   * One range of the snapshot: writes its ledger rows (one INSERT … SELECT … ON CONFLICT DO NOTHING
   * RETURNING), enqueues them as DeliverBatch jobs with deterministic ids, then marks the range done. Safe to
   * run twice (a retry, a stalled job, a job re-created after a Redis flush): rows written by an earlier run
   * are not written again, and those still queued are enqueued again under the same job ids (a no-op while
   * the earlier jobs are in Redis; the claim is the guard against sending twice in any case). A crash after
   * the rows are written and before the range is marked done re-runs the job; one after it is marked done
   * leaves queued rows without a job, which the check's orphan scan enqueues.
   */
  async fanOutRange(campaignId: number, rangeId: number): Promise<{ written: number }> {
    const ids = await this.deliveries.writeRange(campaignId, rangeId);
    if (ids === undefined) return { written: 0 }; // done already, gone (restarted campaign) or not running
    if (ids.length) await this.scheduler.enqueue(campaignId, ids, { kind: 'fan-out' });
    await this.campaigns.markRangeDone(campaignId, rangeId);
    // The last range may have had nobody left in it: then nothing else would finish the campaign now.
    if (ids.length === 0) await this.scheduler.tryFinalize(campaignId);
    return { written: ids.length };
  }

  /**
   * Periodic health check of a running campaign: releases deliveries abandoned in `sending` by dead
   * workers, re-creates a lost fan-out job, lost range jobs or lost delivery jobs, and completes the campaign
   * when done.
   */
  async check(campaignId: number): Promise<void> {
    const c = await this.campaigns.findProgress(campaignId);
    if (c?.status !== CampaignStatus.Running) return;
    await this.scheduler.releaseAbandoned(campaignId);
    if (!c.fanned_out_at) {
      await this.enqueueFanOut(campaignId); // no-op while the fan-out job is waiting or active
      return;
    }
    await this.scheduler.requeueLostRanges(campaignId);
    await this.scheduler.requeueOrphans(campaignId);
    await this.scheduler.tryFinalize(campaignId);
  }
}
