import { type CampaignStatus, Database, type Queryable } from '@app/database';
import { Injectable } from '@nestjs/common';

/** A campaign with its edition's slug and subject, as the API shows it (counts come from the ledger). */
export interface CampaignRow {
  id: number;
  edition_id: number;
  edition_slug: string;
  subject: string;
  status: CampaignStatus;
  scheduled_at: Date | null;
  started_at: Date | null;
  fanned_out_at: Date | null;
  finished_at: Date | null;
  /** Recipients counted at the snapshot while ranges are open; the ledger's size once the campaign ends. */
  total: number;
  /** Ranges of the snapshot whose ledger rows are not written yet (their recipients count as queued). */
  open_ranges: number;
  pause_reason: string | null;
  consecutive_failures: number;
  override_by: number | null;
  override_by_email: string | null;
  override_checks: FailedCheckRecord[] | null;
  override_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

/** A failed pre-send check as the editor overrode it (stored in campaign.override_checks). */
export interface FailedCheckRecord {
  id: string;
  label: string;
  detail: string;
}

/** Who sent an edition despite failed pre-send checks, and which. */
export interface CampaignOverride {
  /** The user; null for the bootstrap ADMIN_API_TOKEN, which belongs to nobody. */
  by: number | null;
  checks: FailedCheckRecord[];
}

/** What the campaign jobs decide on: the status and whether the fan-out finished. */
export interface CampaignProgressRow {
  id: number;
  status: CampaignStatus;
  fanned_out_at: Date | null;
}

/** An open range of a campaign's snapshot (its ledger rows not written yet). */
export interface OpenRangesRow {
  ids: number[];
  /** No range of the campaign was finished for a while (its range jobs may have been lost with Redis). */
  idle: boolean;
}

/** The campaign of an edition, and whether any of its messages was sent. */
export interface EditionCampaignRow {
  id: number;
  status: CampaignStatus;
  sent: boolean;
}

/** A campaign the watchdog looks after: running, or scheduled and due in `due_in_ms`. */
export interface WatchedCampaignRow {
  id: number;
  status: string;
  due_in_ms: number | null;
}

const CAMPAIGN_SELECT = `
  SELECT c.id, c.edition_id, e.slug AS edition_slug, e.subject, c.status, c.scheduled_at, c.started_at,
         c.fanned_out_at, c.finished_at, c.total,
         (SELECT count(*)::int FROM campaign_range r WHERE r.campaign_id = c.id AND r.done_at IS NULL) AS open_ranges,
         c.pause_reason, c.consecutive_failures, c.override_by,
         u.email AS override_by_email, c.override_checks, c.override_at, c.created_at, c.updated_at
    FROM campaign c JOIN edition e ON e.id = c.edition_id LEFT JOIN app_user u ON u.id = c.override_by`;

/**
 * The `campaign` table. Status changes are conditional statements on the status they leave (`running →
 * paused` only from running, ...): each returns whether it happened, and the caller decides what follows.
 */
@Injectable()
export class CampaignRepository {
  constructor(private readonly db: Database) {}

  findRow(id: number): Promise<CampaignRow | undefined> {
    return this.db.one<CampaignRow>(`${CAMPAIGN_SELECT} WHERE c.id = $1`, [id]);
  }

  /** Newest first: up to `limit` campaigns with an id below `beforeId` (null: from the newest). */
  listRows(beforeId: number | null, limit: number): Promise<CampaignRow[]> {
    return this.db.rows<CampaignRow>(
      `${CAMPAIGN_SELECT} WHERE ($1::int IS NULL OR c.id < $1) ORDER BY c.id DESC LIMIT $2`,
      [beforeId, limit],
    );
  }

  async exists(id: number): Promise<boolean> {
    return (await this.db.one<{ id: number }>(`SELECT id FROM campaign WHERE id = $1`, [id])) !== undefined;
  }

  async status(id: number): Promise<CampaignStatus | undefined> {
    const row = await this.db.one<{ status: CampaignStatus }>(`SELECT status FROM campaign WHERE id = $1`, [
      id,
    ]);
    return row?.status;
  }

  findProgress(id: number): Promise<CampaignProgressRow | undefined> {
    return this.db.one<CampaignProgressRow>(`SELECT id, status, fanned_out_at FROM campaign WHERE id = $1`, [
      id,
    ]);
  }

