import { Database, DeliveryStatus, FeedbackKind, type Queryable, SubscriberStatus } from '@app/database';
import { Injectable } from '@nestjs/common';
import { SubscriberEventRepository } from '../subscriptions/subscriber-event.repository';
import { SubscriberRepository } from '../subscriptions/subscriber.repository';
import {
  type DeliveryReference,
  FEEDBACK_MAX_LENGTH,
  type FeedbackEvent,
  type FeedbackOutcome,
} from './feedback.types';
import {
  type FeedbackDelivery,
  type FeedbackSubscriber,
  MailFeedbackRepository,
} from './mail-feedback.repository';

/** Soft bounces (on distinct deliveries) that make an address bounced, within SOFT_BOUNCE_WINDOW_DAYS. */
export const SOFT_BOUNCE_LIMIT = 3;
export const SOFT_BOUNCE_WINDOW_DAYS = 30;

/** Addresses that can still receive mail; a bounce, complaint or unsubscribe moves them out of it. */
const MAILABLE: readonly SubscriberStatus[] = [SubscriberStatus.Pending, SubscriberStatus.Confirmed];

/**
 * Delivery statuses a late report may change. A hard bounce after `sent` (the relay accepted, the destination
 * refused later) or after `failed` becomes `bounced`; a complaint proves the message arrived, so it wins over
 * anything the ledger said after sending. `queued`/`sending`/`skipped` rows were never handed over: a report
 * about them is recorded but does not touch the ledger (the sender owns those rows).
 */
const BOUNCEABLE = [DeliveryStatus.Sent, DeliveryStatus.Failed];
const COMPLAINABLE = [DeliveryStatus.Sent, DeliveryStatus.Failed, DeliveryStatus.Bounced];

/** Our campaign Message-ID: `<c{campaign}.d{delivery}.{nonce}@{domain}>` (DeliveryRepository.claimQueued). */
const CAMPAIGN_MESSAGE_ID = /^<c([1-9][0-9]{0,9})\.d([1-9][0-9]{0,15})\.[^\s<>@]{1,64}@[^\s<>@]{1,253}>$/;

/** The campaign and delivery a Message-ID of ours names, or undefined (someone else's id, or garbage). */
export function parseCampaignMessageId(
  text: string,
): { campaignId: number; deliveryId: number; messageId: string } | undefined {
  const t = text.trim();
  if (t.length > 340) return undefined;
  const id = t.startsWith('<') ? t : `<${t}>`;
  const m = CAMPAIGN_MESSAGE_ID.exec(id);
  if (!m) return undefined;
  return { campaignId: Number(m[1]), deliveryId: Number(m[2]), messageId: id };
}

interface Target {
  delivery?: FeedbackDelivery;
  subscriber?: FeedbackSubscriber;
  /** Why no subscriber can be acted on; set when nothing resolved, or when it resolved to an erased one. */
  unmatched?: string;
}

const clip = (v: string | null | undefined, n: number): string | null => (v ? v.slice(0, n) : null);

/**
 * The one place that acts on a bounce, complaint or unsubscribe, whatever its source: ties it to the delivery
 * and subscriber, records it once in mail_feedback (UNIQUE (source, dedupe_key): a repeat changes nothing),
 * moves the delivery and the subscriber, writes the subscriber_event. BounceService (the generic webhook, 5xx
 * at send time) goes through here too, so there is one set of rules:
 *
 * - hard bounce: delivery `sent`/`failed` → `bounced` (a late bounce included); subscriber pending/confirmed →
 *   `bounced`.
 * - soft bounce: the delivery keeps its status (a `delayed` DSN may still end in delivery; a DSN that gave up
 *   after 4xx is a transient failure: the ledger's `sent` stays the truth of what we did, the report is in
 *   mail_feedback). The subscriber becomes `bounced` at the SOFT_BOUNCE_LIMIT-th soft bounce within
 *   SOFT_BOUNCE_WINDOW_DAYS, counting distinct deliveries, and only those after the last successful delivery
 *   (sent, nothing reported for it; MailFeedbackRepository.countSoftBounces). The count is computed from the
 *   ledger, not kept: a DSN arrives after its delivery was recorded `sent`, so resetting a counter at each
 *   `sent` would never let three accumulate. subscriber.soft_bounce_count keeps the count as of the last soft
 *   bounce, for display.
 * - complaint: delivery → `complained`; subscriber → `complained` and unsubscribed (from any status but
 *   complained: a complaint outranks an earlier unsubscribe or bounce). A complainer is not offered a
 *   one-click resubscribe; only a fresh double opt-in brings them back.
 * - unsubscribe (the List-Unsubscribe mailto): pending/confirmed → `unsubscribed` at once.
 * - nothing resurrects: a bounce or unsubscribe leaves unsubscribed, bounced and complained readers as they are.
 * - erased subscribers match nothing (outcome `unmatched`); the report is still recorded (so a repeat is a
 *   no-op), with the campaign but without delivery or subscriber.
 */
