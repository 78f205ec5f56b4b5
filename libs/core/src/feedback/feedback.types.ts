import type { FeedbackKind, FeedbackSource } from '@app/database';

/**
 * How a report names the message it is about, best first: our own VERP token (the envelope sender we set),
 * the delivery id we put in `X-Newsletter-Delivery` (providers echo it back), our Message-ID
 * (`<c{campaign}.d{delivery}.…>`), or only the recipient's address (the generic webhook; weakest: it ties
 * the event to the subscriber, not to a delivery).
 */
export type DeliveryReference =
  | { by: 'delivery'; deliveryId: number }
  | { by: 'confirmation'; subscriberId: number }
  /** A subscriber already identified by a checked token (a mailto unsubscribe) or by the sender itself. */
  | { by: 'subscriber'; subscriberId: number }
  | { by: 'message-id'; messageId: string }
  | { by: 'address'; email: string };

/**
 * One bounce, complaint or unsubscribe, as any source reports it (a DSN, an ARF report, a mailto unsubscribe,
 * a provider's webhook, a 5xx at send time), normalized. FeedbackService.apply is the one place that acts on
 * it; everything that receives mail or webhooks only builds these.
 */
export interface FeedbackEvent {
  source: FeedbackSource;
  /**
   * The event's identity within its source, so that acting on it twice changes nothing the second time: a
   * provider's event id, or for a DSN its own Message-ID (else a hash of its report) plus the recipient.
   * At most 200 characters.
   */
  dedupeKey: string;
  kind: FeedbackKind;
  /** Every way the report names the message, best first; the first one that resolves is used. */
  refs: DeliveryReference[];
  /** Enhanced status code (RFC 3463), e.g. "5.1.1". */
  statusCode?: string;
  /** The remote server's words or the provider's reason; stored clipped, shown to operators. */
  diagnostic?: string;
  /** When the source says it happened; default: now. */
  occurredAt?: Date;
  /** The stored inbound message it came from, when it came by mail. */
  inboundMessageId?: number;
  /** For a mailto unsubscribe: the campaign its address named (0: none). */
  campaignId?: number;
  /**
   * The subscriber_event's source when it must differ from `source` (the generic webhook keeps its
   * historical `webhook:<type>`); default: `source`.
   */
  evidenceSource?: string;
}

/** What applying an event did (for logs, tests and the inbound message's detail). */
export interface FeedbackOutcome {
  /** False when the same (source, dedupeKey) was applied before: nothing changed this time. */
  applied: boolean;
  /** The delivery it was tied to, if any. */
  deliveryId?: number;
  subscriberId?: number;
  /** The subscriber's status after the event, when one was found. */
  subscriberStatus?: string;
  /** The subscriber's soft bounces that count after this event (see FeedbackService). */
  softBounceCount?: number;
  /** Why nothing could be tied to a subscriber (unknown message, erased reader, forged token). */
  unmatched?: string;
}

/**
 * Sizes of the inbound_message and mail_feedback text columns: what comes from other mail systems (HELO
 * names, envelope senders, diagnostics, provider ids) is cut to these before it is stored, never refused
 * for its length (test/column-limits.spec.ts compares them with the schema).
 */
export const INBOUND_MAX_LENGTH = { helo: 255, mailFrom: 320, rcptTo: 320, detail: 1000 } as const;
export const FEEDBACK_MAX_LENGTH = { dedupeKey: 200, statusCode: 16, detail: 1000 } as const;
