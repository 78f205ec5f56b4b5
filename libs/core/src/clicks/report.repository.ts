import type { EditionContent } from '@app/content';
import { Database } from '@app/database';
import { Injectable } from '@nestjs/common';

export interface DeliveryTotals {
  campaignId: number;
  sent: number;
  bouncedAtSend: number;
  bouncedLater: number;
  complaints: number;
  failed: number;
  firstSentAt: Date | null;
}

export interface CampaignHead {
  id: number;
  status: string;
  slug: string;
  subject: string;
  content: EditionContent;
  startedAt: Date | null;
  finishedAt: Date | null;
}

const TOTALS = `d.campaign_id AS "campaignId",
  count(*) FILTER (WHERE d.sent_at IS NOT NULL)::int AS sent,
  count(*) FILTER (WHERE d.status = 'bounced' AND d.sent_at IS NULL)::int AS "bouncedAtSend",
  count(*) FILTER (WHERE d.status = 'bounced' AND d.sent_at IS NOT NULL)::int AS "bouncedLater",
  count(*) FILTER (WHERE d.status = 'complained')::int AS complaints,
  count(*) FILTER (WHERE d.status = 'failed')::int AS failed,
  min(d.sent_at) AS "firstSentAt"`;

/** The reports' reads (issue 15): one method per query. */
@Injectable()
export class ReportRepository {
  constructor(private readonly db: Database) {}

  campaign(campaignId: number): Promise<CampaignHead | undefined> {
    return this.db.one(
      `SELECT c.id, c.status, e.slug, e.subject, e.content, c.started_at AS "startedAt",
              c.finished_at AS "finishedAt"
         FROM campaign c JOIN edition e ON e.id = c.edition_id WHERE c.id = $1`,
      [campaignId],
    );
  }

  /** Every campaign that started sending, newest first. */
  startedCampaigns(): Promise<Omit<CampaignHead, 'content'>[]> {
    return this.db.rows(
      `SELECT c.id, c.status, e.slug, e.subject, c.started_at AS "startedAt", c.finished_at AS "finishedAt"
         FROM campaign c JOIN edition e ON e.id = c.edition_id
        WHERE c.started_at IS NOT NULL ORDER BY c.started_at DESC, c.id DESC`,
    );
  }

  /** Delivery outcomes of the given campaigns (bounced at send: refused by SMTP; later: a DSN after 250). */
  deliveryTotals(campaignIds: number[]): Promise<DeliveryTotals[]> {
    return this.db.rows(
      `SELECT ${TOTALS} FROM delivery d WHERE d.campaign_id = ANY($1::int[]) GROUP BY d.campaign_id`,
      [campaignIds],
    );
  }

  /** Readers who unsubscribed from each campaign's message (page, one-click or mailto). */
  unsubscribes(campaignIds: number[]): Promise<{ campaignId: number; n: number }[]> {
    return this.db.rows(
      `SELECT campaign_id AS "campaignId", count(DISTINCT subscriber_id)::int AS n FROM subscriber_event
        WHERE campaign_id = ANY($1::int[]) AND type = 'unsubscribed' GROUP BY campaign_id`,
      [campaignIds],
    );
  }

  /** Clicks per campaign and link (-1: opens), human and machine. */
  clicks(
    campaignIds: number[],
  ): Promise<{ campaignId: number; linkIndex: number; human: number; machine: number }[]> {
    return this.db.rows(
      `SELECT campaign_id AS "campaignId", link_index AS "linkIndex", sum(human)::int AS human,
              sum(machine)::int AS machine
         FROM campaign_click WHERE campaign_id = ANY($1::int[]) GROUP BY campaign_id, link_index`,
      [campaignIds],
    );
  }

  /** Human and machine link clicks per hour of one campaign. */
  clicksByHour(campaignId: number): Promise<{ hour: Date; human: number; machine: number }[]> {
    return this.db.rows(
      `SELECT hour, sum(human)::int AS human, sum(machine)::int AS machine FROM campaign_click
        WHERE campaign_id = $1 AND link_index >= 0 GROUP BY hour ORDER BY hour`,
      [campaignId],
    );
  }

  /** Unsubscribes attributed to one campaign, per hour. */
  unsubscribesByHour(campaignId: number): Promise<{ hour: Date; n: number }[]> {
    return this.db.rows(
      `SELECT date_trunc('hour', created_at) AS hour, count(*)::int AS n FROM subscriber_event
        WHERE campaign_id = $1 AND type = 'unsubscribed' GROUP BY 1 ORDER BY 1`,
      [campaignId],
    );
  }

  /** List changes per calendar month (UTC) from the subscribers' history. */
  growthByMonth(): Promise<
    { month: string; confirmed: number; unsubscribed: number; bounced: number; complained: number }[]
  > {
    return this.db.rows(
      `SELECT to_char(date_trunc('month', created_at AT TIME ZONE 'UTC'), 'YYYY-MM') AS month,
              count(*) FILTER (WHERE type IN ('confirmed', 'resubscribed'))::int AS confirmed,
              count(*) FILTER (WHERE type = 'unsubscribed')::int AS unsubscribed,
              count(*) FILTER (WHERE type = 'bounced')::int AS bounced,
              count(*) FILTER (WHERE type = 'complained')::int AS complained
         FROM subscriber_event
        WHERE type IN ('confirmed', 'resubscribed', 'unsubscribed', 'bounced', 'complained')
        GROUP BY 1 ORDER BY 1`,
    );
  }
}
