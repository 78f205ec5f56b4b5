import { FeedbackKind } from '@app/database';
import { ORIGINAL_PARTS } from './dsn.parser';
import { headerText, type InboundMail, type MailPart, partText } from './mime';

/**
 * Bounces without the RFC 3464 format: Exim's "Mail delivery failed: returning message to sender", qmail's
 * "failure notice", old Postfix/sendmail and Exchange texts, with the original message attached or quoted
 * below a line such as "------ This is a copy of the message, including all the headers. ------".
 *
 * Their kind is read from the SMTP codes in the explanation only (never in the quoted original, which is
 * our own newsletter and may contain any number): an SMTP reply 4xx or a status 4.x.x makes it soft, else a
 * 5xx / 5.x.x hard. Conservative: a 4xx anywhere wins over a 5xx (a server that gave up after 4xx
 * answers is a transient failure), and an explanation with no code at all is soft, so only a permanent code
 * bounces an address at once.
 */

export interface PlainBounce {
  kind: FeedbackKind.HardBounce | FeedbackKind.SoftBounce;
  statusCode?: string;
  /** The explanation's line that carried the deciding code, or its first words. */
  diagnostic?: string;
  /** X-Failed-Recipients (Exim), when given. */
  recipient?: string;
  reason: string;
  /** Whether an SMTP reply code or enhanced status was found in the explanation. */
  coded: boolean;
}

const MAX_EXPLANATION = 64 * 1024;
const MAX_LINE = 1000;
/** An RFC 3463 status inside text; not part of a longer dotted number (an IP address, a version). */
const ENHANCED_IN_TEXT = /(?<![0-9.])([245])\.[0-9]{1,3}\.[0-9]{1,3}(?![0-9]|\.[0-9])/;
/** An SMTP reply code: three digits, followed by a space or the hyphen of a multi-line reply. */
const REPLY_IN_TEXT = /(?<![0-9.])([45][0-5][0-9])(?=[ -])/;

/** A text part kept apart from the body text (an attachment), not HTML and not the returned message. */
function isExplanationPart(p: MailPart): boolean {
  return (
    p.contentType.startsWith('text/') &&
    p.contentType !== 'text/html' &&
    !ORIGINAL_PARTS.includes(p.contentType)
  );
}

/**
 * The human-readable explanation: the message's text (mailparser's inline text/plain parts) and its other
 * text parts but not the returned message, each cut at the quoted copy of the original.
 */
export function bounceExplanation(mail: InboundMail): string {
  const texts = [cutAtQuotedOriginal(mail.text.slice(0, MAX_EXPLANATION))];
  let size = texts[0]!.length;
  for (const p of mail.parts) {
    if (size >= MAX_EXPLANATION) break;
    if (!isExplanationPart(p)) continue;
    const t = cutAtQuotedOriginal(partText(p).slice(0, MAX_EXPLANATION));
    texts.push(t);
    size += t.length;
  }
  return texts.join('\n').slice(0, MAX_EXPLANATION);
}

/** Everything of the message a reference may be found in: its text, HTML and the returned message. */
export function bounceSearchText(mail: InboundMail): string {
  const max = 4 * MAX_EXPLANATION;
  const texts = [mail.text.slice(0, max), mail.html.slice(0, max)];
  for (const p of mail.parts) {
    if (p.contentType.startsWith('text/') || ORIGINAL_PARTS.includes(p.contentType)) {
      texts.push(partText(p).slice(0, max));
    }
  }
  return texts
    .filter((t) => t.length > 0)
    .join('\n')
    .slice(0, max);
}

function cutAtQuotedOriginal(text: string): string {
  let pos = 0;
  while (pos < text.length) {
    let nl = text.indexOf('\n', pos);
    if (nl === -1) nl = text.length;
    const line = text
      .slice(pos, Math.min(nl, pos + MAX_LINE))
      .trim()
      .toLowerCase();
    const marker =
      (line.startsWith('---') &&
        (line.includes('copy of the message') || line.includes('original message'))) ||
      line === 'original message follows.' ||
      line.startsWith('----- original message') ||
      line.startsWith('-----original message');
    if (marker) return text.slice(0, pos);
    pos = nl + 1;
  }
  return text;
}

export function parsePlainBounce(mail: InboundMail): PlainBounce {
  const explanation = bounceExplanation(mail);
  let hard: { code?: string; line: string } | undefined;
  let soft: { code?: string; line: string } | undefined;
  for (const raw of explanation.split('\n')) {
    const line = raw.slice(0, MAX_LINE);
    const enhanced = ENHANCED_IN_TEXT.exec(line);
    const reply = REPLY_IN_TEXT.exec(line);
    const classes = [enhanced?.[1], reply?.[1]?.[0]];
    const entry = { code: enhanced ? enhanced[0] : undefined, line: line.trim().slice(0, 300) };
    if (classes.includes('4') && !soft) soft = entry;
    if (classes.includes('5') && !hard) hard = entry;
    if (soft) break;
  }
  const failed = headerText(mail, 'x-failed-recipients')?.split(',')[0]?.trim();
  const recipient = failed && failed.length <= 320 ? failed : undefined;
  if (soft) {
    return {
      kind: FeedbackKind.SoftBounce,
      statusCode: soft.code,
      diagnostic: soft.line,
      recipient,
      reason: 'non-standard bounce, 4xx code',
      coded: true,
    };
  }
  if (hard) {
    return {
      kind: FeedbackKind.HardBounce,
      statusCode: hard.code,
      diagnostic: hard.line,
      recipient,
      reason: 'non-standard bounce, 5xx code',
      coded: true,
    };
  }
  const words = explanation.replace(/\s+/g, ' ').trim().slice(0, 200);
  return {
    kind: FeedbackKind.SoftBounce,
    diagnostic: words || undefined,
    recipient,
    reason: 'non-standard bounce without an SMTP code: soft',
    coded: false,
  };
}