  /** The edition's campaign (one per edition) and whether any of its deliveries was sent. */
  findForEdition(editionId: number): Promise<EditionCampaignRow | undefined> {
    return this.db.one<EditionCampaignRow>(
      `SELECT c.id, c.status,
              EXISTS (SELECT 1 FROM delivery d WHERE d.campaign_id = c.id AND d.status = 'sent') AS sent
         FROM campaign c WHERE c.edition_id = $1`,
      [editionId],
    );
  }

  async idForEdition(editionId: number): Promise<number | undefined> {
    return (await this.db.one<{ id: number }>(`SELECT id FROM campaign WHERE edition_id = $1`, [editionId]))
      ?.id;
  }

  /** Creates the edition's campaign; undefined if it already has one (created concurrently). */
  async insertForEdition(
    editionId: number,
    status: CampaignStatus,
    scheduledAt: Date,
    override: CampaignOverride | null = null,
  ): Promise<number | undefined> {
    const row = await this.db.one<{ id: number }>(
      `INSERT INTO campaign (edition_id, status, scheduled_at, override_by, override_checks, override_at)
       VALUES ($1, $2, $3, $4, $5::jsonb, CASE WHEN $5::jsonb IS NULL THEN NULL ELSE now() END)
         ON CONFLICT (edition_id) DO NOTHING RETURNING id`,
      [
        editionId,
        status,
        scheduledAt,
        override?.by ?? null,
        override ? JSON.stringify(override.checks) : null,
      ],
    );
    return row?.id;
  }

  /** Locks the campaign row for the caller's transaction and returns its status. */
  async lockStatus(id: number, tx: Queryable): Promise<CampaignStatus | undefined> {
    const row = await this.db.one<{ status: CampaignStatus }>(
      `SELECT status FROM campaign WHERE id = $1 FOR UPDATE`,
      [id],
      tx,
    );
    return row?.status;
  }

  /** A cancelled campaign starts over as new, inside the caller's transaction (which holds its row). */
  async restart(
    id: number,
    status: CampaignStatus,
    scheduledAt: Date,
    override: CampaignOverride | null,
    tx: Queryable,
  ): Promise<void> {
    await this.db.rows(
      `UPDATE campaign SET status = $2, scheduled_at = $3, started_at = NULL, finished_at = NULL,
                fanned_out_at = NULL, snapshot_at = NULL, snapshot_max_subscriber_id = NULL, total = 0,
                pause_reason = NULL, consecutive_failures = 0,
                override_by = $4, override_checks = $5::jsonb,
                override_at = CASE WHEN $5::jsonb IS NULL THEN NULL ELSE now() END, updated_at = now()
          WHERE id = $1`,
      [id, status, scheduledAt, override?.by ?? null, override ? JSON.stringify(override.checks) : null],
      tx,
    );
    // The next start takes a new snapshot; range jobs of the old one find their range gone and do nothing.
    await this.db.rows(`DELETE FROM campaign_range WHERE campaign_id = $1`, [id], tx);
  }

  /** scheduled → running, once `scheduled_at` is due by the database's clock (give or take `skewSeconds`). */
  async startIfDue(id: number, skewSeconds: number): Promise<void> {
    await this.db.rows(
      `UPDATE campaign SET status = 'running', started_at = coalesce(started_at, now()), updated_at = now()
        WHERE id = $1 AND status = 'scheduled' AND scheduled_at <= now() + make_interval(secs => $2)`,
      [id, skewSeconds],
    );
  }

  /** running → paused with the reason (cut to 500 characters); false if it was not running. */
  async pauseRunning(id: number, reason: string): Promise<boolean> {
    const rows = await this.db.rows<{ id: number }>(
      `UPDATE campaign SET status = 'paused', pause_reason = left($2, 500), updated_at = now()
        WHERE id = $1 AND status = 'running' RETURNING id`,
      [id, reason],
    );
    return rows.length > 0;
  }

  /** paused → running with its failure count cleared; undefined if it was not paused. */
  resumePaused(id: number): Promise<{ fanned_out_at: Date | null } | undefined> {
    return this.db.one<{ fanned_out_at: Date | null }>(
      `UPDATE campaign SET status = 'running', pause_reason = NULL, consecutive_failures = 0, updated_at = now()
        WHERE id = $1 AND status = 'paused' RETURNING fanned_out_at`,
      [id],
    );
  }

