import { createHash, randomBytes, randomUUID, type Hash } from 'crypto';
import { type BodyCanonicalization, dkimBodyHash, endsCanonically, relaxBodyLines } from './dkim-canon';
import { LINK_PLACEHOLDER_PREFIX, linkPlaceholder } from './tracked-links';
import {
  PLACEHOLDERS,
  assertSafeValue,
  escapeHtml,
  splitPlaceholders,
  type PlaceholderKey,
  type PlaceholderValues,
  type SpliceContext,
} from './placeholders';

/**
 * Pure MIME assembly for bulk sending: build a multipart/alternative message ONCE, then splice each
 * recipient's values in and hand nodemailer a prebuilt `raw` message.
 *
 * Why it is safe to splice: both bodies are quoted-printable. Each static segment between two placeholders
 * is encoded once at compile time, starting on a fresh line; each placeholder position is fenced by soft
 * line breaks ("=\r\n"), and the value is QP-encoded on its own line(s) at render time. So a token can never
 * be split by a fold or encoded differently per recipient, and every line stays CRLF and <= 76 octets.
 * Headers are built per recipient from validated values: CR/LF can never reach a header.
 */

export interface MailAddress {
  name?: string;
  address: string;
}
/** A bare address ("a@b.org") or an address with a display name. */
export type AddressInput = string | MailAddress;

export interface MimeTemplateOptions {
  from: AddressInput;
  /** Editor input: CR/LF and control characters are replaced by spaces; RFC 2047-encoded if not ASCII. */
  subject: string;
  html: string;
  text: string;
  /**
   * Extra headers, e.g. { 'List-Id': 'CRANK Call <crank-call.cftni.org>' }. A value may contain placeholder
   * tokens (filled per recipient). Names must be plain header names; values must not contain CR or LF.
   */
  headers?: Record<string, string>;
  replyTo?: AddressInput;
  /**
   * Adds "List-Unsubscribe: <url>" per recipient (url = values.listUnsubscribeUrl ?? values.unsubscribeUrl)
   * and, with oneClick (default true), "List-Unsubscribe-Post: List-Unsubscribe=One-Click" (RFC 8058).
   * Default: on.
   */
  listUnsubscribe?: boolean | { mailto?: string; oneClick?: boolean };
  /** Domain of generated Message-IDs; defaults to the From address's domain. */
  messageIdDomain?: string;
  /** How many tracked-link placeholders (`%%LINK_0%%` …) the bodies hold (withTrackedLinks); default 0. */
  linkCount?: number;
}

/** One recipient's values. */
export interface MimeRenderValues extends PlaceholderValues {
  to: AddressInput;
  /** "<id@domain>" or "id@domain"; generated when omitted. */
  messageId?: string;
  /** Defaults to now. */
  date?: Date;
  /** URL for the List-Unsubscribe header; defaults to unsubscribeUrl. */
  listUnsubscribeUrl?: string;
  /**
   * This recipient's List-Unsubscribe mailto (e.g. "unsubscribe+token@bounces.example.org?subject=unsubscribe"),
   * in place of the template's; checked like it.
   */
  listUnsubscribeMailto?: string;
  /**
   * Headers of this recipient only (e.g. X-Newsletter-Delivery), after the template's; plain ASCII values,
   * names not among the ones the template sets.
   */
  extraHeaders?: Readonly<Record<string, string>>;
  /** This recipient's URL for each tracked link, by index (required when the template has linkCount > 0). */
  links?: readonly string[];
}

export interface MimeTemplate {
  readonly boundary: string;
  /** Placeholders that occur in the bodies or headers; render() needs a value for each. */
  readonly placeholders: readonly PlaceholderKey[];
  /** Bytes of the message that are the same for every recipient. */
  readonly staticBytes: number;
  /** The complete raw message (RFC 5322, CRLF line ends) for one recipient. */
  render(values: MimeRenderValues): Buffer;
  /**
   * The message and its DKIM body hash (bh=, SHA-256 of the canonical body). The body shared by every reader up
   * to the first personalised value is canonicalized and hashed once per template; each recipient continues a
   * copy of that hash state over the rest (static pieces canonicalized once too), so the per-message cost of
   * the body hash is hashing the remainder, never canonicalizing it byte by byte.
   */
  renderWithBodyHash(
    values: MimeRenderValues,
    canon: BodyCanonicalization,
  ): { raw: Buffer; bodyHash: string };
}

