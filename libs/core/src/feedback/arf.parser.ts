import { ORIGINAL_PARTS } from './dsn.parser';
import { embeddedFields, field, leaves, type MimeField, type MimePart, parseFields, partText } from './mime';

/**
 * Feedback-loop reports, RFC 5965 (ARF): a `multipart/report; report-type=feedback-report` of a human
 * part, a `message/feedback-report` part (Feedback-Type, User-Agent, Version, Original-Mail-From,
 * Original-Rcpt-To, Arrival-Date, ...) and the reported message (`message/rfc822`) or its headers
 * (`text/rfc822-headers`). Yahoo and Microsoft (JMRP) send these to the address registered with them.
 */

export interface ArfReport {
  /** Lowercase: abuse, fraud, virus, other, not-spam, auth-failure. Only `abuse` is a complaint. */
  feedbackType: string;
  userAgent?: string;
  /** The envelope sender of the reported message: our VERP address when it was a campaign message. */
  originalMailFrom?: string;
  originalRcptTo?: string;
  /** The reported message's header fields (Return-Path, Message-ID, ...). */
  original?: MimeField[];
  /** The feedback-report part's text: what a report without a Message-ID is known by. */
  reportText: string;
}

export function isFeedbackReport(msg: MimePart): boolean {
  return (
    msg.contentType === 'multipart/report' &&
    (msg.params['report-type'] ?? '').toLowerCase() === 'feedback-report'
  );
}

/** The report read; undefined when it has no message/feedback-report part or no Feedback-Type. */
export function parseArf(msg: MimePart): ArfReport | undefined {
  const all = leaves(msg);
  const reportPart = all.find((p) => p.contentType === 'message/feedback-report');
  if (!reportPart) return undefined;
  const reportText = partText(reportPart);
  const fields = parseFields(reportText).fields;
  const feedbackType = field(fields, 'feedback-type')?.toLowerCase().split(/[\s;]/)[0];
  if (!feedbackType) return undefined;
  const originalPart = all.find((p) => ORIGINAL_PARTS.includes(p.contentType));
  return {
    feedbackType,
    userAgent: field(fields, 'user-agent')?.slice(0, 200),
    originalMailFrom: field(fields, 'original-mail-from'),
    originalRcptTo: field(fields, 'original-rcpt-to'),
    original: originalPart ? embeddedFields(originalPart) : undefined,
    reportText,
  };
}
