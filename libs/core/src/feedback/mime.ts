import type * as Mailparser from 'mailparser';
import type { Headers, HeaderLines, SimpleParserOptions } from 'mailparser';

/**
 * mailparser is loaded on first use: only the inbound server and the feedback webhooks read mail, and with
 * its charset tables it is about 19 MB of resident memory in every other process (campaign workers included).
 */
let mailparserModule: typeof Mailparser | undefined;
function mailparser(): typeof Mailparser {
  // A synchronous require, because headerAddress (synchronous) needs it too.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (mailparserModule ??= require('mailparser') as typeof Mailparser);
}

/**
 * Inbound mail read with mailparser, set up for reports rather than for display: with
 * `keepDeliveryStatus` and `ignoreEmbedded` a multipart/report keeps its structure (the
 * message/delivery-status, message/feedback-report, text/rfc822-headers and message/rfc822 parts come back
 * as parts with their decoded content), and nothing is done that only a mail client needs (no HTML to text,
 * no links, no checksums).
 *
 * What stays hand-written is what mailparser leaves as bytes: the field groups inside a
 * message/delivery-status part (RFC 3464: groups separated by empty lines, each group then read by
 * mailparser as a header section), and whether a multipart was cut short (mailparser ends such a message
 * quietly).
 *
 * Costs stay bounded: the inbound server caps a message (2 MB by default), mailparser refuses a header
 * section over its 1 MB bound (each line counted at 64 bytes at least) and is given a cap on the number of
 * parts, and text is cut at MIME_LIMITS.textChars before any regular expression sees it.
 * A message mailparser cannot read, or one without a header section, throws MimeError (the caller records
 * it `unparsed`).
 */

export class MimeError extends Error {}

export const MIME_LIMITS = {
  /** Characters of a field value kept. */
  fieldChars: 4000,
  /** MIME parts in one message (a report has three or four; the cap keeps a flood of delimiters cheap). */
  parts: 100,
  /** Characters taken from a part, or from the message's text, before any regex. */
  textChars: 256 * 1024,
  /** Bytes of a returned message read for its header fields. */
  originalBytes: 64 * 1024,
  /** Field groups read from one delivery-status part (the per-message one and 50 recipients). */
  groups: 51,
} as const;

/** A header section as mailparser gives it: values by lowercase name, and the lines as they came. */
export interface MailHeaders {
  headers: Headers;
  headerLines: HeaderLines;
}

/** A part mailparser keeps as an attachment: every part of a report other than its inline text. */
export interface MailPart {
  /** Lowercase `type/subtype`. */
  contentType: string;
  /** IMAP part number (`2`, `3.1`); null when the message is not a multipart. */
  partId: string | null;
  /** Transfer encoding undone. */
  content: Buffer;
  charset?: string;
}

export interface InboundMail extends MailHeaders {
  /** Lowercase `type/subtype` of the message. */
  contentType: string;
  /** Its Content-Type parameters. */
  params: Record<string, string>;
  /** The inline text/plain parts, decoded and joined, at most MIME_LIMITS.textChars. */
  text: string;
  /** The text/html parts, at most MIME_LIMITS.textChars; empty when there is none. */
  html: string;
  parts: MailPart[];
  /** A multipart whose closing delimiter came (always true for a message that is not a multipart). */
  complete: boolean;
}

const OPTIONS: SimpleParserOptions = {
  keepDeliveryStatus: true,
  ignoreEmbedded: true,
  skipHtmlToText: true,
  skipTextToHtml: true,
  skipTextLinks: true,
  skipImageLinks: true,
  keepCidLinks: true,
  checksumAlgo: false,
  maxChildNodes: MIME_LIMITS.parts,
};

/**
 * Reads a whole message. Throws MimeError when mailparser fails or the message has no header section a mail
 * system could have written (binary garbage, a body without headers).
 */
export async function readMail(raw: Buffer): Promise<InboundMail> {
  const parsed = await parse(raw);
  checkHeaderSection(parsed.headerLines);
  const ct = structured(parsed.headers.get('content-type'));
  const contentType = ct?.value.toLowerCase() || 'text/plain';
  const params = ct?.params ?? {};
  return {
    headers: parsed.headers,
    headerLines: parsed.headerLines,
    contentType,
    params,
    text: (parsed.text ?? '').slice(0, MIME_LIMITS.textChars),
    html: typeof parsed.html === 'string' ? parsed.html.slice(0, MIME_LIMITS.textChars) : '',
    parts: parsed.attachments.map((a) => ({
      contentType: a.contentType.toLowerCase(),
      partId: a.partId,
      content: a.content,
      charset: structured(a.headers.get('content-type'))?.params.charset,
    })),
    complete: !contentType.startsWith('multipart/') || hasClosingDelimiter(raw, params.boundary),
  };
}

/** The header fields of a header block (a returned message, its headers, a field group of a report). */
export async function readHeaders(block: Buffer | string): Promise<MailHeaders> {
  const bytes = typeof block === 'string' ? Buffer.from(block, 'utf8') : block;
  const parsed = await parse(bytes.subarray(0, MIME_LIMITS.originalBytes));
  return { headers: parsed.headers, headerLines: parsed.headerLines };
}

