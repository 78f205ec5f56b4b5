import { FeedbackKind, FeedbackSource, InboundClassification } from '@app/database';
import { createHash } from 'node:crypto';
import { autoReplyVerdict, looksLikeBounce } from './auto-reply.parser';
import { ARF_PARTS, isFeedbackReport, parseArf } from './arf.parser';
import { DSN_PARTS, dsnVerdict, isDeliveryStatusReport, parseDsn } from './dsn.parser';
import { parseCampaignMessageId } from './feedback.service';
import { type DeliveryReference, FEEDBACK_MAX_LENGTH, type FeedbackEvent } from './feedback.types';
import { headerAddress, headerText, type MailHeaders, MimeError, partCompleteIn, readMail } from './mime';
import { bounceSearchText, parsePlainBounce } from './plain-bounce.parser';
import type { BounceSubject, UnsubscribeClaim, VerpAddresses } from './verp';

/** The envelope of a stored inbound message, as the inbound server received it. */
export interface InboundEnvelope {
  mailFrom: string;
  rcptTo: string[];
}

/** A report's event, without what the processing adds (the inbound message id, the time). */
export type ReportEvent = Omit<FeedbackEvent, 'inboundMessageId' | 'occurredAt'>;

/** What a stored message is, decided without the database (the service then acts on it). */
export type InboundVerdict =
  | { type: 'unparsed'; detail: string }
  /** Sent to unsubscribe+<token> addresses: the claims still need their MAC checked against the uid. */
  | { type: 'unsubscribe'; claims: UnsubscribeClaim[]; messageKey: string }
  | { type: 'auto-reply'; detail: string }
  | { type: 'other'; detail: string }
  | {
      type: 'feedback';
      classification:
        InboundClassification.HardBounce | InboundClassification.SoftBounce | InboundClassification.Complaint;
      event: ReportEvent;
      detail: string;
    };

/** At most this many unsubscribe+ recipients of one message are acted on (a reader has one address). */
export const MAX_UNSUBSCRIBE_RECIPIENTS = 10;

const VERP_IN_TEXT = /bounces\+[cd][0-9a-z]{1,11}-[a-z2-7]{16}@[a-z0-9.-]{1,253}/gi;
const MESSAGE_ID_IN_TEXT = /<c[0-9]{1,10}\.d[0-9]{1,16}\.[^\s<>@]{1,64}@[^\s<>@]{1,253}>/g;
const MAX_TEXT_MATCHES = 20;

/**
 * Classifies one inbound message, in this order (the first that applies wins):
 * 1. not a message at all (mailparser fails, or no header section) → `unparsed`;
 * 2. sent to an unsubscribe+<token> address → mailto unsubscribe, whatever its subject, body or shape
 *    (RFC 2369: the message itself is the request);
 * 3. a multipart whose closing boundary never came (cut short in transit) → `unparsed`, unless it is a
 *    report whose delivery-status or feedback-report part was followed by another part (the cut is then in
 *    the returned message, which only serves to find references: the report itself is whole);
 * 4. `multipart/report; report-type=delivery-status` → RFC 3464 DSN (hard, soft, or nothing for
 *    delivered/relayed/expanded);
 * 5. `multipart/report; report-type=feedback-report` → ARF; `Feedback-Type: abuse` is a complaint;
 * 6. an automatic reply (RFC 3834 and common headers/subjects) → `auto-reply`, never a bounce;
 * 7. something that looks like a bounce (a mailer daemon's From, a bounce subject; or an empty envelope
 *    sender and an SMTP code in the text) → the non-standard bounce heuristics;
 * 8. anything else → `other`.
 *
 * Only what a stranger cannot make up ties a report to a delivery: our signed VERP address (the envelope
 * recipient, Original-Mail-From, the returned message's Return-Path) and our Message-ID (checked against
 * the one stored for the delivery). The unsigned X-Newsletter-Delivery header and the recipient's address
 * are not used for mail: anyone can send us a report naming them.
 */
