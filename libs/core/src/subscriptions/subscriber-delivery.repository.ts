import { Database, type Queryable } from '@app/database';
import type { EditionContent } from '@app/content';
import { Injectable } from '@nestjs/common';

/** A subscriber's deliveries for the data export; served by delivery_subscriber_id_idx (a test EXPLAINs it). */
export const SUBSCRIBER_DELIVERIES_SQL = `SELECT e.slug, e.subject, d.status, d.sent_at AS "sentAt"
  FROM delivery d JOIN campaign c ON c.id = d.campaign_id JOIN edition e ON e.id = c.edition_id
  WHERE d.subscriber_id = $1 ORDER BY d.id`;

/** Erasure: SMTP replies often quote the recipient's address. Same index. */
export const ERASE_DELIVERY_RESPONSES_SQL = `UPDATE delivery SET last_response = NULL
  WHERE subscriber_id = $1 AND last_response IS NOT NULL`;

/** A subscriber's recorded clicks and opens (TRACKING=individual), oldest first, with the content. */
export const SUBSCRIBER_CLICKS_SQL = `SELECT e.slug, e.content, k.link_index AS "linkIndex", k.machine,
    k.clicked_at AS "clickedAt"
  FROM delivery d JOIN delivery_click k ON k.delivery_id = d.id
  JOIN campaign c ON c.id = d.campaign_id JOIN edition e ON e.id = c.edition_id
  WHERE d.subscriber_id = $1 ORDER BY k.id`;

/** The latest of a subscriber's recorded clicks and opens, newest first (the console's history). */
export const SUBSCRIBER_LATEST_CLICKS_SQL = `SELECT e.slug, e.content, k.link_index AS "linkIndex", k.machine,
    k.clicked_at AS "clickedAt"
  FROM delivery d JOIN delivery_click k ON k.delivery_id = d.id
  JOIN campaign c ON c.id = d.campaign_id JOIN edition e ON e.id = c.edition_id
  WHERE d.subscriber_id = $1 ORDER BY k.id DESC LIMIT $2`;

/** A recorded click or open as the ledger holds it: the issue, its link index (-1: the open pixel), when. */
export interface ClickRow {
  slug: string;
  content: EditionContent;
  linkIndex: number;
  machine: boolean;
  clickedAt: Date;
}

/** One subscriber's deliveries: the personal data the delivery ledger holds, for export and erasure. */
@Injectable()
export class SubscriberDeliveryRepository {
  constructor(private readonly db: Database) {}

  /** Every edition sent (or meant) to the subscriber, oldest first. */
  ofSubscriber(
    subscriberId: number,
  ): Promise<{ slug: string; subject: string; status: string; sentAt: Date | null }[]> {
    return this.db.rows(SUBSCRIBER_DELIVERIES_SQL, [subscriberId]);
  }

  /** The subscriber's clicks and opens (TRACKING=individual). */
  clicksOf(subscriberId: number): Promise<ClickRow[]> {
    return this.db.rows(SUBSCRIBER_CLICKS_SQL, [subscriberId]);
  }

  /** The subscriber's latest `limit` clicks and opens, newest first. */
  latestClicksOf(subscriberId: number, limit: number): Promise<ClickRow[]> {
    return this.db.rows(SUBSCRIBER_LATEST_CLICKS_SQL, [subscriberId, limit]);
  }

  /** Whether the campaign sent (or meant to send) the subscriber a message: an unsubscribe may name it. */
  async wasSent(subscriberId: number, campaignId: number): Promise<boolean> {
    const rows = await this.db.rows(
      `SELECT 1 FROM delivery WHERE campaign_id = $1 AND subscriber_id = $2 LIMIT 1`,
      [campaignId, subscriberId],
    );
    return rows.length > 0;
  }

  /** Erasure: the subscriber's clicks and opens go with the rest of their history. */
  async deleteClicks(subscriberId: number, tx?: Queryable): Promise<void> {
    await this.db.rows(
      `DELETE FROM delivery_click WHERE delivery_id IN (SELECT id FROM delivery WHERE subscriber_id = $1)`,
      [subscriberId],
      tx,
    );
  }

  /** Forgets the SMTP replies to the subscriber's deliveries. */
  async clearResponses(subscriberId: number, tx?: Queryable): Promise<void> {
    await this.db.rows(ERASE_DELIVERY_RESPONSES_SQL, [subscriberId], tx);
  }
}