@Injectable()
export class FeedbackService {
  constructor(
    private readonly db: Database,
    private readonly ledger: MailFeedbackRepository,
    private readonly subscribers: SubscriberRepository,
    private readonly events: SubscriberEventRepository,
  ) {}

  /** Applies one event in its own transaction, or in `tx` (the inbound processing's) when given. */
  apply(event: FeedbackEvent, tx?: Queryable): Promise<FeedbackOutcome> {
    return tx ? this.applyIn(event, tx) : this.db.transaction((t) => this.applyIn(event, t));
  }

  private async applyIn(event: FeedbackEvent, tx: Queryable): Promise<FeedbackOutcome> {
    const target = await this.resolve(event.refs, tx);
    const sub = target.unmatched ? undefined : target.subscriber;
    const delivery = target.unmatched ? undefined : target.delivery;
    const campaignId = event.campaignId || target.delivery?.campaignId || null;
    const inserted = await this.ledger.insert(
      {
        source: event.source,
        dedupeKey: event.dedupeKey.slice(0, FEEDBACK_MAX_LENGTH.dedupeKey),
        kind: event.kind,
        deliveryId: delivery?.id ?? null,
        campaignId,
        subscriberId: sub?.id ?? null,
        inboundMessageId: event.inboundMessageId ?? null,
        statusCode: clip(event.statusCode, FEEDBACK_MAX_LENGTH.statusCode),
        detail: clip(event.diagnostic, FEEDBACK_MAX_LENGTH.detail),
        occurredAt: event.occurredAt ?? null,
      },
      tx,
    );
    const base: FeedbackOutcome = {
      applied: inserted,
      ...(delivery ? { deliveryId: delivery.id } : {}),
      ...(sub ? { subscriberId: sub.id, subscriberStatus: sub.status } : {}),
      ...(target.unmatched ? { unmatched: target.unmatched } : {}),
    };
    // The same event again (a DSN delivered twice, a webhook retried): recorded the first time, nothing to do.
    if (!inserted || !sub) return base;

    if (delivery) await this.moveDelivery(event, delivery, tx);
    return { ...base, ...(await this.moveSubscriber(event, sub, delivery, tx)) };
  }

  /** The first reference that names something; an erased subscriber is a match to nobody. */
  private async resolve(refs: DeliveryReference[], tx: Queryable): Promise<Target> {
    const misses: string[] = [];
    for (const ref of refs) {
      const found = await this.resolveOne(ref, tx);
      if (typeof found === 'string') {
        misses.push(found);
        continue;
      }
      if (found.subscriber?.erased) return { ...found, unmatched: 'the subscriber was erased' };
      return found;
    }
    return { unmatched: misses.length ? misses.join('; ') : 'the report names no message or address' };
  }

  /** What one reference names, or why it names nothing. */
  private async resolveOne(ref: DeliveryReference, tx: Queryable): Promise<Target | string> {
    switch (ref.by) {
      case 'delivery': {
        const delivery = await this.ledger.lockDelivery(ref.deliveryId, tx);
        if (!delivery) return `no delivery ${ref.deliveryId}`;
        return { delivery, subscriber: await this.ledger.lockSubscriber(delivery.subscriberId, tx) };
      }
      case 'message-id': {
        const parsed = parseCampaignMessageId(ref.messageId);
        if (!parsed) return 'the Message-ID is not one of ours';
        const delivery = await this.ledger.lockDelivery(parsed.deliveryId, tx);
        // The id is guessable (campaign and delivery numbers): only the exact stored one, nonce included, counts.
        if (
          !delivery ||
          delivery.messageId !== parsed.messageId ||
          delivery.campaignId !== parsed.campaignId
        ) {
          return `no delivery has the Message-ID ${parsed.messageId.slice(0, 100)}`;
        }
        return { delivery, subscriber: await this.ledger.lockSubscriber(delivery.subscriberId, tx) };
      }
      case 'confirmation':
      case 'subscriber': {
        const subscriber = await this.ledger.lockSubscriber(ref.subscriberId, tx);
        return subscriber ? { subscriber } : `no subscriber ${ref.subscriberId}`;
      }
      case 'address': {
        const email = ref.email.trim();
        if (email.length === 0 || email.length > 320) return 'no usable address';
        const subscriber = await this.ledger.lockSubscriberByEmail(email, tx);
        return subscriber ? { subscriber } : 'no subscriber has that address';
      }
    }
  }

