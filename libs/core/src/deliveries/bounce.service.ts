import { SubscriberStatus } from '@app/database';
import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { recordEvent } from '../subscriptions/subscriber-events';
import { queryRows } from '../campaigns/query-rows';

export type BounceType = 'hard' | 'soft' | 'complaint';

/** Soft bounces reported for one address before it is treated as bounced. */
export const SOFT_BOUNCE_LIMIT = 3;

export interface BounceOutcome {
  /** False when no subscriber has that address (providers report bounces for mail we never sent, too). */
  matched: boolean;
  subscriberId?: number;
  /** The subscriber's status after the report. */
  status?: SubscriberStatus;
  softBounceCount?: number;
}

/** Addresses that can still receive mail; a bounce or complaint moves them out of it. */
const MAILABLE = [SubscriberStatus.Pending, SubscriberStatus.Confirmed];

/**
 * What bounces and complaints do to subscribers: a 5xx at send time or a provider's hard bounce marks the
 * address bounced; a complaint (the reader pressed "spam") unsubscribes and marks it complained, for good;
 * soft bounces are counted and become a bounce at SOFT_BOUNCE_LIMIT. Each change is recorded in the
 * subscriber's history.
 */
@Injectable()
export class BounceService {
  constructor(private readonly ds: DataSource) {}

  /** SMTP answered 5xx for these subscribers' addresses during a campaign. */
  async bouncedAtSend(bounces: { subscriberId: number; response: string }[]): Promise<void> {
    if (bounces.length === 0) return;
    await this.ds.transaction(async (m) => {
      const changed = await queryRows<{ id: number; from_status: string }>(
        m,
        `WITH old AS (
           SELECT id, status FROM subscriber WHERE id = ANY($1::int[]) AND status = ANY($2::varchar[]) FOR UPDATE
         )
         UPDATE subscriber s SET status = 'bounced', updated_at = now() FROM old
          WHERE s.id = old.id
         RETURNING s.id, old.status AS from_status`,
        [bounces.map((b) => b.subscriberId), MAILABLE],
      );
      const detail = new Map(bounces.map((b) => [b.subscriberId, b.response]));
      for (const row of changed) {
        await recordEvent(
          m,
          row.id,
          'bounced',
          { from: row.from_status, to: SubscriberStatus.Bounced },
          { source: 'smtp', detail: detail.get(row.id) ?? null },
        );
      }
    });
  }

  /** A provider's bounce or complaint report (POST /api/webhooks/bounces). */
  async report(email: string, type: BounceType): Promise<BounceOutcome> {
    return this.ds.transaction(async (m) => {
      const rows = await queryRows<{ id: number; status: SubscriberStatus; soft_bounce_count: number }>(
        m,
        `SELECT id, status, soft_bounce_count FROM subscriber WHERE lower(email) = lower($1) FOR UPDATE`,
        [email.trim()],
      );
      const sub = rows[0];
      if (!sub) return { matched: false };
      const source = `webhook:${type}`;
      if (type === 'complaint') return this.complaint(m, sub, source);
      if (type === 'hard') return this.bounce(m, sub, sub.soft_bounce_count, source, 'hard bounce reported');
      const count = sub.soft_bounce_count + 1;
      await m.query(`UPDATE subscriber SET soft_bounce_count = $2, updated_at = now() WHERE id = $1`, [
        sub.id,
        count,
      ]);
      if (count >= SOFT_BOUNCE_LIMIT) {
        return this.bounce(m, sub, count, source, `${count} soft bounces reported`);
      }
      return { matched: true, subscriberId: sub.id, status: sub.status, softBounceCount: count };
    });
  }

  private async bounce(
    m: EntityManager,
    sub: { id: number; status: SubscriberStatus },
    softBounceCount: number,
    source: string,
    detail: string,
  ): Promise<BounceOutcome> {
    if (!MAILABLE.includes(sub.status)) {
      // Already unsubscribed, bounced or complained: a bounce does not undo a reader's choice.
      return { matched: true, subscriberId: sub.id, status: sub.status, softBounceCount };
    }
    await m.query(`UPDATE subscriber SET status = 'bounced', updated_at = now() WHERE id = $1`, [sub.id]);
    await recordEvent(
      m,
      sub.id,
      'bounced',
      { from: sub.status, to: SubscriberStatus.Bounced },
      { source, detail },
    );
    return { matched: true, subscriberId: sub.id, status: SubscriberStatus.Bounced, softBounceCount };
  }

  private async complaint(
    m: EntityManager,
    sub: { id: number; status: SubscriberStatus; soft_bounce_count: number },
    source: string,
  ): Promise<BounceOutcome> {
    if (sub.status !== SubscriberStatus.Complained) {
      await m.query(
        `UPDATE subscriber SET status = 'complained', updated_at = now(),
                unsubscribed_at = CASE WHEN status = 'unsubscribed' THEN unsubscribed_at ELSE now() END
          WHERE id = $1`,
        [sub.id],
      );
      await recordEvent(
        m,
        sub.id,
        'complained',
        { from: sub.status, to: SubscriberStatus.Complained },
        { source, detail: 'complaint reported: unsubscribed' },
      );
    }
    return {
      matched: true,
      subscriberId: sub.id,
      status: SubscriberStatus.Complained,
      softBounceCount: sub.soft_bounce_count,
    };
  }
}