export async function classifyInbound(
  raw: Buffer,
  envelope: InboundEnvelope,
  verp: VerpAddresses,
): Promise<InboundVerdict> {
  try {
    return await classify(raw, envelope, verp);
  } catch (err) {
    // Parsing never fails the job: what cannot be read is kept for an operator.
    const why =
      err instanceof MimeError ? err.message : `the parser failed: ${String((err as Error)?.message ?? err)}`;
    return { type: 'unparsed', detail: why.slice(0, 500) };
  }
}

async function classify(
  raw: Buffer,
  envelope: InboundEnvelope,
  verp: VerpAddresses,
): Promise<InboundVerdict> {
  if (raw.length === 0) return { type: 'unparsed', detail: 'empty message' };
  const msg = await readMail(raw);
  const recipients = envelope.rcptTo.map((r) => verp.parseRecipient(r));
  const claims = recipients.flatMap((r) => (r?.kind === 'unsubscribe' ? [r.claim] : []));
  if (claims.length > 0) {
    return {
      type: 'unsubscribe',
      claims: claims.slice(0, MAX_UNSUBSCRIBE_RECIPIENTS),
      messageKey: messageKey(msg, raw),
    };
  }
  const reportParts = isDeliveryStatusReport(msg) ? DSN_PARTS : isFeedbackReport(msg) ? ARF_PARTS : [];
  if (!partCompleteIn(msg, reportParts)) {
    return { type: 'unparsed', detail: `truncated: the ${msg.contentType} has no closing boundary` };
  }
  const envelopeRefs = recipients.flatMap((r) => (r?.kind === 'bounce' ? [subjectRef(r.subject)] : []));

  if (isDeliveryStatusReport(msg)) {
    const report = await parseDsn(msg);
    if (!report)
      return {
        type: 'unparsed',
        detail: 'a delivery-status report without a readable message/delivery-status part',
      };
    const verdict = dsnVerdict(report);
    if (!verdict.kind) return { type: 'other', detail: `DSN: ${verdict.reason}` };
    const refs = uniqueRefs([
      ...envelopeRefs,
      ...verpRefs([report.original && headerAddress(report.original, 'return-path')], verp),
      ...messageIdRefs([report.original && headerText(report.original, 'message-id')]),
      ...textRefs(bounceSearchText(msg), verp),
    ]);
    const r = verdict.recipient;
    const id = headerText(msg, 'message-id');
    return {
      type: 'feedback',
      classification:
        verdict.kind === FeedbackKind.HardBounce
          ? InboundClassification.HardBounce
          : InboundClassification.SoftBounce,
      event: {
        source: FeedbackSource.Dsn,
        dedupeKey: dedupeKey([id ? id.trim() : sha256(report.statusText), r?.finalRecipient ?? '']),
        kind: verdict.kind,
        refs,
        statusCode: r?.status,
        diagnostic: r?.diagnostic ?? verdict.reason,
      },
      detail: `DSN: ${verdict.reason}`,
    };
  }

  if (isFeedbackReport(msg)) {
    const report = await parseArf(msg);
    if (!report)
      return {
        type: 'unparsed',
        detail: 'a feedback report without a readable message/feedback-report part',
      };
    if (report.feedbackType !== 'abuse') {
      return {
        type: 'other',
        detail: `ARF: Feedback-Type ${report.feedbackType.slice(0, 30)} is not a complaint`,
      };
    }
    const originalId = report.original && headerText(report.original, 'message-id');
    const refs = uniqueRefs([
      ...envelopeRefs,
      ...verpRefs(
        [report.originalMailFrom, report.original && headerAddress(report.original, 'return-path')],
        verp,
      ),
      ...messageIdRefs([originalId]),
    ]);
    const id = headerText(msg, 'message-id');
    return {
      type: 'feedback',
      classification: InboundClassification.Complaint,
      event: {
        source: FeedbackSource.Arf,
        dedupeKey: dedupeKey([id ? id.trim() : sha256(report.reportText), originalId?.trim() ?? '']),
        kind: FeedbackKind.Complaint,
        refs,
        diagnostic: `Feedback-Type: abuse${report.userAgent ? ` (${report.userAgent})` : ''}`,
      },
      detail: `ARF complaint${report.userAgent ? ` from ${report.userAgent}` : ''}`,
    };
  }

  const auto = autoReplyVerdict(msg, envelope.mailFrom);
  if (auto.autoReply) return { type: 'auto-reply', detail: `automatic reply (${auto.reason})` };

  const bounceLike = looksLikeBounce(msg, envelope.mailFrom);
  const bounce = bounceLike ? parsePlainBounce(msg) : undefined;
  // An empty envelope sender alone is not enough: without a mailer daemon's From or a bounce subject, only
  // an SMTP code in the text makes it a bounce.
  if (bounce && (bounceLike === 'strong' || bounce.coded)) {
    const refs = uniqueRefs([...envelopeRefs, ...textRefs(bounceSearchText(msg), verp)]);
    return {
      type: 'feedback',
      classification:
        bounce.kind === FeedbackKind.HardBounce
          ? InboundClassification.HardBounce
          : InboundClassification.SoftBounce,
      event: {
        source: FeedbackSource.Dsn,
        dedupeKey: dedupeKey([messageKey(msg, raw), bounce.recipient ?? '']),
        kind: bounce.kind,
        refs,
        statusCode: bounce.statusCode,
        diagnostic: bounce.diagnostic,
      },
      detail: bounce.reason,
    };
  }
  return { type: 'other', detail: 'not a report, bounce, complaint or unsubscribe' };
}