  private async moveDelivery(event: FeedbackEvent, d: FeedbackDelivery, tx: Queryable): Promise<void> {
    const said = [event.statusCode, event.diagnostic].filter(Boolean).join(' ');
    const response = `${event.kind} reported by ${event.source}${said ? `: ${said}` : ''}`;
    if (event.kind === FeedbackKind.HardBounce) {
      await this.ledger.setDeliveryOutcome(d.id, DeliveryStatus.Bounced, BOUNCEABLE, response, tx);
    } else if (event.kind === FeedbackKind.Complaint) {
      await this.ledger.setDeliveryOutcome(d.id, DeliveryStatus.Complained, COMPLAINABLE, response, tx);
    }
  }

  private async moveSubscriber(
    event: FeedbackEvent,
    sub: FeedbackSubscriber,
    delivery: FeedbackDelivery | undefined,
    tx: Queryable,
  ): Promise<Partial<FeedbackOutcome>> {
    const evidence = (detail: string) => ({
      source: event.evidenceSource ?? event.source,
      detail: this.detail(event, delivery, detail),
    });
    const mailable = MAILABLE.includes(sub.status);
    // A hard bounce and the last soft bounce of the window end the same way.
    const bounce = async (why: ReturnType<typeof evidence>, softBounceCount: number) => {
      await this.subscribers.markBounced(sub.id, tx);
      await this.events.record(
        sub.id,
        'bounced',
        { from: sub.status, to: SubscriberStatus.Bounced },
        why,
        tx,
      );
      return { subscriberStatus: SubscriberStatus.Bounced, softBounceCount };
    };
    switch (event.kind) {
      case FeedbackKind.HardBounce: {
        if (!mailable) return { softBounceCount: sub.softBounceCount };
        return bounce(evidence('hard bounce'), sub.softBounceCount);
      }
      case FeedbackKind.SoftBounce: {
        const count = await this.ledger.countSoftBounces(sub.id, SOFT_BOUNCE_WINDOW_DAYS, tx);
        await this.subscribers.setSoftBounceCount(sub.id, count, tx);
        if (!mailable || count < SOFT_BOUNCE_LIMIT) return { softBounceCount: count };
        return bounce(evidence(`${count} soft bounces within ${SOFT_BOUNCE_WINDOW_DAYS} days`), count);
      }
      case FeedbackKind.Complaint: {
        if (sub.status === SubscriberStatus.Complained) return { softBounceCount: sub.softBounceCount };
        await this.subscribers.markComplained(sub.id, tx);
        await this.events.record(
          sub.id,
          'complained',
          { from: sub.status, to: SubscriberStatus.Complained },
          evidence('complaint: unsubscribed'),
          tx,
        );
        return { subscriberStatus: SubscriberStatus.Complained, softBounceCount: sub.softBounceCount };
      }
      case FeedbackKind.Unsubscribe: {
        if (!mailable) return {};
        await this.subscribers.markUnsubscribed(sub.id, tx);
        await this.events.record(
          sub.id,
          'unsubscribed',
          { from: sub.status, to: SubscriberStatus.Unsubscribed },
          {
            ...evidence(
              event.campaignId
                ? `unsubscribed by mail (campaign ${event.campaignId})`
                : 'unsubscribed by mail',
            ),
            // Attributed to the issue whose mailto it was (issue 15's report counts it there).
            campaignId: event.campaignId || delivery?.campaignId || null,
          },
          tx,
        );
        return { subscriberStatus: SubscriberStatus.Unsubscribed };
      }
    }
  }

  /** The subscriber_event's detail: what happened, on which delivery, with the remote server's words. */
  private detail(event: FeedbackEvent, delivery: FeedbackDelivery | undefined, what: string): string {
    const parts = [what];
    if (delivery) parts.push(`campaign ${delivery.campaignId}, delivery ${delivery.id}`);
    if (event.statusCode) parts.push(event.statusCode);
    if (event.diagnostic) parts.push(event.diagnostic);
    return parts.join('; ');
  }
}
