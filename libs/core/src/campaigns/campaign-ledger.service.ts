import { AppConfig } from '@app/config';
import { CampaignStatus, DeliveryStatus, EditionStatus } from '@app/database';
import { JobName, JobQueue, QueueName } from '@app/queue';
import { Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { abandonedClaimSql } from '../deliveries/worker-registry.service';
import { jobIds, ORPHAN_SCAN_AFTER_MS, sendLeaseSeconds } from './campaign.constants';
import { type Queryable, queryRows } from './query-rows';

export interface DeliveryCounts {
  total: number;
  queued: number;
  sending: number;
  sent: number;
  failed: number;
  bounced: number;
  skipped: number;
}

/** Keyset page size when reading delivery ids for re-enqueueing. */
const READ_PAGE = 10000;

/**
 * The delivery ledger (one `delivery` row per campaign and subscriber) and the jobs that work through it.
 * Every operation here is safe to run twice and from several processes at once: rows change state only by
 * conditional updates, so a delivery id in two jobs is still sent by one of them only.
 */
@Injectable()
export class CampaignLedger {
  private readonly logger = new Logger(CampaignLedger.name);

  constructor(
    private readonly ds: DataSource,
    private readonly jobs: JobQueue,
    private readonly config: AppConfig,
  ) {}

  async counts(campaignId: number): Promise<DeliveryCounts> {
    const rows = await queryRows<{ status: DeliveryStatus; n: number }>(
      this.ds,
      `SELECT status, count(*)::int AS n FROM delivery WHERE campaign_id = $1 GROUP BY status`,
      [campaignId],
    );
    const c: DeliveryCounts = { total: 0, queued: 0, sending: 0, sent: 0, failed: 0, bounced: 0, skipped: 0 };
    for (const r of rows) {
      c[r.status] = r.n;
      c.total += r.n;
    }
    return c;
  }

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
    for await (const page of this.queuedPages(campaignId)) {
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
    const released = await queryRows<{ id: number }>(
      this.ds,
      `UPDATE delivery d
          SET status = 'queued', claimed_by = NULL, next_attempt_at = now(), updated_at = now(),
              last_response = left('sending interrupted (worker stopped); queued again. '
                                   || coalesce(d.last_response, ''), 1000)
        WHERE d.campaign_id = $1 AND d.status = 'sending' AND ($3::bigint[] IS NULL OR d.id = ANY($3::bigint[]))
          AND ${abandonedClaimSql('$2')}
        RETURNING d.id`,
      [campaignId, sendLeaseSeconds(this.config), onlyIds ?? null],
    );
    const ids = released.map((r) => r.id);
    if (ids.length) {
      this.logger.warn(`campaign ${campaignId}: released ${ids.length} deliveries abandoned in sending`);
      // A batch being re-run sends them itself; otherwise they need a job.
      if (!onlyIds) await this.enqueue(campaignId, ids, { kind: 'requeue', tag: 'x' });
    }
    return ids;
  }

  /**
   * Finds queued deliveries that no waiting, delayed or active job carries (a Redis flush or restart, or a
   * fan-out that died between writing rows and enqueueing them) and enqueues them, honouring retry delays.
   * Only scans when the ledger has not moved for a while (unless forced), since a moving ledger has jobs.
   */
  async requeueOrphans(campaignId: number, force = false): Promise<number> {
    if (!force) {
      const [idle] = await queryRows<{ idle: boolean }>(
        this.ds,
        `SELECT coalesce(max(updated_at) < now() - make_interval(secs => $2), true) AS idle
           FROM delivery WHERE campaign_id = $1`,
        [campaignId, ORPHAN_SCAN_AFTER_MS / 1000],
      );
      if (!idle?.idle) return 0;
    }
    // Read the ledger before the queue: a job that finishes in between leaves its rows non-queued (or
    // re-enqueued by a retry job that the queue listing then shows), so nothing is wrongly left out.
    const queued: { id: number; due_in_ms: number }[] = [];
    for await (const page of this.queuedPages(campaignId)) queued.push(...page);
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
   * Marks the campaign completed once its fan-out is done and no delivery is queued or sending, in one
   * conditional statement so that two checkers cannot both finish it and a late retry keeps it open.
   */
  async tryFinalize(campaignId: number): Promise<boolean> {
    const done = await queryRows<{ id: number }>(
      this.ds,
      `UPDATE campaign c SET status = 'completed', finished_at = now(), updated_at = now(),
              total = (SELECT count(*) FROM delivery WHERE campaign_id = c.id)
        WHERE c.id = $1 AND c.status = 'running' AND c.fanned_out_at IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM delivery d WHERE d.campaign_id = c.id AND d.status IN ('queued', 'sending'))
        RETURNING c.id`,
      [campaignId],
    );
    if (done.length === 0) return false;
    await this.setEditionStatus(campaignId, EditionStatus.Sent);
    this.logger.log(`campaign ${campaignId} completed`);
    return true;
  }

  /**
   * Empties the ledger of a cancelled campaign so that the edition can be sent again, inside the caller's
   * transaction (which holds the campaign row). Deletes every delivery except those that reached a reader
   * or may be reaching one now: `sent`, and `sending` claimed by a live worker within its lease (that
   * message may be with the SMTP server; its outcome is recorded by a conditional UPDATE, so the row must
   * stay). A `sending` row whose worker is dead or past the lease is deleted like a queued one: crash
   * recovery would put it back to `queued` and send it again anyway ("at most once more"). The DELETE waits
   * for row locks, so a claim committing concurrently turns its rows into `sending` before they are judged.
   * Returns what is left; the caller rolls back unless that is nothing.
   */
  async clearUnsent(m: Queryable, campaignId: number): Promise<{ sent: number; inFlight: number }> {
    await m.query(
      `DELETE FROM delivery d
        WHERE d.campaign_id = $1 AND d.status <> 'sent' AND (d.status <> 'sending' OR ${abandonedClaimSql('$2')})`,
      [campaignId, sendLeaseSeconds(this.config)],
    );
    const [left] = await queryRows<{ sent: number; in_flight: number }>(
      m,
      `SELECT count(*) FILTER (WHERE status = 'sent')::int AS sent,
              count(*) FILTER (WHERE status <> 'sent')::int AS in_flight
         FROM delivery WHERE campaign_id = $1`,
      [campaignId],
    );
    return { sent: left?.sent ?? 0, inFlight: left?.in_flight ?? 0 };
  }

  /** Editions follow their campaign: draft → scheduled → sending → sent (and back to draft if never sent). */
  async setEditionStatus(campaignId: number, status: EditionStatus): Promise<void> {
    await this.ds.query(
      `UPDATE edition e SET status = $2::varchar, updated_at = now(),
              sent_at = CASE WHEN $2::varchar = 'sent' THEN coalesce(e.sent_at, now()) ELSE e.sent_at END
         FROM campaign c WHERE c.id = $1 AND e.id = c.edition_id`,
      [campaignId, status],
    );
  }

  async status(campaignId: number): Promise<CampaignStatus | undefined> {
    const rows = await queryRows<{ status: CampaignStatus }>(
      this.ds,
      `SELECT status FROM campaign WHERE id = $1`,
      [campaignId],
    );
    return rows[0]?.status;
  }

  private async *queuedPages(campaignId: number): AsyncGenerator<{ id: number; due_in_ms: number }[]> {
    let after = 0;
    for (;;) {
      const page = await queryRows<{ id: number; due_in_ms: number }>(
        this.ds,
        `SELECT id, coalesce(ceil(extract(epoch FROM next_attempt_at - now()) * 1000), 0)::int AS due_in_ms
           FROM delivery WHERE campaign_id = $1 AND status = 'queued' AND id > $2 ORDER BY id LIMIT $3`,
        [campaignId, after, READ_PAGE],
      );
      if (page.length === 0) return;
      yield page;
      after = page[page.length - 1]!.id;
      if (page.length < READ_PAGE) return;
    }
  }
}