  /** scheduled, running or paused → cancelled; false if it was in none of those. */
  async cancelActive(id: number): Promise<boolean> {
    const rows = await this.db.rows<{ id: number }>(
      `UPDATE campaign SET status = 'cancelled', finished_at = now(), updated_at = now()
        WHERE id = $1 AND status IN ('scheduled', 'running', 'paused') RETURNING id`,
      [id],
    );
    return rows.length > 0;
  }

  /** completed → running again (send-missed added work), inside the caller's transaction. */
  async reopenCompleted(id: number, tx: Queryable): Promise<void> {
    await this.db.rows(
      `UPDATE campaign SET status = 'running', finished_at = NULL, updated_at = now(),
                  total = (SELECT count(*) FROM delivery WHERE campaign_id = $1)
            WHERE id = $1 AND status = 'completed'`,
      [id],
      tx,
    );
  }

  /**
   * Takes the campaign's recipient snapshot, once, in one statement: the time, the highest confirmed
   * subscriber id and the number of confirmed subscribers (the total shown until the ranges are written),
   * and the subscriber ids from the lowest to the highest confirmed one cut into ranges of about
   * `recipientsPerRange` confirmed subscribers each (width from the average density, so sparse ids do not
   * multiply the jobs). A second call (a re-run of the fan-out) finds the snapshot taken and changes nothing;
   * two at once are serialized by the campaign row's lock. Only for a running or paused campaign.
   */
  async takeSnapshot(id: number, recipientsPerRange: number): Promise<void> {
    await this.db.rows(
      `WITH c AS (
         SELECT id FROM campaign
          WHERE id = $1 AND status IN ('running', 'paused') AND snapshot_at IS NULL FOR UPDATE
       ), snap AS (
         SELECT min(id) AS lo, max(id) AS hi, count(*)::int AS n FROM subscriber WHERE status = 'confirmed'
       ), upd AS (
         UPDATE campaign SET snapshot_at = now(), snapshot_max_subscriber_id = coalesce(snap.hi, 0),
                total = snap.n, updated_at = now()
           FROM c, snap WHERE campaign.id = c.id
         RETURNING campaign.id
       ), width AS (
         SELECT lo, hi, greatest(1, ceil((hi - lo + 1)::numeric * $2 / n))::int AS w
           FROM snap WHERE n > 0
       )
       INSERT INTO campaign_range (campaign_id, first_subscriber_id, last_subscriber_id)
       SELECT upd.id, g, least(g + w - 1, hi) FROM upd, width, generate_series(lo, hi, w) AS g
        ORDER BY g`,
      [id, recipientsPerRange],
    );
  }

  /** The campaign's open ranges by id, in pages of `pageSize` after `afterId`. */
  openRangeIds(id: number, afterId: number, pageSize: number): Promise<number[]> {
    return this.db
      .rows<{ id: number | string }>(
        `SELECT id FROM campaign_range WHERE campaign_id = $1 AND done_at IS NULL AND id > $2 ORDER BY id LIMIT $3`,
        [id, afterId, pageSize],
      )
      .then((rows) => rows.map((r) => Number(r.id)));
  }

  /**
   * The campaign's open ranges, and whether none of its ranges finished within `idleSeconds` (nor was the
   * fan-out that enqueued them more recent): only then are range jobs looked for on the queue.
   */
  async openRanges(id: number, idleSeconds: number): Promise<OpenRangesRow> {
    const row = await this.db.one<{ ids: (number | string)[]; idle: boolean }>(
      `SELECT coalesce((SELECT array_agg(r.id ORDER BY r.id) FROM campaign_range r
                         WHERE r.campaign_id = c.id AND r.done_at IS NULL), '{}') AS ids,
              coalesce(greatest((SELECT max(done_at) FROM campaign_range r WHERE r.campaign_id = c.id), c.fanned_out_at)
                       < now() - make_interval(secs => $2), true) AS idle
         FROM campaign c WHERE c.id = $1`,
      [id, idleSeconds],
    );
    // bigint[] arrives as strings (only scalar int8 has a number parser)
    return { ids: (row?.ids ?? []).map(Number), idle: row?.idle ?? false };
  }

