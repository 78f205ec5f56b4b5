import type { EditionContent } from '@app/content';
import { Database } from '@app/database';
import { Injectable } from '@nestjs/common';

/** One batch of counts: campaign, link (-1: opens), hour, and how many human and machine clicks. */
export interface ClickCountRow {
  campaignId: number;
  linkIndex: number;
  hour: Date;
  human: number;
  machine: number;
}

/** One click of one delivery (TRACKING=individual). */
export interface DeliveryClickRow {
  deliveryId: number;
  linkIndex: number;
  machine: boolean;
  clickedAt: Date;
}

/** The click buffer's writes (issue 15): counts per link and hour, and per-delivery rows in individual mode. */
@Injectable()
export class ClickRepository {
  constructor(private readonly db: Database) {}

  /** The edition content of a campaign (its links are withTrackedLinks's list), or undefined. */
  async campaignContent(campaignId: number): Promise<EditionContent | undefined> {
    const row = await this.db.one<{ content: EditionContent }>(
      `SELECT e.content FROM campaign c JOIN edition e ON e.id = c.edition_id WHERE c.id = $1`,
      [campaignId],
    );
    return row?.content;
  }

  /** Which of these deliveries belong to an erased reader: nothing is recorded about them. */
  async erasedDeliveries(deliveryIds: number[]): Promise<Set<number>> {
    if (deliveryIds.length === 0) return new Set();
    const rows = await this.db.rows<{ id: string }>(
      `SELECT d.id FROM delivery d JOIN subscriber s ON s.id = d.subscriber_id
        WHERE d.id = ANY($1::bigint[]) AND s.erased_at IS NOT NULL`,
      [deliveryIds],
    );
    return new Set(rows.map((r) => Number(r.id)));
  }

  /** Adds a batch of counts (a later batch may move clicks from human to machine: negative human). */
  async addCounts(rows: ClickCountRow[]): Promise<void> {
    if (rows.length === 0) return;
    await this.db.rows(
      `INSERT INTO campaign_click (campaign_id, link_index, hour, human, machine)
       SELECT * FROM unnest($1::int[], $2::int[], $3::timestamptz[], $4::bigint[], $5::bigint[])
       ON CONFLICT (campaign_id, link_index, hour) DO UPDATE
         SET human = campaign_click.human + EXCLUDED.human, machine = campaign_click.machine + EXCLUDED.machine`,
      [
        rows.map((r) => r.campaignId),
        rows.map((r) => r.linkIndex),
        rows.map((r) => r.hour),
        rows.map((r) => r.human),
        rows.map((r) => r.machine),
      ],
    );
  }

  /** Per-delivery rows; a delivery that no longer exists is skipped. */
  async addDeliveryClicks(rows: DeliveryClickRow[]): Promise<void> {
    if (rows.length === 0) return;
    await this.db.rows(
      `INSERT INTO delivery_click (delivery_id, link_index, machine, clicked_at)
       SELECT x.d, x.l, x.m, x.t
         FROM unnest($1::bigint[], $2::int[], $3::boolean[], $4::timestamptz[]) AS x(d, l, m, t)
         JOIN delivery ON delivery.id = x.d`,
      [
        rows.map((r) => r.deliveryId),
        rows.map((r) => r.linkIndex),
        rows.map((r) => r.machine),
        rows.map((r) => r.clickedAt),
      ],
    );
  }

  /** Marks per-delivery rows written as human as machine (a later click showed a scanner). */
  async markMachine(rows: DeliveryClickRow[]): Promise<void> {
    if (rows.length === 0) return;
    await this.db.rows(
      `UPDATE delivery_click k SET machine = true
         FROM unnest($1::bigint[], $2::int[], $3::timestamptz[]) AS x(d, l, t)
        WHERE k.delivery_id = x.d AND k.link_index = x.l AND k.clicked_at = x.t`,
      [rows.map((r) => r.deliveryId), rows.map((r) => r.linkIndex), rows.map((r) => r.clickedAt)],
    );
  }
}
