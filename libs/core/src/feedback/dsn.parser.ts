import { FeedbackKind } from '@app/database';
import {
  headerText,
  type InboundMail,
  isReport,
  type MailHeaders,
  MIME_LIMITS,
  partText,
  readHeaders,
} from './mime';

/**
 * Delivery status notifications, RFC 3464: a `multipart/report; report-type=delivery-status` whose second
 * part, `message/delivery-status` (or RFC 6533's `message/global-delivery-status`), holds one group of
 * per-message fields and then one group per recipient, separated by empty lines; the third part, if any,
 * is the returned message (`message/rfc822`) or only its headers (`text/rfc822-headers`).
 */

export interface DsnRecipient {
  finalRecipient?: string;
  action: string;
  status?: string;
  diagnostic?: string;
}

export interface DsnReport {
  reportingMta?: string;
  recipients: DsnRecipient[];
  /** The returned message's header fields (Return-Path, Message-ID, ...), when it came back. */
  original?: MailHeaders;
  /** The delivery-status part's text: what a DSN without a Message-ID is known by. */
  statusText: string;
}

/** What a DSN means for us: the recipient it is about and the kind of bounce, or none (delivered, relayed). */
export interface DsnVerdict {
  kind: FeedbackKind.HardBounce | FeedbackKind.SoftBounce | undefined;
  recipient?: DsnRecipient;
  /** Why, in words, for the inbound message's detail. */
  reason: string;
}

const STATUS_PARTS = ['message/delivery-status', 'message/global-delivery-status'];
export const ORIGINAL_PARTS = [
  'message/rfc822',
  'text/rfc822-headers',
  'message/global',
  'message/global-headers',
  'message/rfc822-headers',
];

/** RFC 3463 enhanced status code: class 2, 4 or 5, subject and detail of at most three digits. */
const ENHANCED = /^([245])\.([0-9]{1,3})\.([0-9]{1,3})$/;
/** An SMTP reply code in a Diagnostic-Code (`smtp; 550 5.1.1 ...`). */
const SMTP_REPLY = /(?<![0-9])([245])[0-9]{2}(?![0-9])/;

export const DSN_PARTS: readonly string[] = STATUS_PARTS;

export function isDeliveryStatusReport(mail: InboundMail): boolean {
  return isReport(mail, 'delivery-status');
}

/** The report's parts read; undefined when it has no delivery-status part (a cut or malformed report). */
export async function parseDsn(mail: InboundMail): Promise<DsnReport | undefined> {
  const statusPart = mail.parts.find((p) => STATUS_PARTS.includes(p.contentType));
  if (!statusPart) return undefined;
  const statusText = partText(statusPart);
  const groups = splitGroups(statusText).slice(0, MIME_LIMITS.groups);
  if (groups.length === 0) return undefined;
  // Each group is a header section: mailparser unfolds it.
  const [perMessage, ...perRecipient] = await Promise.all(groups.map((g) => readHeaders(g)));
  const recipients: DsnRecipient[] = [];
  for (const fields of perRecipient) {
    const action = headerText(fields, 'action');
    if (!action) continue;
    recipients.push({
      action: action.toLowerCase().split(/[\s;(]/)[0]!,
      finalRecipient: addressOf(
        headerText(fields, 'final-recipient') ?? headerText(fields, 'original-recipient'),
      ),
      status: statusCode(headerText(fields, 'status')),
      diagnostic: headerText(fields, 'diagnostic-code')?.slice(0, 500),
    });
  }
  return {
    reportingMta: headerText(perMessage!, 'reporting-mta'),
    recipients,
    original: await originalHeaders(mail),
    statusText,
  };
}

/** The header fields of the returned message (or of its returned headers), when it came back. */
export async function originalHeaders(mail: InboundMail): Promise<MailHeaders | undefined> {
  const part = mail.parts.find((p) => ORIGINAL_PARTS.includes(p.contentType));
  if (!part) return undefined;
  try {
    return await readHeaders(part.content);
  } catch {
    // Only a way to find references: a returned message mailparser refuses leaves the report as it is.
    return undefined;
  }
}

/**
 * RFC 3464 actions: `failed` with a 5.x.x status is a hard bounce, with 4.x.x a soft one; `delayed` is soft
 * (the server still tries: a warning, but the address is in trouble); `delivered`, `relayed` and `expanded`
 * are no bounce. A `failed` without a usable Status is read from the Diagnostic-Code's SMTP reply (5xx hard,
 * 4xx soft), else taken as soft: only a permanent code makes an address bounced at once. Several recipients
 * (a DSN may report more than one): the most serious one is the verdict.
 */
export function dsnVerdict(report: DsnReport): DsnVerdict {
  let best: DsnVerdict = { kind: undefined, reason: 'the report names no recipient' };
  const rank = (k: DsnVerdict['kind']) =>
    k === FeedbackKind.HardBounce ? 2 : k === FeedbackKind.SoftBounce ? 1 : 0;
  for (const r of report.recipients) {
    const v = recipientVerdict(r);
    if (best.recipient === undefined || rank(v.kind) > rank(best.kind)) best = v;
  }
  return best;
}

function recipientVerdict(r: DsnRecipient): DsnVerdict {
  const cls = r.status?.[0] ?? smtpClass(r.diagnostic);
  const said = `Action: ${r.action}${r.status ? `, Status: ${r.status}` : ''}`;
  if (r.action === 'failed') {
    if (cls === '5')
      return { kind: FeedbackKind.HardBounce, recipient: r, reason: `${said}: permanent failure` };
    return { kind: FeedbackKind.SoftBounce, recipient: r, reason: `${said}: transient failure` };
  }
  if (r.action === 'delayed')
    return { kind: FeedbackKind.SoftBounce, recipient: r, reason: `${said}: delayed` };
  return { kind: undefined, recipient: r, reason: `${said}: not a bounce` };
}

function smtpClass(diagnostic: string | undefined): string | undefined {
  return diagnostic ? SMTP_REPLY.exec(diagnostic.slice(0, 500))?.[1] : undefined;
}

/** `5.1.1 (user unknown)` → `5.1.1`; anything else → undefined. */
function statusCode(value: string | undefined): string | undefined {
  const first = value?.trim().split(/[\s(;]/)[0] ?? '';
  return ENHANCED.test(first) ? first : undefined;
}

/** `rfc822; reader@example.net` → `reader@example.net`. */
function addressOf(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const semi = value.indexOf(';');
  const addr = (semi === -1 ? value : value.slice(semi + 1)).trim().replace(/^<|>$/g, '');
  return addr.length > 0 && addr.length <= 320 ? addr : undefined;
}

/** Groups of fields separated by empty lines (lines of only whitespace count as empty). */
function splitGroups(text: string): string[] {
  const groups: string[] = [];
  let cur: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() === '') {
      if (cur.length) groups.push(cur.join('\n'));
      cur = [];
    } else {
      cur.push(line.slice(0, 2000));
    }
  }
  if (cur.length) groups.push(cur.join('\n'));
  return groups;
}
