import { headerAddress, headerText, type MailHeaders } from './mime';

/**
 * Automatic responses (RFC 3834 and what mail programs really send): out-of-office and vacation notices,
 * autoresponders. They are recorded and never taken for a bounce, even though they come back to the
 * envelope sender and often quote the message (our Message-ID, even SMTP-looking numbers).
 *
 * The signals: `Auto-Submitted` other than `no` (RFC 3834), `X-Autoreply`, `X-Autorespond`,
 * `X-Auto-Response` (older Exchange), `Precedence: auto_reply` (and `bulk`/`junk`, which responders also
 * use), and subjects such as "Out of Office", "Automatic reply", "Auto:", "Abwesenheitsnotiz".
 *
 * Mail delivery software marks its bounces `Auto-Submitted: auto-replied` too (Exim does, and RFC 3464
 * DSNs should). So `Auto-Submitted` and `Precedence` alone do not make an auto-reply of a message that
 * clearly looks like a bounce (From MAILER-DAEMON/postmaster, or a bounce subject): those go on to the bounce
 * heuristics. A proper multipart/report DSN is recognised before any of this.
 */

export interface AutoReplyVerdict {
  autoReply: boolean;
  /** The signal that decided it. */
  reason?: string;
}

/** Subjects of automatic replies, lowercase prefixes (after an optional "Re:"/"AW:"). */
const OOO_PREFIXES = [
  'out of office',
  'out of the office',
  'automatic reply',
  'auto reply',
  'auto-reply',
  'autoreply',
  'auto:',
  'autosvar',
  'automatische antwort',
  'abwesenheitsnotiz',
  'réponse automatique',
  'reponse automatique',
  'respuesta automática',
  'respuesta automatica',
  'risposta automatica',
  'resposta automática',
  'automatisch antwoord',
  'afwezig',
  'vacation',
  'on vacation',
  'away from',
  'i am out of',
  "i'm out of",
];

/** Subjects of bounces sent without the RFC 3464 format (Exim, qmail, Postfix without DSN, Exchange). */
const BOUNCE_SUBJECTS = [
  'mail delivery failed',
  'undelivered mail',
  'undeliverable',
  'delivery status notification',
  'delivery failure',
  'failure notice',
  'returned mail',
  'mail delivery system',
  'delivery has failed',
  'warning: message',
  'delayed mail',
  'delivery delayed',
  'mail could not be delivered',
  'nondeliverable',
  'non-delivery',
];

const DAEMONS = ['mailer-daemon', 'postmaster', 'mail-daemon', 'mailerdaemon'];

/** The Subject, its encoded words decoded (by mailparser). */
export function decodedSubject(fields: MailHeaders): string {
  return (headerText(fields, 'subject') ?? '').trim().slice(0, 500);
}

/**
 * Whether the message looks like mail delivery software's: `strong` when its From is a mailer daemon or
 * postmaster or its subject is a bounce subject; `weak` when it only came with an empty envelope sender and
 * does not look like a reply (the caller then wants an SMTP code in it too); false otherwise.
 */
export function looksLikeBounce(fields: MailHeaders, envelopeFrom: string): 'strong' | 'weak' | false {
  const from = (headerAddress(fields, 'from') ?? headerText(fields, 'from') ?? '').toLowerCase();
  const local = from.slice(0, Math.max(0, from.indexOf('@'))) || from;
  if (DAEMONS.some((d) => local === d || local.startsWith(`${d}+`))) return 'strong';
  const subject = decodedSubject(fields).toLowerCase();
  if (BOUNCE_SUBJECTS.some((s) => subject.includes(s))) return 'strong';
  const reply = subject.startsWith('re:') || OOO_PREFIXES.some((p) => subject.includes(p));
  return envelopeFrom.trim() === '' && !reply ? 'weak' : false;
}

export function autoReplyVerdict(fields: MailHeaders, envelopeFrom: string): AutoReplyVerdict {
  for (const name of ['x-autoreply', 'x-autorespond', 'x-auto-response']) {
    const v = headerText(fields, name);
    if (v !== undefined && v.trim().toLowerCase() !== 'no')
      return { autoReply: true, reason: `${name}: ${v.slice(0, 40)}` };
  }
  const subject = decodedSubject(fields).toLowerCase();
  const bare = stripReplyPrefix(subject);
  const ooo = OOO_PREFIXES.find((p) => bare.startsWith(p));
  if (ooo) return { autoReply: true, reason: `subject "${subject.slice(0, 80)}"` };
  const precedence = headerText(fields, 'precedence')?.trim().toLowerCase();
  if (precedence === 'auto_reply') return { autoReply: true, reason: 'Precedence: auto_reply' };
  const auto = headerText(fields, 'auto-submitted')
    ?.trim()
    .toLowerCase()
    .split(/[\s;(]/)[0];
  const weak = (auto && auto !== 'no') || precedence === 'bulk' || precedence === 'junk';
  if (weak && looksLikeBounce(fields, envelopeFrom) !== 'strong') {
    return {
      autoReply: true,
      reason: auto && auto !== 'no' ? `Auto-Submitted: ${auto.slice(0, 40)}` : `Precedence: ${precedence}`,
    };
  }
  return { autoReply: false };
}

/** "Re: AW: Fwd: subject" → "subject" (at most five prefixes). */
function stripReplyPrefix(subject: string): string {
  let s = subject.trim();
  for (let i = 0; i < 5; i++) {
    const colon = s.indexOf(':');
    if (colon < 1 || colon > 4) break;
    const p = s.slice(0, colon);
    if (!['re', 'aw', 'sv', 'fw', 'fwd', 'wg', 'tr', 'rif', 'antw'].includes(p)) break;
    s = s.slice(colon + 1).trim();
  }
  return s;
}