const CRLF = '\r\n';
const RESERVED = new Set([
  'from',
  'to',
  'cc',
  'bcc',
  'subject',
  'date',
  'message-id',
  'mime-version',
  'content-type',
  'content-transfer-encoding',
  'list-unsubscribe',
  'list-unsubscribe-post',
  'reply-to',
]);

// ---- Quoted-printable ----------------------------------------------------------------------------------

const HEX: string[] = Array.from(
  { length: 256 },
  (_, b) => `=${b.toString(16).toUpperCase().padStart(2, '0')}`,
);
const MAX_QP_LINE = 75; // + "=" soft break = 76

/**
 * Quoted-printable (RFC 2045) of a UTF-8 string. Line breaks become CRLF hard breaks; lines are soft-wrapped
 * at 76 octets without splitting an =XX triplet or a multi-byte character; whitespace before a line end and
 * a leading "." are encoded. The output is pure ASCII.
 */
export function qpEncode(input: string): string {
  if (SHORT_ASCII_RE.test(input)) return qpEncodeAscii(input);
  const buf = Buffer.from(input.replace(/\r\n|\r|\n/g, CRLF), 'utf8');
  const n = buf.length;
  let out = '';
  let lineLen = 0;
  for (let i = 0; i < n; i++) {
    const b = buf[i]!;
    if (b === 0x0d && buf[i + 1] === 0x0a) {
      out += CRLF;
      lineLen = 0;
      i++;
      continue;
    }
    let chunk: string;
    if (b >= 0xc0) {
      const len = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : 2;
      chunk = HEX[b]!;
      for (let k = 1; k < len && i + 1 < n && (buf[i + 1]! & 0xc0) === 0x80; k++) chunk += HEX[buf[++i]!]!;
    } else if (b === 0x20 || b === 0x09) {
      const atEnd = i + 1 === n || (buf[i + 1] === 0x0d && buf[i + 2] === 0x0a);
      chunk = atEnd ? HEX[b]! : String.fromCharCode(b);
    } else if (b === 0x3d || b < 0x20 || b > 0x7e) {
      chunk = HEX[b]!;
    } else {
      chunk = String.fromCharCode(b);
    }
    if (lineLen + chunk.length > MAX_QP_LINE) {
      out += `=${CRLF}`;
      lineLen = 0;
    }
    if (lineLen === 0 && chunk === '.') chunk = '=2E';
    out += chunk;
    lineLen += chunk.length;
  }
  return out;
}

const SHORT_ASCII_RE = /^[\x20-\x7e]{0,2000}$/;

/** Fast path for per-recipient values (URLs): printable ASCII only, so no Buffer round trip. */
function qpEncodeAscii(s: string): string {
  let out = '';
  let lineLen = 0;
  let start = 0; // start of the pending run of literal characters
  const n = s.length;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    const literal = c !== 0x3d && !(c === 0x20 && i + 1 === n) && !(c === 0x2e && lineLen === 0);
    const width = literal ? 1 : 3;
    if (lineLen + width > MAX_QP_LINE) {
      out += `${s.slice(start, i)}=${CRLF}`;
      start = i;
      lineLen = 0;
      if (c === 0x2e) {
        out += '=2E';
        start = i + 1;
        lineLen = 3;
        continue;
      }
    }
    if (!literal) {
      out += s.slice(start, i) + HEX[c]!;
      start = i + 1;
    }
    lineLen += width;
  }
  return out + s.slice(start);
}

// ---- Headers --------------------------------------------------------------------------------------------

// eslint-disable-next-line no-control-regex
const CONTROL_RE = /[\u0000-\u001f\u007f]/;
// eslint-disable-next-line no-control-regex
const CONTROL_RUN_RE = /[\u0000-\u001f\u007f]+/g;
const PRINTABLE_ASCII_RE = /^[\x20-\x7e]*$/;
const ADDRESS_RE =
  /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*$/;
const HEADER_NAME_RE = /^[!-9;-~]+$/;

