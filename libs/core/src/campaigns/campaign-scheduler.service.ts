import { AppConfig } from '@app/config';
import { EditionStatus, type Queryable } from '@app/database';
import { JobName, JobQueue, QueueName } from '@app/queue';
import { Injectable, Logger } from '@nestjs/common';
import { CampaignEditionRepository } from './campaign-edition.repository';
import { CampaignRepository } from './campaign.repository';
import { jobIds, ORPHAN_SCAN_AFTER_MS, sendLeaseSeconds } from './campaign.constants';
import { DeliveryRepository, type QueuedDelivery } from './delivery.repository';

/**
 * The jobs that work through a campaign's delivery ledger: enqueueing batches, re-enqueueing what lost its
 * job (crashed workers, a Redis flush), completing the campaign, and the edition's status following it.
 * Every operation is safe to run twice and from several processes at once: the ledger's rows change only by
 * conditional statements, so a delivery id in two jobs is still sent by one of them only.
 */
@Injectable()
export class CampaignScheduler {
  private readonly logger = new Logger(CampaignScheduler.name);

  constructor(
    private readonly jobs: JobQueue,
    private readonly config: AppConfig,
    private readonly deliveries: DeliveryRepository,
    private readonly campaigns: CampaignRepository,
    private readonly editions: CampaignEditionRepository,
  ) {}

  /**
   * Puts DeliverBatch jobs on the queue for these delivery ids, SEND_BATCH_SIZE per job. Fan-out batches
   * get deterministic ids (`c{campaign}-b{firstId}`) so a re-run of the fan-out cannot enqueue a batch twice.
   */
  async enqueue(
    campaignId: number,
    deliveryIds: number[],
    how: { kind: 'fan-out' } | { kind: 'requeue'; tag: string; delayMs?: number },
  ): Promise<number> {
    const ids = [...new Set(deliveryIds)].sort((a, b) => a - b);
    const size = this.config.env.SEND_BATCH_SIZE;
    const items = [];
    for (let i = 0; i < ids.length; i += size) {
      const batch = ids.slice(i, i + size);
      const first = batch[0]!;
      items.push({
        payload: { campaignId, deliveryIds: batch },
        opts: {
          jobId:
            how.kind === 'fan-out'
              ? jobIds.batch(campaignId, first)
              : jobIds.requeue(campaignId, how.tag, first),
          delay: how.kind === 'requeue' && how.delayMs ? Math.max(0, Math.round(how.delayMs)) : undefined,
        },
      });
    }
    await this.jobs.addBulk(JobName.DeliverBatch, items);
    return items.length;
  }

  /** Enqueues every queued delivery of the campaign (resume, send-missed). Returns how many. */
  async enqueueAllQueued(campaignId: number, tag: string): Promise<number> {
    let total = 0;
    for await (const page of this.deliveries.queuedPages(campaignId)) {
      await this.enqueue(
        campaignId,
        page.map((r) => r.id),
        { kind: 'requeue', tag },
      );
      total += page.length;
    }
    return total;
  }

  /**
   * Releases deliveries stuck in `sending` whose worker died (stale heartbeat) or that have outlived the
   * lease, back to `queued`, and enqueues them again. We cannot ask the SMTP server whether such a message was
   * accepted before the crash, so it is sent at most once more: duplicates are bounded by the messages in
   * flight at the crash. `onlyIds` limits this to one batch (a DeliverBatch job that is being re-run).
   */
  async releaseAbandoned(campaignId: number, onlyIds?: number[]): Promise<number[]> {
    const ids = await this.deliveries.releaseAbandoned(campaignId, sendLeaseSeconds(this.config), onlyIds);
    if (ids.length) {
      this.logger.warn(`campaign ${campaignId}: released ${ids.length} deliveries abandoned in sending`);
      // A batch being re-run sends them itself; otherwise they need a job.
      if (!onlyIds) await this.enqueue(campaignId, ids, { kind: 'requeue', tag: 'x' });
    }
    return ids;
  }

