import { Database, type DeliveryStatus, type Queryable } from '@app/database';
import { Injectable } from '@nestjs/common';
import { WORKER_DEAD_AFTER_SECONDS } from './campaign.constants';
import type { DeliveryCounts, DeliveryLogEntry } from './campaign.types';

/** A delivery claimed for sending (or skipped at claim time because its subscriber left). */
export interface ClaimedDelivery {
  id: number;
  subscriber_id: number;
  status: 'sending' | 'skipped';
  attempts: number;
  message_id: string;
  /** Null once the subscriber was erased. */
  email: string | null;
  uid: string;
}

/** A queued delivery and how long until its next attempt is due (0 or less: now). */
export interface QueuedDelivery {
  id: number;
  due_in_ms: number;
}

/** The SMTP outcomes of claimed deliveries, one array entry per delivery (in the same order). */
export interface DeliveryOutcomes {
  ids: number[];
  statuses: string[];
  responses: string[];
  /** Milliseconds until the retry of a delivery queued again, null for a final status. */
  delays: (number | null)[];
}

/** Keyset page size when reading queued delivery ids (re-enqueueing). */
const QUEUED_PAGE = 10000;

/**
 * A data-modifying CTE that stamps the campaigns `campaignIdsSql` (a parameter or a subquery) as progressing
 * (read by idleFor), at most once a second. Best effort: a campaign row locked by someone else (a pause or
 * cancel in its transaction, another worker's stamp) is skipped, not waited for. Waiting would hold this
 * statement's delivery row locks while that transaction may be waiting for them: a deadlock.
 */
function touchProgressSql(campaignIdsSql: string): string {
  return `touched AS (
            UPDATE campaign SET progressed_at = now()
             WHERE id IN (SELECT c.id FROM campaign c
                           WHERE c.id IN (${campaignIdsSql})
                             AND (c.progressed_at IS NULL OR c.progressed_at < now() - interval '1 second')
                             FOR UPDATE SKIP LOCKED)
          )`;
}

/**
 * The queued deliveries of campaign `campaignParam` among the ids in `idsParam`, looked up id by id through
 * the primary key (columns id, campaign_id). Written this way, and not as `id = ANY(…) AND campaign_id = …
 * AND status = 'queued'`, because with that form the planner may walk delivery_campaign_status_idx over every
 * queued row of the campaign and filter the ids: it does whenever its statistics think the campaign has few
 * rows, which is the case for every new campaign until the table is analysed again (with autovacuum's
 * default 10 % threshold, not before a big campaign ends). Measured on a 1,000,000-row campaign: 1.5 s per
 * DeliverBatch instead of 1 ms, about 200 msg/s. The LIMIT keeps the lookup from being flattened into a join.
 */
function queuedByIdSql(idsParam: string, campaignParam: string): string {
  return `SELECT x.id, x.campaign_id FROM unnest(${idsParam}::bigint[]) AS u(id)
            CROSS JOIN LATERAL (SELECT d.id, d.campaign_id, d.status FROM delivery d WHERE d.id = u.id LIMIT 1) x
           WHERE x.campaign_id = ${campaignParam} AND x.status = 'queued'`;
}

export function emptyCounts(): DeliveryCounts {
  return { total: 0, queued: 0, sending: 0, sent: 0, failed: 0, bounced: 0, complained: 0, skipped: 0 };
}

/**
 * SQL condition (on a `delivery d` row in `sending`) that its sender is gone: the owning worker's heartbeat
 * is stale or missing, or the claim is older than the lease whatever the owner (a live but stuck worker).
 * $lease is a parameter holding the lease in seconds.
 */
function abandonedClaimSql(leaseParam: string): string {
  return `(d.claimed_at < now() - make_interval(secs => ${leaseParam})
    OR NOT EXISTS (SELECT 1 FROM worker_heartbeat w
                   WHERE w.id = d.claimed_by AND w.seen_at > now() - interval '${WORKER_DEAD_AFTER_SECONDS} seconds'))`;
}

/** `email` filter of the delivery log: a case-insensitive substring of the address (LIKE wildcards taken literally). */
function emailPattern(email: string | undefined): string | null {
  const q = email?.trim();
  return q ? `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%` : null;
}

