import { Database, type Queryable } from '@app/database';
import { Injectable } from '@nestjs/common';

/** A subscriber's deliveries for the data export; served by delivery_subscriber_id_idx (a test EXPLAINs it). */
export const SUBSCRIBER_DELIVERIES_SQL = `SELECT e.slug, e.subject, d.status, d.sent_at AS "sentAt"
  FROM delivery d JOIN campaign c ON c.id = d.campaign_id JOIN edition e ON e.id = c.edition_id
  WHERE d.subscriber_id = $1 ORDER BY d.id`;

/** Erasure: SMTP replies often quote the recipient's address. Same index. */
export const ERASE_DELIVERY_RESPONSES_SQL = `UPDATE delivery SET last_response = NULL
  WHERE subscriber_id = $1 AND last_response IS NOT NULL`;

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

  /** Forgets the SMTP replies to the subscriber's deliveries. */
  async clearResponses(subscriberId: number, tx?: Queryable): Promise<void> {
    await this.db.rows(ERASE_DELIVERY_RESPONSES_SQL, [subscriberId], tx);
  }
}