/** RFC 2047 B-encoded words (<= 75 chars each) for a UTF-8 string, cut on character boundaries. */
export function encodeWords(text: string): string[] {
  const words: string[] = [];
  let chunk: string[] = [];
  let bytes = 0;
  for (const ch of text) {
    const len = Buffer.byteLength(ch);
    if (bytes + len > 45 && chunk.length) {
      words.push(`=?UTF-8?B?${Buffer.from(chunk.join('')).toString('base64')}?=`);
      chunk = [];
      bytes = 0;
    }
    chunk.push(ch);
    bytes += len;
  }
  if (chunk.length) words.push(`=?UTF-8?B?${Buffer.from(chunk.join('')).toString('base64')}?=`);
  return words;
}

/** Folds "Name: value" at spaces to lines of about 78 octets; throws if a line would exceed 998. */
function fold(line: string): string {
  if (line.length <= 78) return line;
  const tokens = line.split(/(?= )/);
  const lines: string[] = [];
  let cur = '';
  for (const t of tokens) {
    if (cur && cur.length + t.length > 78) {
      lines.push(cur);
      cur = t;
    } else cur += t;
  }
  lines.push(cur);
  if (lines.some((l) => l.length > 998)) throw new Error('Header line longer than 998 octets');
  return lines.join(CRLF);
}

/** One unstructured header field ("Subject: ..."), CR/LF-free, RFC 2047-encoded when not plain ASCII. */
export function headerLine(name: string, value: string): string {
  if (!HEADER_NAME_RE.test(name)) throw new Error(`Invalid header name “${name}”`);
  if (/[\r\n]/.test(value)) throw new Error(`Header ${name} contains a line break`);
  if (CONTROL_RE.test(value.replace(/\t/g, ' ')))
    throw new Error(`Header ${name} contains a control character`);
  if (PRINTABLE_ASCII_RE.test(value) && !value.includes('=?')) return fold(`${name}: ${value}`);
  return `${name}: ${encodeWords(value).join(`${CRLF} `)}`;
}

function parseAddress(input: AddressInput, field: string): { name: string; address: string } {
  const a = typeof input === 'string' ? { address: input } : input;
  const address = a.address.trim();
  if (address.length > 254 || !ADDRESS_RE.test(address)) {
    throw new Error(`Invalid ${field} address “${a.address.replace(CONTROL_RUN_RE, '\\n')}”`);
  }
  // Display names come from people: line breaks and control characters are replaced, never passed on.
  const name = (a.name ?? '').replace(CONTROL_RUN_RE, ' ').replace(/\s+/g, ' ').trim();
  return { name, address };
}

