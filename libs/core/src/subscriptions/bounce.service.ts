import { Database, FeedbackKind, FeedbackSource, type SubscriberStatus } from '@app/database';
import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { FeedbackService } from '../feedback/feedback.service';
import type { FeedbackEvent } from '../feedback/feedback.types';

export type BounceType = 'hard' | 'soft' | 'complaint';

export interface BounceOutcome {
  /** False when no subscriber has that address (providers report bounces for mail we never sent, too). */
  matched: boolean;
  subscriberId?: number;
  /** The subscriber's status after the report. */
  status?: SubscriberStatus;
  softBounceCount?: number;
}

const KIND: Record<BounceType, FeedbackKind> = {
  hard: FeedbackKind.HardBounce,
  soft: FeedbackKind.SoftBounce,
  complaint: FeedbackKind.Complaint,
};

/**
 * The two older ways bounces arrive, translated into FeedbackEvents: a 5xx at send time, and the generic
 * webhook (POST /api/webhooks/bounces, an address and a type). What they do to deliveries and subscribers is
 * FeedbackService's rules, the same as for DSNs, ARF reports and provider webhooks.
 */
@Injectable()
export class BounceService {
  constructor(
    private readonly db: Database,
    private readonly feedback: FeedbackService,
  ) {}

  /**
   * SMTP answered 5xx for these deliveries during a campaign (the sender already recorded them `bounced`).
   * One transaction for the batch; each is a hard bounce of source `smtp`, keyed by its delivery (a 5xx is
   * final: the delivery is never sent again), or by a fresh key when the caller does not say the delivery.
   */
  async bouncedAtSend(
    bounces: { subscriberId: number; response: string; deliveryId?: number }[],
  ): Promise<void> {
    if (bounces.length === 0) return;
    await this.db.transaction(async (tx) => {
      for (const b of bounces) {
        await this.feedback.apply(
          {
            source: FeedbackSource.Smtp,
            dedupeKey: b.deliveryId
              ? `delivery:${b.deliveryId}`
              : `subscriber:${b.subscriberId}:${randomUUID()}`,
            kind: FeedbackKind.HardBounce,
            refs: b.deliveryId
              ? [{ by: 'delivery', deliveryId: b.deliveryId }]
              : [{ by: 'subscriber', subscriberId: b.subscriberId }],
            diagnostic: b.response,
          },
          tx,
        );
      }
    });
  }

  /**
   * A provider's bounce or complaint report (POST /api/webhooks/bounces). It names only an address and
   * carries no event id, so each call is a new event (its key is random); the subscriber_event keeps the
   * historical source `webhook:<type>`.
   */
  async report(email: string, type: BounceType): Promise<BounceOutcome> {
    const event: FeedbackEvent = {
      source: FeedbackSource.Webhook,
      dedupeKey: `generic:${randomUUID()}`,
      kind: KIND[type],
      refs: [{ by: 'address', email: email.trim() }],
      evidenceSource: `webhook:${type}`,
      diagnostic: `${type} reported on the bounce webhook`,
    };
    const out = await this.feedback.apply(event);
    if (out.subscriberId === undefined) return { matched: false };
    return {
      matched: true,
      subscriberId: out.subscriberId,
      status: out.subscriberStatus as SubscriberStatus,
      softBounceCount: out.softBounceCount,
    };
  }
}
