import { randomBytes } from 'node:crypto';

export interface DsnOptions {
  /** The address the DSN is sent to (our VERP address). */
  to: string;
  /** The recipient that failed. */
  failedRecipient?: string;
  /** RFC 3464 Action and Status. */
  action?: 'failed' | 'delayed' | 'delivered' | 'relayed' | 'expanded';
  status?: string;
  diagnostic?: string;
  /** The DSN's own Message-ID (default: a random one); tests find stored messages by it. */
  messageId?: string;
  /** Message-ID of the message that bounced (ours: `<c1.d2.nonce@domain>`). */
  originalMessageId?: string;
  reportingMta?: string;
}

/**
 * A delivery status notification as RFC 3464 shapes it (multipart/report; report-type=delivery-status: a
 * human-readable part, the message/delivery-status fields, the returned headers), from a Postfix-like MTA.
 */
export function buildDsn(o: DsnOptions): string {
  const boundary = `dsn-${randomBytes(6).toString('hex')}`;
  const mta = o.reportingMta ?? 'mx.remote.example';
  const rcpt = o.failedRecipient ?? 'reader@remote.example';
  const action = o.action ?? 'failed';
  const status = o.status ?? '5.1.1';
  const diagnostic =
    o.diagnostic ?? `smtp; 550 ${status} <${rcpt}>: Recipient address rejected: User unknown`;
  const messageId = o.messageId ?? `<${randomBytes(8).toString('hex')}@${mta}>`;
  const original = o.originalMessageId ?? `<c1.d1.${randomBytes(4).toString('hex')}@example.test>`;
  return [
    `Return-Path: <>`,
    `From: MAILER-DAEMON@${mta} (Mail Delivery System)`,
    `To: ${o.to}`,
    `Subject: Undelivered Mail Returned to Sender`,
    `Date: ${new Date().toUTCString()}`,
    `Message-ID: ${messageId}`,
    `Auto-Submitted: auto-replied`,
    `MIME-Version: 1.0`,
    `Content-Type: multipart/report; report-type=delivery-status; boundary="${boundary}"`,
    ``,
    `This is a MIME-encapsulated message.`,
    ``,
    `--${boundary}`,
    `Content-Type: text/plain; charset=us-ascii`,
    ``,
    `I'm sorry to have to inform you that your message could not be delivered to one or more recipients.`,
    ``,
    `<${rcpt}>: host ${mta} said: ${diagnostic.replace(/^smtp; /, '')}`,
    ``,
    `--${boundary}`,
    `Content-Type: message/delivery-status`,
    ``,
    `Reporting-MTA: dns; ${mta}`,
    `Arrival-Date: ${new Date().toUTCString()}`,
    ``,
    `Final-Recipient: rfc822; ${rcpt}`,
    `Original-Recipient: rfc822; ${rcpt}`,
    `Action: ${action}`,
    `Status: ${status}`,
    `Remote-MTA: dns; ${mta}`,
    `Diagnostic-Code: ${diagnostic}`,
    ``,
    `--${boundary}`,
    `Content-Type: text/rfc822-headers`,
    ``,
    `Return-Path: <${o.to}>`,
    `From: CRANK Call <crank@example.test>`,
    `To: ${rcpt}`,
    `Subject: CRANK Call, April 2025`,
    `Message-ID: ${original}`,
    ``,
    `--${boundary}--`,
    ``,
  ].join('\r\n');
}