/**
 * The delivery ledger: one `delivery` row per campaign and subscriber. Rows change state only by
 * conditional statements (`queued → sending` by a claim, `sending → outcome` only by the claim's owner), so
 * every method is safe to run twice and from several processes at once.
 */
@Injectable()
export class DeliveryRepository {
  constructor(private readonly db: Database) {}

  /** Deliveries of one campaign by status. */
  async countsByStatus(campaignId: number): Promise<DeliveryCounts> {
    const rows = await this.db.rows<{ status: DeliveryStatus; n: number }>(
      `SELECT status, count(*)::int AS n FROM delivery WHERE campaign_id = $1 GROUP BY status`,
      [campaignId],
    );
    const c = emptyCounts();
    for (const r of rows) {
      c[r.status] = r.n;
      c.total += r.n;
    }
    return c;
  }

  /** Deliveries of several campaigns by status; a campaign without any is absent from the map. */
  async countsByCampaign(campaignIds: number[]): Promise<Map<number, DeliveryCounts>> {
    const out = new Map<number, DeliveryCounts>();
    if (campaignIds.length === 0) return out;
    const rows = await this.db.rows<{ campaign_id: number; status: DeliveryStatus; n: number }>(
      `SELECT campaign_id, status, count(*)::int AS n FROM delivery WHERE campaign_id = ANY($1::int[])
        GROUP BY campaign_id, status`,
      [campaignIds],
    );
    for (const r of rows) {
      const c = out.get(r.campaign_id) ?? emptyCounts();
      c[r.status] = r.n;
      c.total += r.n;
      out.set(r.campaign_id, c);
    }
    return out;
  }