  /**
   * Finds queued deliveries that no waiting, delayed or active job carries (a Redis flush or restart that
   * lost DeliverBatch jobs, including those of ranges already marked done) and enqueues them, honouring retry delays.
   * Only scans when the ledger has not moved for a while (unless forced), since a moving ledger has jobs.
   */
  async requeueOrphans(campaignId: number, force = false): Promise<number> {
    if (!force && !(await this.deliveries.idleFor(campaignId, ORPHAN_SCAN_AFTER_MS / 1000))) return 0;
    // Read the ledger before the queue: a job that finishes in between leaves its rows non-queued (or
    // re-enqueued by a retry job that the queue listing then shows), so nothing is wrongly left out.
    const queued: QueuedDelivery[] = [];
    for await (const page of this.deliveries.queuedPages(campaignId)) queued.push(...page);
    if (queued.length === 0) return 0;
    const covered = new Set<number>();
    const pending = await this.jobs
      .queue(QueueName.Delivery)
      .getJobs(['waiting', 'active', 'delayed', 'prioritized', 'waiting-children']);
    for (const job of pending) {
      const data = job?.data as { campaignId?: number; deliveryIds?: number[] } | undefined;
      if (data?.campaignId === campaignId) for (const id of data.deliveryIds ?? []) covered.add(id);
    }
    const orphans = queued.filter((r) => !covered.has(r.id));
    if (orphans.length === 0) return 0;
    this.logger.warn(
      `campaign ${campaignId}: ${orphans.length} queued deliveries had no job; enqueueing them`,
    );
    const now = orphans.filter((r) => r.due_in_ms <= 0).map((r) => r.id);
    await this.enqueue(campaignId, now, { kind: 'requeue', tag: 'o' });
    const later = new Map<number, number[]>();
    for (const r of orphans.filter((o) => o.due_in_ms > 0)) {
      const second = Math.ceil(r.due_in_ms / 1000);
      later.set(second, [...(later.get(second) ?? []), r.id]);
    }
    for (const [second, ids] of later) {
      await this.enqueue(campaignId, ids, { kind: 'requeue', tag: 'o', delayMs: second * 1000 });
    }
    return orphans.length;
  }

  /**
   * Re-creates the range jobs of open ranges that no waiting, delayed or active job carries (a Redis flush or
   * restart lost them). Only looks at the queue when no range of the campaign finished for a while, since
   * ranges being finished have jobs. Reads the ranges before the queue: a job that finishes in between has
   * marked its range done, and re-running a done range does nothing anyway. Returns how many it re-created.
   */
  async requeueLostRanges(campaignId: number): Promise<number> {
    const open = await this.campaigns.openRanges(campaignId, ORPHAN_SCAN_AFTER_MS / 1000);
    if (open.ids.length === 0 || !open.idle) return 0;
    const covered = new Set<number>();
    const pending = await this.jobs
      .queue(QueueName.Campaign)
      .getJobs(['waiting', 'active', 'delayed', 'prioritized', 'waiting-children']);
    for (const job of pending) {
      const data = job?.data as { campaignId?: number; rangeId?: number } | undefined;
      if ((job?.name as JobName) === JobName.FanOutRange && data?.campaignId === campaignId && data.rangeId) {
        covered.add(data.rangeId);
      }
    }
    const lost = open.ids.filter((id) => !covered.has(id));
    if (lost.length === 0) return 0;
    this.logger.warn(`campaign ${campaignId}: ${lost.length} open ranges had no job; enqueueing them`);
    await this.jobs.addBulk(
      JobName.FanOutRange,
      lost.map((rangeId) => ({
        payload: { campaignId, rangeId },
        opts: { jobId: jobIds.rangeAgain(campaignId, rangeId) },
      })),
    );
    return lost.length;
  }

  /**
   * Marks the campaign completed once its fan-out is done, every range is written and no delivery is queued
   * or sending (one
   * conditional statement: two checkers cannot both finish it, and a late retry keeps it open); its edition
   * is then sent.
   */
  async tryFinalize(campaignId: number): Promise<boolean> {
    if (!(await this.campaigns.completeIfDelivered(campaignId))) return false;
    await this.setEditionStatus(campaignId, EditionStatus.Sent);
    this.logger.log(`campaign ${campaignId} completed`);
    return true;
  }

  /**
   * Empties the ledger of a cancelled campaign so that the edition can be sent again, inside the caller's
   * transaction (which holds the campaign row). Deletes every delivery except those that reached a reader
   * or may be reaching one now: `sent`, and `sending` claimed by a live worker within its lease (that
   * message may be with the SMTP server; its outcome is recorded by a conditional update, so the row must
   * stay). A `sending` row whose worker is dead or past the lease is deleted like a queued one: crash
   * recovery would put it back to `queued` and send it again anyway ("at most once more").
   * Returns what is left; the caller rolls back unless that is nothing.
   */
  async clearUnsent(tx: Queryable, campaignId: number): Promise<{ sent: number; inFlight: number }> {
    await this.deliveries.deleteUnsent(campaignId, sendLeaseSeconds(this.config), tx);
    return this.deliveries.countSentAndOthers(campaignId, tx);
  }

  /** Editions follow their campaign: draft → scheduled → sending → sent (and back to draft if never sent). */
  async setEditionStatus(campaignId: number, status: EditionStatus): Promise<void> {
    await this.editions.setStatusByCampaign(campaignId, status);
  }
}