async function parse(raw: Buffer) {
  try {
    return await mailparser().simpleParser(raw, OPTIONS);
  } catch (err) {
    throw new MimeError(`mailparser could not read it: ${String((err as Error)?.message ?? err)}`);
  }
}

/**
 * mailparser reads anything as a message; lines that are neither a field nor a continuation come back with
 * an empty key. A first line like that, or more such lines than fields, is no mail header.
 */
function checkHeaderSection(lines: HeaderLines): void {
  const fields = lines.filter((l) => isFieldName(l.key)).length;
  const bad = lines.length - fields;
  if (fields === 0) throw new MimeError('no header section: not an RFC 5322 message');
  if (!isFieldName(lines[0]!.key) || bad > fields) {
    throw new MimeError(`the header section is malformed (${bad} lines are not header fields)`);
  }
}

/** RFC 5322 field name: printable US-ASCII except colon, at most 76 characters here. */
function isFieldName(name: string): boolean {
  if (name.length === 0 || name.length > 76) return false;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c < 33 || c > 126 || c === 58) return false;
  }
  return true;
}

/**
 * Whether the multipart's closing delimiter `--boundary--` starts a line: a message cut short in transit
 * lacks it, and mailparser ends such a message without saying so. It is the last delimiter of the message,
 * so it is looked for from the end (a few tries, for a quoted one in an epilogue).
 */
function hasClosingDelimiter(raw: Buffer, boundary: string | undefined): boolean {
  if (!boundary) return false;
  const close = Buffer.from(`--${boundary}--`, 'utf8');
  let from = raw.length;
  for (let tries = 0; tries < 10 && from >= 0; tries++) {
    const at = raw.lastIndexOf(close, from);
    if (at === -1) return false;
    if (at === 0 || raw[at - 1] === 0x0a) return true;
    from = at - 1;
  }
  return false;
}

type HeaderValue = Headers extends Map<string, infer V> ? V : never;

function structured(
  v: HeaderValue | undefined,
): { value: string; params: Record<string, string> } | undefined {
  const first = Array.isArray(v) ? v[0] : v;
  if (!first || typeof first !== 'object' || first instanceof Date || !('params' in first)) return undefined;
  const { value, params } = first;
  return typeof value === 'string' && params && typeof params === 'object'
    ? { value, params: params as Record<string, string> }
    : undefined;
}

/** A field's first value as text (unfolded; the Subject's encoded words decoded), or undefined. */
export function headerText(h: MailHeaders, name: string): string | undefined {
  const v = h.headers.get(name.toLowerCase());
  const first = Array.isArray(v) ? v[0] : v;
  if (first === undefined) return undefined;
  let text: string | undefined;
  if (typeof first === 'string') text = first;
  else if (first instanceof Date) text = first.toISOString();
  else if ('text' in first && typeof first.text === 'string') text = first.text;
  else if ('params' in first && typeof first.value === 'string') text = first.value;
  return text?.slice(0, MIME_LIMITS.fieldChars);
}

/**
 * The first address of a field (From, Return-Path, Original-Mail-From...), read from the line as it came:
 * the domain is left as written (a punycode domain stays ASCII, as in our VERP addresses). Undefined when
 * the field has none (`Return-Path: <>`).
 */
export function headerAddress(h: MailHeaders, name: string): string | undefined {
  const n = name.toLowerCase();
  const line = h.headerLines.find((l) => l.key === n)?.line;
  if (line === undefined) return undefined;
  const value = line.slice(line.indexOf(':') + 1, line.indexOf(':') + 1 + MIME_LIMITS.fieldChars);
  return addressIn(value);
}

/** The first `local@domain` in an address list value (`<a@b>`, `Name <a@b>`, `a@b (comment)`). */
export function addressIn(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const parsed = mailparser().parseAddressHeader(value.slice(0, MIME_LIMITS.fieldChars), {
    flatten: true,
    decodePunycode: false,
  });
  const addr = parsed.value.find((a) => a.address?.includes('@'))?.address;
  return addr && addr.length <= 320 ? addr : undefined;
}

/** A part's text: decoded with its charset (UTF-8 when unknown or unsupported), capped before any regex. */
export function partText(part: MailPart): string {
  const bytes = part.content.subarray(0, MIME_LIMITS.textChars * 4);
  let text: string;
  try {
    text = new TextDecoder((part.charset ?? 'utf-8').trim().toLowerCase()).decode(bytes);
  } catch {
    text = bytes.toString('utf8');
  }
  return text.slice(0, MIME_LIMITS.textChars);
}

/** Whether the message is a `multipart/report` of this report type. */
export function isReport(mail: InboundMail, reportType: string): boolean {
  return (
    mail.contentType === 'multipart/report' && (mail.params['report-type'] ?? '').toLowerCase() === reportType
  );
}

/**
 * Whether a message cut short (no closing delimiter) still has its part of one of these types whole: another
 * top-level part came after it, so the cut is later (in the returned message, which serves only to find
 * our references).
 */
export function partCompleteIn(mail: InboundMail, types: readonly string[]): boolean {
  if (mail.complete) return true;
  const top = (p: MailPart) => Number.parseInt((p.partId ?? '0').split('.')[0]!, 10);
  const part = mail.parts.find((p) => types.includes(p.contentType));
  return part !== undefined && mail.parts.some((p) => top(p) > top(part));
}