  /** A range's ledger rows are written and enqueued: it no longer holds the campaign open. */
  async markRangeDone(id: number, rangeId: number): Promise<void> {
    await this.db.rows(
      `UPDATE campaign_range SET done_at = now() WHERE id = $2 AND campaign_id = $1 AND done_at IS NULL`,
      [id, rangeId],
    );
  }

  /**
   * Records the end of the fan-out (once): the snapshot is taken and every range job enqueued. `total` stays
   * the snapshot's count until the campaign completes (then it is the ledger's size).
   */
  async markFannedOut(id: number): Promise<void> {
    await this.db.rows(
      `UPDATE campaign SET fanned_out_at = now(), updated_at = now() WHERE id = $1 AND fanned_out_at IS NULL`,
      [id],
    );
  }

  /**
   * running → completed in one conditional statement, once the fan-out is done, every range of its snapshot
   * has its ledger rows written and no delivery is queued or sending (two checkers cannot both finish it; a
   * late retry keeps it open). True if this call completed it.
   */
  async completeIfDelivered(id: number): Promise<boolean> {
    const rows = await this.db.rows<{ id: number }>(
      `UPDATE campaign c SET status = 'completed', finished_at = now(), updated_at = now(),
              total = (SELECT count(*) FROM delivery WHERE campaign_id = c.id)
        WHERE c.id = $1 AND c.status = 'running' AND c.fanned_out_at IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM campaign_range r WHERE r.campaign_id = c.id AND r.done_at IS NULL)
          AND NOT EXISTS (SELECT 1 FROM delivery d WHERE d.campaign_id = c.id AND d.status IN ('queued', 'sending'))
        RETURNING c.id`,
      [id],
    );
    return rows.length > 0;
  }

  /** Campaigns running, or scheduled to start within `lookaheadSeconds` (with how long until they are due). */
  runningOrDueWithin(lookaheadSeconds: number): Promise<WatchedCampaignRow[]> {
    return this.db.rows<WatchedCampaignRow>(
      `SELECT id, status, ceil(extract(epoch FROM scheduled_at - now()) * 1000)::int AS due_in_ms
         FROM campaign
        WHERE status = 'running'
           OR (status = 'scheduled' AND scheduled_at < now() + make_interval(secs => $1))`,
      [lookaheadSeconds],
    );
  }

  /** An accepted message ends a run of failures. */
  async clearConsecutiveFailures(id: number): Promise<void> {
    await this.db.rows(
      `UPDATE campaign SET consecutive_failures = 0 WHERE id = $1 AND consecutive_failures <> 0`,
      [id],
    );
  }

  /**
   * Adds `failures` SMTP failures to the run since the last accepted message; `restart` (a message in this
   * chunk was accepted before them) starts the run over at `failures`. Returns the new count.
   */
  async addConsecutiveFailures(id: number, restart: boolean, failures: number): Promise<number | undefined> {
    const row = await this.db.one<{ consecutive_failures: number }>(
      `UPDATE campaign SET consecutive_failures = CASE WHEN $2::boolean THEN $3::int ELSE consecutive_failures + $3::int END
        WHERE id = $1 RETURNING consecutive_failures`,
      [id, restart, failures],
    );
    return row?.consecutive_failures;
  }

  /**
   * Late bounces of these campaigns: mail_feedback hard bounces from any source but `smtp` (the reply at send
   * time), counted once per delivery, so they are among the campaign's `bounced`. A soft bounce leaves its
   * delivery `sent` (the message may still arrive), so it is not one. A campaign without any is absent.
   */
  async lateBounces(campaignIds: number[]): Promise<Map<number, number>> {
    const out = new Map<number, number>();
    if (campaignIds.length === 0) return out;
    const rows = await this.db.rows<{ campaign_id: number; n: number }>(
      `SELECT campaign_id, count(DISTINCT COALESCE(delivery_id, -id))::int AS n
         FROM mail_feedback
        WHERE campaign_id = ANY($1::int[]) AND kind = 'hard-bounce' AND source <> 'smtp'
        GROUP BY campaign_id`,
      [campaignIds],
    );
    for (const r of rows) out.set(r.campaign_id, r.n);
    return out;
  }
}
