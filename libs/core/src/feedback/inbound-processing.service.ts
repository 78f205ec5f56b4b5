import {
  Database,
  FeedbackKind,
  FeedbackSource,
  InboundClassification,
  InboundStatus,
  type Queryable,
} from '@app/database';
import { Injectable } from '@nestjs/common';
import { FeedbackService } from './feedback.service';
import type { FeedbackOutcome } from './feedback.types';
import { classifyInbound, dedupeKey, type InboundVerdict } from './inbound-classifier';
import {
  type InboundOutcome,
  InboundMessageRepository,
  type StoredInboundMessage,
} from './inbound-message.repository';
import { MailFeedbackRepository } from './mail-feedback.repository';
import { type UnsubscribeClaim, VerpAddresses } from './verp';

/**
 * Processes one stored inbound message: parse, classify (DSN, ARF, mailto unsubscribe, auto-reply; see
 * classifyInbound), act on it through FeedbackService in the same transaction, record the outcome:
 * - `processed`: understood and acted on (or recorded: an auto-reply; or a repeat of a report already
 *   applied, which changes nothing);
 * - `ignored`: understood, nothing to act on (a report naming no delivery of ours, a forged or stale
 *   unsubscribe token, an erased reader, a DSN saying "delivered", a message that is no report);
 * - `unparsed`: not readable (garbage, cut short), kept with its raw bytes for an operator.
 *
 * Safe to run twice: the message is parsed outside the transaction, then locked, and one no longer
 * `received` is left alone; FeedbackService is idempotent besides. A parse problem never throws (the message is recorded `unparsed`); a database error
 * does, so the job is retried.
 */
@Injectable()
export class InboundProcessingService {
  constructor(
    private readonly db: Database,
    private readonly messages: InboundMessageRepository,
    private readonly feedback: FeedbackService,
    private readonly ledger: MailFeedbackRepository,
    private readonly verp: VerpAddresses,
  ) {}

  async process(inboundMessageId: number): Promise<void> {
    // Parsed before the transaction: mailparser is asynchronous and the row lock (and a pool connection)
    // need not be held while it reads up to INBOUND_MAX_MESSAGE_BYTES. The stored bytes never change, so
    // the verdict stays true; the status is checked again under the lock.
    const message = await this.messages.find(inboundMessageId);
    if (!message || message.status !== InboundStatus.Received) return;
    const verdict = await classifyInbound(message.raw, message, this.verp);
    await this.db.transaction(async (tx) => {
      const status = await this.messages.lockStatus(message.id, tx);
      // Another run (a job retried while this one parsed) got there first.
      if (status !== InboundStatus.Received) return;
      const outcome = await this.act(message, verdict, tx);
      await this.messages.recordOutcome(message.id, outcome, tx);
    });
  }

  private async act(m: StoredInboundMessage, v: InboundVerdict, tx: Queryable): Promise<InboundOutcome> {
    switch (v.type) {
      case 'unparsed':
        return { status: InboundStatus.Unparsed, classification: null, detail: v.detail };
      case 'other':
        return {
          status: InboundStatus.Ignored,
          classification: InboundClassification.Other,
          detail: v.detail,
        };
      case 'auto-reply':
        return {
          status: InboundStatus.Processed,
          classification: InboundClassification.AutoReply,
          detail: v.detail,
        };
      case 'unsubscribe':
        return this.unsubscribe(m, v.claims, v.messageKey, tx);
      case 'feedback': {
        if (v.event.refs.length === 0) {
          return {
            status: InboundStatus.Ignored,
            classification: v.classification,
            detail: `${v.detail}; it names no message of ours (no VERP address or Message-ID of ours)`,
          };
        }
        const out = await this.feedback.apply(
          { ...v.event, inboundMessageId: m.id, occurredAt: m.receivedAt },
          tx,
        );
        return outcomeOf(v.classification, v.detail, out);
      }
    }
  }

  /**
   * Any message to unsubscribe+<token> unsubscribes that reader at once (and is answered by nothing): the
   * token's MAC must match the reader's uid, which erasure rotates, so a forged token, another reader's
   * number with this MAC, or an erased reader's old address unsubscribes nobody.
   */
  private async unsubscribe(
    m: StoredInboundMessage,
    claims: UnsubscribeClaim[],
    messageKey: string,
    tx: Queryable,
  ): Promise<InboundOutcome> {
    const details: string[] = [];
    let first: FeedbackOutcome | undefined;
    for (const claim of claims) {
      // In the processing transaction (a second connection per job could starve the pool under load).
      const sub = await this.ledger.lockSubscriber(claim.subscriberId, tx);
      if (!sub) {
        details.push(`no subscriber ${claim.subscriberId}`);
        continue;
      }
      if (sub.erased) {
        details.push(`token of an erased reader (subscriber ${sub.id})`);
        continue;
      }
      if (!claim.matches(sub.uid)) {
        details.push(`forged or stale unsubscribe token for subscriber ${sub.id}`);
        continue;
      }
      const out = await this.feedback.apply(
        {
          source: FeedbackSource.Mailto,
          // The message itself (a copy delivered again is the same request), per reader it names.
          dedupeKey: dedupeKey([messageKey, String(sub.id)]),
          kind: FeedbackKind.Unsubscribe,
          refs: [{ by: 'subscriber', subscriberId: sub.id }],
          campaignId: claim.campaignId || undefined,
          diagnostic: 'List-Unsubscribe mailto',
          inboundMessageId: m.id,
          occurredAt: m.receivedAt,
        },
        tx,
      );
      if (out.unmatched) {
        details.push(out.unmatched);
        continue;
      }
      first ??= out;
      details.push(
        out.applied
          ? `subscriber ${sub.id} ${out.subscriberStatus === 'unsubscribed' ? 'unsubscribed' : `left ${out.subscriberStatus}`}`
          : `subscriber ${sub.id}: this message was applied before`,
      );
    }
    return {
      status: first ? InboundStatus.Processed : InboundStatus.Ignored,
      classification: InboundClassification.Unsubscribe,
      detail: `mailto unsubscribe: ${details.join('; ')}`,
      subscriberId: first?.subscriberId ?? null,
    };
  }
}

function outcomeOf(
  classification: InboundClassification,
  detail: string,
  out: FeedbackOutcome,
): InboundOutcome {
  if (out.unmatched) {
    return {
      status: InboundStatus.Ignored,
      classification,
      detail: `${detail}; unmatched: ${out.unmatched}`,
    };
  }
  const did = out.applied
    ? `subscriber ${out.subscriberId} is ${out.subscriberStatus}`
    : 'the same report was applied before: nothing changed';
  return {
    status: InboundStatus.Processed,
    classification,
    detail: `${detail}; ${did}`,
    deliveryId: out.deliveryId ?? null,
    subscriberId: out.subscriberId ?? null,
  };
}
