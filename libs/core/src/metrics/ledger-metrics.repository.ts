import { Database } from '@app/database';
import { Injectable } from '@nestjs/common';

/** The counts behind the ledger metrics, read at scrape time. */
@Injectable()
export class LedgerMetricsRepository {
  constructor(private readonly db: Database) {}

  /** Deliveries by campaign and status, of campaigns created in the last `windowDays` days. */
  deliveriesByCampaignAndStatus(
    windowDays: number,
  ): Promise<{ campaign_id: number; status: string; n: number }[]> {
    return this.db.rows(
      `SELECT d.campaign_id, d.status, count(*)::int AS n
         FROM delivery d
        WHERE d.campaign_id IN (SELECT id FROM campaign WHERE created_at > now() - make_interval(days => $1))
        GROUP BY d.campaign_id, d.status`,
      [windowDays],
    );
  }

  /** Campaigns by status, and which of the paused ones the sender paused by itself (`auto`). */
  campaignsByStatus(
    autoPausePrefix: string,
  ): Promise<{ status: string; n: number; auto_paused_ids: number[] }[]> {
    return this.db.rows(
      `SELECT status,
              count(*)::int AS n,
              COALESCE(array_agg(id ORDER BY id) FILTER (
                WHERE status = 'paused' AND starts_with(pause_reason, $1)), '{}') AS auto_paused_ids
         FROM campaign
        GROUP BY status`,
      [autoPausePrefix],
    );
  }

  subscriberEventsByType(): Promise<{ type: string; n: number }[]> {
    return this.db.rows(`SELECT type, count(*)::int AS n FROM subscriber_event GROUP BY type`);
  }

  subscribersByStatus(): Promise<{ status: string; n: number }[]> {
    return this.db.rows(`SELECT status, count(*)::int AS n FROM subscriber GROUP BY status`);
  }

  /**
   * Inbound messages received in the last `windowHours` hours by classification and status (classification
   * 'none' while a message is not processed yet), through the received_at index.
   */
  inboundByClassificationAndStatus(
    windowHours: number,
  ): Promise<{ classification: string; status: string; n: number }[]> {
    return this.db.rows(
      `SELECT COALESCE(classification, 'none') AS classification, status, count(*)::int AS n
         FROM inbound_message
        WHERE received_at > now() - make_interval(hours => $1)
        GROUP BY 1, 2`,
      [windowHours],
    );
  }
}