/** "Name" <a@b.org> with the name quoted or RFC 2047-encoded; throws on an invalid address. */
export function formatAddress(input: AddressInput, field = 'address'): string {
  const { name, address } = parseAddress(input, field);
  if (!name) return address;
  if (PRINTABLE_ASCII_RE.test(name) && !name.includes('=?')) {
    return `"${name.replace(/["\\]/g, '\\$&')}" <${address}>`;
  }
  return `${encodeWords(name).join(' ')} <${address}>`;
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad2 = (n: number) => (n < 10 ? `0${n}` : String(n));

/** RFC 5322 date in UTC: "Tue, 15 Apr 2025 09:30:00 +0000". */
export function formatDate(d: Date): string {
  return (
    `${DAYS[d.getUTCDay()]}, ${pad2(d.getUTCDate())} ${MONS[d.getUTCMonth()]} ${d.getUTCFullYear()} ` +
    `${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())} +0000`
  );
}

const MSGID_RE = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@[A-Za-z0-9.-]+$/;

function messageIdHeader(messageId: string | undefined, domain: string): string {
  if (messageId === undefined) return `<${randomUUID()}@${domain}>`;
  const bare = messageId.replace(/^<|>$/g, '');
  if (!MSGID_RE.test(bare) || bare.length > 250) throw new Error('Invalid Message-ID');
  return `<${bare}>`;
}

/** "mailto:a@b.org?subject=unsubscribe" from an address with or without "mailto:"; throws if unsafe in a header. */
function mailtoUri(mailto: string): string {
  const bare = mailto.replace(/^mailto:/i, '');
  const address = bare.split('?')[0] ?? '';
  if (address.length > 254 || !ADDRESS_RE.test(address)) {
    throw new Error('Invalid List-Unsubscribe mailto address');
  }
  const uri = `mailto:${bare}`;
  if (uri.length > 900 || /[\s<>,]/.test(uri) || !PRINTABLE_ASCII_RE.test(uri)) {
    throw new Error('Invalid List-Unsubscribe mailto address');
  }
  return uri;
}

function assertHeaderUrl(url: string, what: string): void {
  if (!/^https?:\/\/[\x21-\x7e]+$/.test(url) || /[<>,]/.test(url) || url.length > 900) {
    throw new Error(
      `Invalid ${what} URL: it must be an absolute http(s) URL without spaces, “<”, “>” or “,”`,
    );
  }
}

// ---- Template -------------------------------------------------------------------------------------------

type Piece =
  | { kind: 'static'; buf: Buffer }
  | { kind: 'slot'; key: string; link: number; ctx: SpliceContext }
  | { kind: 'headers' };

function bodyPieces(
  source: string,
  ctx: SpliceContext,
  pieces: Piece[],
  tokens: Readonly<Record<string, string>>,
): string[] {
  const split = splitPlaceholders<string>(source.replace(/\r\n|\r|\n/g, CRLF), tokens);
  const { statics, slots } = split;
  let text = '';
  for (let i = 0; i < statics.length; i++) {
    const enc = qpEncode(statics[i]!);
    text += enc;
    const slot = slots[i];
    if (slot !== undefined) {
      pieces.push({ kind: 'static', buf: Buffer.from(`${text}=${CRLF}`, 'ascii') });
      const link = slot.startsWith(LINK_PLACEHOLDER_PREFIX)
        ? Number(slot.slice(LINK_PLACEHOLDER_PREFIX.length))
        : -1;
      pieces.push({ kind: 'slot', key: slot, link, ctx });
      text = `=${CRLF}`;
    }
  }
  // The CRLF before the next boundary belongs to the boundary (RFC 2046), so it is always added here.
  pieces.push({ kind: 'static', buf: Buffer.from(text + CRLF, 'ascii') });
  return slots;
}

export function compileMimeTemplate(opts: MimeTemplateOptions): MimeTemplate {
  const from = parseAddress(opts.from, 'From');
  const domain = (opts.messageIdDomain ?? from.address.split('@')[1] ?? 'localhost').trim();
  if (!/^[A-Za-z0-9.-]+$/.test(domain)) throw new Error('Invalid Message-ID domain');
  const subject = opts.subject.replace(CONTROL_RUN_RE, ' ').trim();
  const boundary = `=_crank_${randomBytes(12).toString('hex')}`;

  const lu = opts.listUnsubscribe ?? true;
  const luOpts = typeof lu === 'object' ? lu : {};
  const listUnsubscribe = lu !== false;
  const oneClick = listUnsubscribe && luOpts.oneClick !== false;
  const luMailto = luOpts.mailto ? mailtoUri(luOpts.mailto) : undefined;

  // Static headers, checked once. Custom headers holding placeholders are filled per recipient.
  const staticHeaders: string[] = [`From: ${formatAddress(from, 'From')}`, headerLine('Subject', subject)];
  if (opts.replyTo !== undefined) staticHeaders.push(`Reply-To: ${formatAddress(opts.replyTo, 'Reply-To')}`);
  staticHeaders.push('MIME-Version: 1.0');
  const dynamicCustom: { name: string; statics: string[]; slots: PlaceholderKey[] }[] = [];
  const headerSlots: PlaceholderKey[] = [];
  for (const [name, value] of Object.entries(opts.headers ?? {})) {
    if (RESERVED.has(name.toLowerCase())) {
      throw new Error(`Header ${name} is set by the template; it cannot be overridden`);
    }
    const line = headerLine(name, value); // validates name, rejects CR/LF in the value
    const split = splitPlaceholders(value);
    if (split.slots.length) {
      dynamicCustom.push({ name, ...split });
      headerSlots.push(...split.slots);
    } else staticHeaders.push(line);
  }
  if (oneClick) staticHeaders.push('List-Unsubscribe-Post: List-Unsubscribe=One-Click');

  const pieces: Piece[] = [
    { kind: 'static', buf: Buffer.from(staticHeaders.join(CRLF) + CRLF, 'ascii') },
    { kind: 'headers' },
    {
      kind: 'static',
      buf: Buffer.from(
        `Content-Type: multipart/alternative; boundary="${boundary}"${CRLF}${CRLF}` +
          `--${boundary}${CRLF}Content-Type: text/plain; charset=utf-8${CRLF}` +
          `Content-Transfer-Encoding: quoted-printable${CRLF}${CRLF}`,
        'ascii',
      ),
    },
  ];
  const linkCount = opts.linkCount ?? 0;
  const tokens: Record<string, string> = { ...PLACEHOLDERS };
  for (let i = 0; i < linkCount; i++) tokens[`${LINK_PLACEHOLDER_PREFIX}${i}`] = linkPlaceholder(i);
  const textSlots = bodyPieces(opts.text, 'text', pieces, tokens);
  pieces.push({
    kind: 'static',
    buf: Buffer.from(
      `--${boundary}${CRLF}Content-Type: text/html; charset=utf-8${CRLF}` +
        `Content-Transfer-Encoding: quoted-printable${CRLF}${CRLF}`,
      'ascii',
    ),
  });
  const htmlSlots = bodyPieces(opts.html, 'html', pieces, tokens);
  pieces.push({ kind: 'static', buf: Buffer.from(`--${boundary}--${CRLF}`, 'ascii') });

  // Merge neighbouring static pieces so render() copies as few buffers as possible.
  const merged: Piece[] = [];
  for (const p of pieces) {
    const prev = merged[merged.length - 1];
    if (p.kind === 'static' && prev?.kind === 'static') prev.buf = Buffer.concat([prev.buf, p.buf]);
    else merged.push(p.kind === 'static' ? { kind: 'static', buf: p.buf } : p);
  }
  const staticBytes = merged.reduce((n, p) => n + (p.kind === 'static' ? p.buf.length : 0), 0);
  const placeholders = [...new Set([...textSlots, ...htmlSlots, ...headerSlots])].filter(
    (k): k is PlaceholderKey => k in PLACEHOLDERS,
  );

  const dynamicHeaders = (v: MimeRenderValues): string => {
    let h = `To: ${formatAddress(v.to, 'To')}${CRLF}`;
    h += `Date: ${formatDate(v.date ?? new Date())}${CRLF}`;
    h += `Message-ID: ${messageIdHeader(v.messageId, domain)}${CRLF}`;
    if (listUnsubscribe) {
      const url = v.listUnsubscribeUrl ?? v.unsubscribeUrl;
      if (url === undefined)
        throw new Error('No List-Unsubscribe URL (listUnsubscribeUrl or unsubscribeUrl)');
      assertHeaderUrl(url, 'List-Unsubscribe');
      const mailto = v.listUnsubscribeMailto === undefined ? luMailto : mailtoUri(v.listUnsubscribeMailto);
      h += fold(`List-Unsubscribe: <${url}>${mailto ? `, <${mailto}>` : ''}`) + CRLF;
    }
    if (v.extraHeaders) {
      for (const [name, value] of Object.entries(v.extraHeaders)) {
        if (RESERVED.has(name.toLowerCase())) {
          throw new Error(`Header ${name} is set by the template; it cannot be overridden`);
        }
        if (!PRINTABLE_ASCII_RE.test(value)) throw new Error(`Header ${name} must be printable ASCII`);
        h += headerLine(name, value) + CRLF;
      }
    }
    for (const d of dynamicCustom) {
      let value = d.statics[0]!;
      for (let i = 0; i < d.slots.length; i++) {
        const key = d.slots[i]!;
        const x = v[key];
        if (x === undefined) throw new Error(`No value for placeholder “${key}”`);
        assertSafeValue(key, x);
        if (!PRINTABLE_ASCII_RE.test(x)) throw new Error(`Header value for “${key}” must be ASCII`);
        value += x + d.statics[i + 1]!;
      }
      h += headerLine(d.name, value) + CRLF;
    }
    return h;
  };

  /** The pieces of one recipient's message: static buffers and per-recipient ASCII strings. */
  const renderParts = (values: MimeRenderValues): { parts: (Buffer | string)[]; total: number } => {
    const headers = dynamicHeaders(values);
    const encoded = new Map<string, string>();
    const parts: (Buffer | string)[] = [];
    let total = 0;
    for (const p of merged) {
      if (p.kind === 'static') {
        parts.push(p.buf);
        total += p.buf.length;
      } else if (p.kind === 'headers') {
        parts.push(headers);
        total += headers.length;
      } else {
        const raw = p.link >= 0 ? values.links?.[p.link] : values[p.key as PlaceholderKey];
        if (raw === undefined) throw new Error(`No value for placeholder “${p.key}”`);
        const value = p.ctx === 'html' ? escapeHtml(raw) : raw;
        let e = encoded.get(value);
        if (e === undefined) {
          assertSafeValue(p.key, raw);
          e = qpEncode(value);
          encoded.set(value, e);
        }
        parts.push(e);
        total += e.length;
      }
    }
    return { parts, total };
  };
  const join = (parts: (Buffer | string)[], total: number): Buffer => {
    const out = Buffer.allocUnsafe(total);
    let off = 0;
    for (const x of parts) {
      if (typeof x === 'string') off += out.write(x, off, 'latin1');
      else off += x.copy(out, off);
    }
    return out;
  };
  const plans = new Map<BodyCanonicalization, BodyHashPlan | null>();
  const planFor = (canon: BodyCanonicalization) => {
    if (!plans.has(canon)) plans.set(canon, bodyHashPlan(merged, canon));
    return plans.get(canon)!;
  };

  return {
    boundary,
    placeholders,
    staticBytes,
    render(values: MimeRenderValues): Buffer {
      const { parts, total } = renderParts(values);
      return join(parts, total);
    },
    renderWithBodyHash(values, canon) {
      const { parts, total } = renderParts(values);
      const raw = join(parts, total);
      const plan = planFor(canon);
      if (plan) {
        const hash = plan.prefix.copy();
        let ok = true;
        for (let i = plan.firstSlot; i < parts.length && ok; i++) {
          const part = parts[i]!;
          if (typeof part === 'string') {
            // A value with whitespace would need canonicalizing in its context: take the general path.
            if (WSP_RE.test(part)) ok = false;
            else hash.update(part, 'latin1');
          } else hash.update(plan.canonical.get(part) ?? part);
        }
        if (ok) return { raw, bodyHash: hash.digest('base64') };
      }
      const bodyStart = raw.indexOf('\r\n\r\n') + 4;
      return { raw, bodyHash: dkimBodyHash(raw.subarray(bodyStart), canon) };
    },
  };
}

const WSP_RE = /[ \t]/;

interface BodyHashPlan {
  /** Hash state after the canonical body up to the first personalised value. */
  prefix: Hash;
  /** Index in the rendered parts of the first value after the prefix. */
  firstSlot: number;
  /** Each static piece after the prefix and its canonical form. */
  canonical: Map<Buffer, Buffer>;
}

/**
 * Why the pieces can be canonicalized apart: a static piece before a value ends with a soft line break
 * ("=\r\n"), the value is QP-encoded ASCII (its own lines end in "=" or in its last character), and the piece
 * after it starts with "=". So no run of whitespace and no line end spans two pieces, as long as the value
 * holds no whitespace (checked per recipient; otherwise the whole body is canonicalized). The end-of-body rule
 * only concerns the last piece, the closing boundary line. null: this template cannot use the plan.
 */
function bodyHashPlan(merged: Piece[], canon: BodyCanonicalization): BodyHashPlan | null {
  const headersAt = merged.findIndex((p) => p.kind === 'headers');
  const first = merged[headersAt + 1];
  const last = merged[merged.length - 1];
  if (first?.kind !== 'static' || last?.kind !== 'static') return null;
  const blank = first.buf.indexOf('\r\n\r\n');
  if (blank === -1) return null;
  const canonOf = (buf: Buffer) => (canon === 'relaxed' ? relaxBodyLines(buf) : buf);
  const prefix = createHash('sha256');
  const canonical = new Map<Buffer, Buffer>();
  let i = headersAt + 1;
  for (; i < merged.length; i++) {
    const p = merged[i]!;
    if (p.kind !== 'static') break;
    prefix.update(canonOf(i === headersAt + 1 ? first.buf.subarray(blank + 4) : p.buf));
  }
  for (let k = i; k < merged.length; k++) {
    const p = merged[k]!;
    if (p.kind === 'static') canonical.set(p.buf, canonOf(p.buf));
    else if (p.kind === 'headers') return null;
  }
  if (!endsCanonically(canonical.get(last.buf) ?? canonOf(last.buf))) return null;
  // The parts array of a rendered message has one entry per merged piece, so indices match.
  return { prefix, firstSlot: i, canonical };
}
