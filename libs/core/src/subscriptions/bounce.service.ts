import { Database, type Queryable, SubscriberStatus } from '@app/database';
import { Injectable } from '@nestjs/common';
import { SubscriberEventRepository } from './subscriber-event.repository';
import { SubscriberRepository } from './subscriber.repository';

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
  constructor(
    private readonly db: Database,
    private readonly subscribers: SubscriberRepository,
    private readonly events: SubscriberEventRepository,
  ) {}

  /** SMTP answered 5xx for these subscribers' addresses during a campaign. */
  async bouncedAtSend(bounces: { subscriberId: number; response: string }[]): Promise<void> {
    if (bounces.length === 0) return;
    await this.db.transaction(async (tx) => {
      const changed = await this.subscribers.bounceAll(
        bounces.map((b) => b.subscriberId),
        MAILABLE,
        tx,
      );
      const detail = new Map(bounces.map((b) => [b.subscriberId, b.response]));
      for (const row of changed) {
        await this.events.record(
          row.id,
          'bounced',
          { from: row.fromStatus, to: SubscriberStatus.Bounced },
          { source: 'smtp', detail: detail.get(row.id) ?? null },
          tx,
        );
      }
    });
  }

  /** A provider's bounce or complaint report (POST /api/webhooks/bounces). */
  async report(email: string, type: BounceType): Promise<BounceOutcome> {
    return this.db.transaction(async (tx) => {
      const sub = await this.subscribers.lockByEmail(email.trim(), tx);
      if (!sub) return { matched: false };
      const source = `webhook:${type}`;
      if (type === 'complaint') return this.complaint(tx, sub, source);
      if (type === 'hard') return this.bounce(tx, sub, sub.softBounceCount, source, 'hard bounce reported');
      const count = sub.softBounceCount + 1;
      await this.subscribers.setSoftBounceCount(sub.id, count, tx);
      if (count >= SOFT_BOUNCE_LIMIT) {
        return this.bounce(tx, sub, count, source, `${count} soft bounces reported`);
      }
      return { matched: true, subscriberId: sub.id, status: sub.status, softBounceCount: count };
    });
  }

  private async bounce(
    tx: Queryable,
    sub: { id: number; status: SubscriberStatus },
    softBounceCount: number,
    source: string,
    detail: string,
  ): Promise<BounceOutcome> {
    if (!MAILABLE.includes(sub.status)) {
      // Already unsubscribed, bounced or complained: a bounce does not undo a reader's choice.
      return { matched: true, subscriberId: sub.id, status: sub.status, softBounceCount };
    }
    await this.subscribers.markBounced(sub.id, tx);
    await this.events.record(
      sub.id,
      'bounced',
      { from: sub.status, to: SubscriberStatus.Bounced },
      { source, detail },
      tx,
    );
    return { matched: true, subscriberId: sub.id, status: SubscriberStatus.Bounced, softBounceCount };
  }

  private async complaint(
    tx: Queryable,
    sub: { id: number; status: SubscriberStatus; softBounceCount: number },
    source: string,
  ): Promise<BounceOutcome> {
    if (sub.status !== SubscriberStatus.Complained) {
      await this.subscribers.markComplained(sub.id, tx);
      await this.events.record(
        sub.id,
        'complained',
        { from: sub.status, to: SubscriberStatus.Complained },
        { source, detail: 'complaint reported: unsubscribed' },
        tx,
      );
    }
    return {
      matched: true,
      subscriberId: sub.id,
      status: SubscriberStatus.Complained,
      softBounceCount: sub.softBounceCount,
    };
  }
}
