import {
  Database,
  type DeliveryStatus,
  type FeedbackKind,
  type FeedbackSource,
  type Queryable,
  type SubscriberStatus,
} from '@app/database';
import { Injectable } from '@nestjs/common';

/** A delivery a report names, locked for the report's transaction. */
export interface FeedbackDelivery {
  id: number;
  campaignId: number;
  subscriberId: number;
  status: DeliveryStatus;
  messageId: string | null;
}

/** A subscriber a report names, locked for the report's transaction. */
export interface FeedbackSubscriber {
  id: number;
  uid: string;
  status: SubscriberStatus;
  softBounceCount: number;
  erased: boolean;
}

/** One mail_feedback row to insert. */
export interface NewMailFeedback {
  source: FeedbackSource;
  dedupeKey: string;
  kind: FeedbackKind;
  deliveryId: number | null;
  campaignId: number | null;
  subscriberId: number | null;
  inboundMessageId: number | null;
  statusCode: string | null;
  detail: string | null;
  occurredAt: Date | null;
}

const SUBSCRIBER = `id, uid, status, soft_bounce_count AS "softBounceCount", erased_at IS NOT NULL AS erased`;

/**
 * The SQL of FeedbackService: finding what a report is about (delivery, subscriber) under row locks, the
 * mail_feedback ledger (UNIQUE (source, dedupe_key): the second insert of one event finds the first), the
 * delivery's late outcome and the soft-bounce count. Every method runs in the caller's transaction.
 */
@Injectable()
export class MailFeedbackRepository {
  constructor(private readonly db: Database) {}

  lockDelivery(id: number, tx: Queryable): Promise<FeedbackDelivery | undefined> {
    return this.db.one<FeedbackDelivery>(
      `SELECT id, campaign_id AS "campaignId", subscriber_id AS "subscriberId", status, message_id AS "messageId"
         FROM delivery WHERE id = $1 FOR UPDATE`,
      [id],
      tx,
    );
  }

  /** Erased subscribers are found too (erased = true): the caller decides they match nothing. */
  lockSubscriber(id: number, tx: Queryable): Promise<FeedbackSubscriber | undefined> {
    return this.db.one<FeedbackSubscriber>(
      `SELECT ${SUBSCRIBER} FROM subscriber WHERE id = $1 FOR UPDATE`,
      [id],
      tx,
    );
  }

  /** By address, case-insensitive (an erased subscriber has no address left, so is never found this way). */
  lockSubscriberByEmail(email: string, tx: Queryable): Promise<FeedbackSubscriber | undefined> {
    return this.db.one<FeedbackSubscriber>(
      `SELECT ${SUBSCRIBER} FROM subscriber WHERE lower(email) = lower($1) FOR UPDATE`,
      [email],
      tx,
    );
  }

  /**
   * Records one event; false when (source, dedupe_key) is there already (the same event again: the caller
   * changes nothing). A campaign that no longer exists is stored as NULL rather than failing the insert.
   */
  async insert(f: NewMailFeedback, tx: Queryable): Promise<boolean> {
    const rows = await this.db.rows(
      `INSERT INTO mail_feedback (source, dedupe_key, kind, delivery_id, campaign_id, subscriber_id,
                                  inbound_message_id, status_code, detail, occurred_at)
       VALUES ($1, $2, $3, $4, (SELECT id FROM campaign WHERE id = $5::int), $6, $7, $8, $9, coalesce($10, now()))
       ON CONFLICT (source, dedupe_key) DO NOTHING
       RETURNING id`,
      [
        f.source,
        f.dedupeKey,
        f.kind,
        f.deliveryId,
        f.campaignId,
        f.subscriberId,
        f.inboundMessageId,
        f.statusCode,
        f.detail,
        f.occurredAt,
      ],
      tx,
    );
    return rows.length > 0;
  }

  /**
   * A late outcome of a delivery (a bounce or complaint after the SMTP conversation): only from one of
   * `from`, with the report as its last response. True when the row changed.
   */
  async setDeliveryOutcome(
    id: number,
    to: DeliveryStatus,
    from: DeliveryStatus[],
    response: string,
    tx: Queryable,
  ): Promise<boolean> {
    const rows = await this.db.rows(
      `UPDATE delivery SET status = $2, last_response = left($4, 1000), updated_at = now()
        WHERE id = $1 AND status = ANY($3::varchar[])
       RETURNING id`,
      [id, to, from, response],
      tx,
    );
    return rows.length > 0;
  }

  /**
   * The subscriber's soft bounces that count now (see FeedbackService for the rule): soft-bounce reports of
   * the last `windowDays`, one per delivery (a reader's server may send "delayed" and then "failed" for one
   * message), those without a delivery one each; only those after the last successful delivery, i.e. a
   * delivery recorded `sent`, with no bounce or complaint reported for it, that was sent before the newest
   * soft-bounced delivery (a delivery sent after it may still bounce: it neither counts nor resets yet).
   */
  async countSoftBounces(subscriberId: number, windowDays: number, tx: Queryable): Promise<number> {
    const row = await this.db.one<{ n: number }>(
      `WITH soft AS (
         SELECT coalesce('d' || f.delivery_id, 'f' || f.id) AS k, f.delivery_id,
                coalesce(d.sent_at, f.occurred_at) AS at
           FROM mail_feedback f LEFT JOIN delivery d ON d.id = f.delivery_id
          WHERE f.subscriber_id = $1 AND f.kind = 'soft-bounce'
            AND f.occurred_at > now() - make_interval(days => $2)
       ), newest AS (
         SELECT max(at) AS at FROM soft WHERE delivery_id IS NOT NULL
       ), success AS (
         SELECT max(d.sent_at) AS at FROM delivery d, newest
          WHERE d.subscriber_id = $1 AND d.status = 'sent' AND d.sent_at < newest.at
            AND NOT EXISTS (SELECT 1 FROM mail_feedback f WHERE f.delivery_id = d.id)
       )
       SELECT count(DISTINCT soft.k)::int AS n FROM soft, success
        WHERE success.at IS NULL OR soft.at > success.at`,
      [subscriberId, windowDays],
      tx,
    );
    return row?.n ?? 0;
  }
}