function subjectRef(s: BounceSubject): DeliveryReference {
  return s.kind === 'delivery'
    ? { by: 'delivery', deliveryId: s.deliveryId }
    : { by: 'confirmation', subscriberId: s.subscriberId };
}

/** Our signed bounce addresses among these (anything else, forged tokens included, is left out). */
function verpRefs(addresses: (string | undefined)[], verp: VerpAddresses): DeliveryReference[] {
  return addresses.flatMap((a) => {
    const r = a ? verp.parseRecipient(a) : null;
    return r?.kind === 'bounce' ? [subjectRef(r.subject)] : [];
  });
}

/** Message-IDs in our campaign format (FeedbackService checks them against the stored ones). */
function messageIdRefs(ids: (string | undefined)[]): DeliveryReference[] {
  return ids.flatMap((id) => {
    const parsed = id ? parseCampaignMessageId(id) : undefined;
    return parsed ? [{ by: 'message-id' as const, messageId: parsed.messageId }] : [];
  });
}

/** Our VERP addresses and Message-IDs quoted anywhere in a bounce's text (the returned message's headers). */
function textRefs(text: string, verp: VerpAddresses): DeliveryReference[] {
  const addresses = [...text.matchAll(VERP_IN_TEXT)].slice(0, MAX_TEXT_MATCHES).map((m) => trimEnd(m[0]));
  const ids = [...text.matchAll(MESSAGE_ID_IN_TEXT)].slice(0, MAX_TEXT_MATCHES).map((m) => m[0]);
  return [...verpRefs(addresses, verp), ...messageIdRefs(ids)];
}

/** Without the dots and hyphens a sentence or a line left at the end of an address. */
function trimEnd(address: string): string {
  let end = address.length;
  while (end > 0 && (address[end - 1] === '.' || address[end - 1] === '-')) end--;
  return address.slice(0, end);
}

function uniqueRefs(refs: DeliveryReference[]): DeliveryReference[] {
  const seen = new Set<string>();
  return refs.filter((r) => {
    const k = JSON.stringify(r);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/**
 * What identifies the message itself: its Message-ID (a mail system that delivers it again sends the same
 * one), else a hash of its bytes (an identical copy hashes the same).
 */
function messageKey(fields: MailHeaders, raw: Buffer): string {
  const id = headerText(fields, 'message-id')?.trim();
  return id && id.length <= 150 ? id : `sha256:${sha256(raw)}`;
}

/** The parts joined; a hash when that would not fit mail_feedback.dedupe_key. */
export function dedupeKey(parts: string[]): string {
  const joined = parts.join('|');
  return joined.length <= FEEDBACK_MAX_LENGTH.dedupeKey ? joined : `sha256:${sha256(joined)}`;
}

function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}