  /** Whether any message of the campaign reached the SMTP server. */
  async anySent(campaignId: number): Promise<boolean> {
    const row = await this.db.one<{ any: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM delivery WHERE campaign_id = $1 AND status = 'sent') AS any`,
      [campaignId],
    );
    return row?.any ?? false;
  }

  /** True when no job moved the campaign's ledger for `seconds` (or none ever did). */
  async idleFor(campaignId: number, seconds: number): Promise<boolean> {
    const row = await this.db.one<{ idle: boolean }>(
      `SELECT coalesce(progressed_at < now() - make_interval(secs => $2), true) AS idle
           FROM campaign WHERE id = $1`,
      [campaignId, seconds],
    );
    return row?.idle ?? false;
  }

  /** Every queued delivery of the campaign, by id, in pages of QUEUED_PAGE. */
  async *queuedPages(campaignId: number): AsyncGenerator<QueuedDelivery[]> {
    let after = 0;
    for (;;) {
      const page = await this.db.rows<QueuedDelivery>(
        `SELECT id, coalesce(ceil(extract(epoch FROM next_attempt_at - now()) * 1000), 0)::int AS due_in_ms
           FROM delivery WHERE campaign_id = $1 AND status = 'queued' AND id > $2 ORDER BY id LIMIT $3`,
        [campaignId, after, QUEUED_PAGE],
      );
      if (page.length === 0) return;
      yield page;
      after = page[page.length - 1]!.id;
      if (page.length < QUEUED_PAGE) return;
    }
  }

  /** Which of these deliveries of the campaign are still queued, by id. */
  async stillQueued(campaignId: number, deliveryIds: number[]): Promise<number[]> {
    const rows = await this.db.rows<{ id: number }>(
      `SELECT q.id FROM (${queuedByIdSql('$1', '$2')}) q ORDER BY q.id`,
      [deliveryIds, campaignId],
    );
    return rows.map((r) => r.id);
  }

  /**
   * Claims deliveries in one statement: rows still queued, of a running campaign, become `sending` (or
   * `skipped` when the subscriber is no longer confirmed) with `workerId` as owner, an attempt counted and a
   * Message-ID fixed for good (`<c{campaign}.d{delivery}.{nonce}@{domain}>`; a resend after a crash reuses it).
   * The nonce is 8 hex digits of SHA-256(claim secret, delivery id), different for every delivery: a report
   * that comes back by mail (an ARF complaint, a bounce) may be tied to a delivery by its Message-ID alone,
   * so a reader who knows the Message-ID of their own copy must not be able to write a neighbour's.
   */
  claimQueued(
    campaignId: number,
    deliveryIds: number[],
    workerId: string,
    messageIdNonce: string,
    messageIdDomain: string,
  ): Promise<ClaimedDelivery[]> {
    // The ids are looked up first (queuedByIdSql) behind a MATERIALIZED fence, so the campaign is known to
    // the UPDATE only through those rows and the plan stays a primary-key lookup per id.
    return this.db.rows<ClaimedDelivery>(
      `WITH q AS MATERIALIZED (${queuedByIdSql('$1', '$2')}), ${touchProgressSql('$2')}
       UPDATE delivery d
          SET status = CASE WHEN s.status = 'confirmed' AND s.email IS NOT NULL THEN 'sending' ELSE 'skipped' END,
              attempts = d.attempts + CASE WHEN s.status = 'confirmed' AND s.email IS NOT NULL THEN 1 ELSE 0 END,
              claimed_at = now(), claimed_by = $3, next_attempt_at = NULL, updated_at = now(),
              message_id = coalesce(d.message_id, '<c' || d.campaign_id || '.d' || d.id || '.'
                || left(encode(sha256(convert_to($4::text || ':' || d.id, 'UTF8')), 'hex'), 8) || '@' || $5 || '>'),
              last_response = CASE WHEN s.status = 'confirmed' AND s.email IS NOT NULL THEN d.last_response
                                   ELSE 'skipped: subscriber is ' || s.status || ' at send time' END
         FROM q, campaign c, subscriber s
        WHERE d.id = q.id AND d.status = 'queued'
          AND c.id = q.campaign_id AND d.campaign_id = c.id AND c.status = 'running' AND s.id = d.subscriber_id
       RETURNING d.id, d.subscriber_id, d.status, d.attempts, d.message_id, s.email, s.uid`,
      [deliveryIds, campaignId, workerId, messageIdNonce, messageIdDomain],
    );
  }

  /**
   * Records SMTP outcomes in one statement, only on rows still `sending` and claimed by `workerId` (a claim
   * released meanwhile belongs to someone else). Returns the ids written.
   */
  async recordOutcomes(workerId: string, o: DeliveryOutcomes): Promise<number[]> {
    const rows = await this.db.rows<{ id: number }>(
      `WITH upd AS (
         UPDATE delivery d
            SET status = v.status, last_response = left(v.response, 1000), updated_at = now(),
                sent_at = CASE WHEN v.status = 'sent' THEN now() ELSE d.sent_at END,
                next_attempt_at = CASE WHEN v.delay_ms IS NULL THEN NULL
                                       ELSE now() + make_interval(secs => v.delay_ms / 1000.0) END
           FROM unnest($1::bigint[], $2::text[], $3::text[], $4::int[]) AS v(id, status, response, delay_ms)
          WHERE d.id = v.id AND d.status = 'sending' AND d.claimed_by = $5
         RETURNING d.id, d.campaign_id
       ), ${touchProgressSql('SELECT campaign_id FROM upd')}
       SELECT id FROM upd`,
      [o.ids, o.statuses, o.responses, o.delays, workerId],
    );
    return rows.map((r) => r.id);
  }

  /**
   * Puts deliveries stuck in `sending` whose worker died (stale heartbeat) or that outlived the lease back to
   * `queued`, noting why in their last response. `onlyIds` limits this to those deliveries. Returns their ids.
   */
  async releaseAbandoned(campaignId: number, leaseSeconds: number, onlyIds?: number[]): Promise<number[]> {
    const rows = await this.db.rows<{ id: number }>(
      `UPDATE delivery d
          SET status = 'queued', claimed_by = NULL, next_attempt_at = now(), updated_at = now(),
              last_response = left('sending interrupted (worker stopped); queued again. '
                                   || coalesce(d.last_response, ''), 1000)
        WHERE d.campaign_id = $1 AND d.status = 'sending' AND ($3::bigint[] IS NULL OR d.id = ANY($3::bigint[]))
          AND ${abandonedClaimSql('$2')}
        RETURNING d.id`,
      [campaignId, leaseSeconds, onlyIds ?? null],
    );
    return rows.map((r) => r.id);
  }

  /**
   * Deletes every delivery of the campaign except `sent` ones and `sending` ones claimed by a live worker
   * within the lease, inside the caller's transaction. Waits for row locks, so a claim committing
   * concurrently turns its rows into `sending` before they are judged.
   */
  async deleteUnsent(campaignId: number, leaseSeconds: number, tx: Queryable): Promise<void> {
    await this.db.rows(
      `DELETE FROM delivery d
        WHERE d.campaign_id = $1 AND d.status <> 'sent' AND (d.status <> 'sending' OR ${abandonedClaimSql('$2')})`,
      [campaignId, leaseSeconds],
      tx,
    );
  }

  /** Deliveries of the campaign that were sent, and those in any other status (in flight after deleteUnsent). */
  async countSentAndOthers(campaignId: number, tx: Queryable): Promise<{ sent: number; inFlight: number }> {
    const row = await this.db.one<{ sent: number; in_flight: number }>(
      `SELECT count(*) FILTER (WHERE status = 'sent')::int AS sent,
              count(*) FILTER (WHERE status <> 'sent')::int AS in_flight
         FROM delivery WHERE campaign_id = $1`,
      [campaignId],
      tx,
    );
    return { sent: row?.sent ?? 0, inFlight: row?.in_flight ?? 0 };
  }

  /**
   * A range job's claim on its slice of the snapshot, in one statement: writes a queued delivery for each
   * subscriber in the range who was confirmed at the snapshot and still is (`ON CONFLICT DO NOTHING`: a row
   * already there stays as it is), and returns the ids of the rows written now plus those of the range still
   * queued and due (written by an earlier run of the same job that died before enqueueing them). Undefined
   * when the range is gone or done, or the campaign is neither running nor paused: nothing to do.
   *
   * Who is a recipient: a reader who was unsubscribed (or bounced, complained, erased) by the time the range
   * is written gets no row, even if they were confirmed at the start; the unsubscribe wins. A reader
   * confirmed after the snapshot (confirmed_at later, or an id above the snapshot's highest) gets none either;
   * send-missed can add them. A confirmed row without confirmed_at (older data) counts as confirmed before.
   */
  async writeRange(campaignId: number, rangeId: number): Promise<number[] | undefined> {
    const row = await this.db.one<{ open: number; ids: (number | string)[] }>(
      `WITH r AS (
           SELECT r.first_subscriber_id AS lo, r.last_subscriber_id AS hi, c.snapshot_at
             FROM campaign_range r JOIN campaign c ON c.id = r.campaign_id
            WHERE r.id = $2 AND r.campaign_id = $1 AND r.done_at IS NULL AND c.status IN ('running', 'paused')
         ), ins AS (
           INSERT INTO delivery (campaign_id, subscriber_id)
           SELECT $1, s.id FROM r, subscriber s
            WHERE s.id BETWEEN r.lo AND r.hi AND s.status = 'confirmed'
              AND (s.confirmed_at IS NULL OR s.confirmed_at <= r.snapshot_at)
            ORDER BY s.id
           ON CONFLICT (campaign_id, subscriber_id) DO NOTHING
           RETURNING id
         ), ${touchProgressSql('$1')}, earlier AS (
           -- Rows of this range from before this statement (it does not see its own inserts); a queued row
           -- waiting for a retry's backoff has its own delayed job.
           SELECT d.id FROM r, delivery d
            WHERE d.campaign_id = $1 AND d.subscriber_id BETWEEN r.lo AND r.hi AND d.status = 'queued'
              AND (d.next_attempt_at IS NULL OR d.next_attempt_at <= now())
         )
         SELECT (SELECT count(*)::int FROM r) AS open,
                coalesce((SELECT array_agg(id ORDER BY id) FROM (SELECT id FROM ins UNION SELECT id FROM earlier) x),
                         '{}') AS ids`,
      [campaignId, rangeId],
    );
    if (!row || row.open === 0) return undefined;
    // bigint[] arrives as strings (only scalar int8 has a number parser)
    return row.ids.map(Number);
  }

  /**
   * Send-missed, inside the caller's transaction: failed and skipped deliveries whose subscriber is confirmed
   * (with an address) go back to `queued` with a fresh attempt count. Returns their ids.
   */
  async requeueFailedForConfirmed(campaignId: number, tx: Queryable): Promise<number[]> {
    const rows = await this.db.rows<{ id: number }>(
      `UPDATE delivery d
            SET status = 'queued', attempts = 0, next_attempt_at = NULL, claimed_by = NULL, updated_at = now(),
                last_response = left('queued again by send-missed; before: ' || coalesce(d.last_response, ''), 1000)
           FROM subscriber s
          WHERE d.campaign_id = $1 AND d.status IN ('failed', 'skipped')
            AND s.id = d.subscriber_id AND s.status = 'confirmed' AND s.email IS NOT NULL
          RETURNING d.id`,
      [campaignId],
      tx,
    );
    return rows.map((r) => r.id);
  }

  /** Send-missed, inside the caller's transaction: a delivery for each confirmed subscriber without one. */
  async insertForConfirmedWithout(campaignId: number, tx: Queryable): Promise<number[]> {
    const rows = await this.db.rows<{ id: number }>(
      `INSERT INTO delivery (campaign_id, subscriber_id)
         SELECT $1, s.id FROM subscriber s
          WHERE s.status = 'confirmed'
            AND NOT EXISTS (SELECT 1 FROM delivery d WHERE d.campaign_id = $1 AND d.subscriber_id = s.id)
          ORDER BY s.id
         ON CONFLICT (campaign_id, subscriber_id) DO NOTHING
         RETURNING id`,
      [campaignId],
      tx,
    );
    return rows.map((r) => r.id);
  }

  /** The `limit` deliveries of a campaign that changed last (the campaign page's latest activity). */
  async latestChanged(campaignId: number, limit: number): Promise<DeliveryLogEntry[]> {
    const rows = await this.db.rows<LogRow>(
      `${LOG_SELECT} WHERE d.campaign_id = $1 ORDER BY d.updated_at DESC, d.id DESC LIMIT $2`,
      [campaignId, limit],
    );
    return rows.map(logEntry);
  }

  /**
   * One page of the per-recipient log, by delivery id after `afterId`, optionally of one status and of
   * addresses containing `email` (case-insensitive, wildcards taken literally).
   */
  async logPage(
    campaignId: number,
    opts: { status?: DeliveryStatus; email?: string; afterId: number; limit: number },
  ): Promise<DeliveryLogEntry[]> {
    const rows = await this.db.rows<LogRow>(
      `${LOG_SELECT}
        WHERE d.campaign_id = $1 AND ($2::varchar IS NULL OR d.status = $2) AND d.id > $3
          AND ($5::varchar IS NULL OR s.email ILIKE $5 ESCAPE '\\')
        ORDER BY d.id LIMIT $4`,
      [campaignId, opts.status ?? null, opts.afterId, opts.limit, emailPattern(opts.email)],
    );
    return rows.map(logEntry);
  }
}

/** A delivery log line as the log queries select it. */
interface LogRow {
  id: number;
  subscriber_id: number;
  email: string | null;
  status: DeliveryStatus;
  attempts: number;
  last_response: string | null;
  message_id: string | null;
  sent_at: Date | null;
  updated_at: Date;
}

const LOG_SELECT = `SELECT d.id, d.subscriber_id, s.email, d.status, d.attempts, d.last_response, d.message_id,
       d.sent_at, d.updated_at
  FROM delivery d JOIN subscriber s ON s.id = d.subscriber_id`;

function logEntry(r: LogRow): DeliveryLogEntry {
  return {
    id: r.id,
    subscriberId: r.subscriber_id,
    email: r.email,
    status: r.status,
    attempts: r.attempts,
    lastResponse: r.last_response,
    messageId: r.message_id,
    sentAt: r.sent_at ? r.sent_at.toISOString() : null,
    updatedAt: r.updated_at.toISOString(),
  };
}
