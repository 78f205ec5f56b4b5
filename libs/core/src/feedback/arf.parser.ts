import { originalHeaders } from './dsn.parser';
import {
  addressIn,
  headerText,
  type InboundMail,
  isReport,
  type MailHeaders,
  partText,
  readHeaders,
} from './mime';

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
  original?: MailHeaders;
  /** The feedback-report part's text: what a report without a Message-ID is known by. */
  reportText: string;
}

export const ARF_PARTS: readonly string[] = ['message/feedback-report'];

export function isFeedbackReport(mail: InboundMail): boolean {
  return isReport(mail, 'feedback-report');
}

/** The report read; undefined when it has no message/feedback-report part or no Feedback-Type. */
export async function parseArf(mail: InboundMail): Promise<ArfReport | undefined> {
  const reportPart = mail.parts.find((p) => ARF_PARTS.includes(p.contentType));
  if (!reportPart) return undefined;
  const reportText = partText(reportPart);
  // One block of fields, a header section to mailparser (RFC 5965 section 3.1).
  const fields = await readHeaders(reportText);
  const feedbackType = headerText(fields, 'feedback-type')?.toLowerCase().split(/[\s;]/)[0];
  if (!feedbackType) return undefined;
  return {
    feedbackType,
    userAgent: headerText(fields, 'user-agent')?.slice(0, 200),
    originalMailFrom: addressIn(headerText(fields, 'original-mail-from')),
    originalRcptTo: headerText(fields, 'original-rcpt-to'),
    original: await originalHeaders(mail),
    reportText,
  };
}
