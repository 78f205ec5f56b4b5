import { createHash } from 'crypto';

/**
 * DKIM canonicalization (RFC 6376 §3.4), pure: the signer (libs/mailer) signs what these produce, and the
 * MIME template uses them to hash the part of a campaign's body shared by every reader once.
 */

export type BodyCanonicalization = 'relaxed' | 'simple';

const SP = 0x20;
const TAB = 0x09;
const CR = 0x0d;
const LF = 0x0a;
const CRLF_BUF = Buffer.from('\r\n', 'latin1');
const EMPTY = Buffer.alloc(0);

/** Does the buffer hold anything relaxed body canonicalization would change inside its lines? */
function needsRelaxing(buf: Buffer): boolean {
  return (
    buf.includes(TAB) ||
    buf.includes('  ', 0, 'latin1') ||
    buf.includes(' \r\n', 0, 'latin1') ||
    (buf.length > 0 && buf[buf.length - 1] === SP)
  );
}

/**
 * The line-local rules of relaxed body canonicalization (§3.4.4 a and b): every run of spaces and tabs
 * becomes one space, and whitespace before a CRLF (or at the end of the buffer) goes. The end-of-body rule is
 * left to the caller, so pieces of a body that split at line ends, or at a non-whitespace byte, can be
 * canonicalized apart and concatenated. Returns the buffer itself when nothing changes (QP bodies usually).
 */
export function relaxBodyLines(buf: Buffer): Buffer {
  if (!needsRelaxing(buf)) return buf;
  const out = Buffer.allocUnsafe(buf.length);
  let o = 0;
  let pendingSpace = false;
  for (let i = 0; i < buf.length; i++) {
    const b = buf[i]!;
    if (b === SP || b === TAB) {
      pendingSpace = true;
      continue;
    }
    if (b === CR && buf[i + 1] === LF) pendingSpace = false; // whitespace before a line end goes
    if (pendingSpace) {
      out[o++] = SP;
      pendingSpace = false;
    }
    out[o++] = b;
  }
  return out.subarray(0, o);
}

/** Length of `buf` without the CRLFs that end it (the empty lines at the end of a body, and the last CRLF). */
function trimTrailingCrlfs(buf: Buffer): number {
  let end = buf.length;
  while (end >= 2 && buf[end - 2] === CR && buf[end - 1] === LF) end -= 2;
  return end;
}

/** The whole canonical body (§3.4.3 simple, §3.4.4 relaxed). */
export function canonicalizeBody(body: Buffer, canon: BodyCanonicalization): Buffer {
  const lines = canon === 'relaxed' ? relaxBodyLines(body) : body;
  const end = trimTrailingCrlfs(lines);
  // Relaxed: an empty body stays empty; simple: an empty body is one CRLF.
  if (end === 0) return canon === 'relaxed' ? EMPTY : CRLF_BUF;
  return Buffer.concat([lines.subarray(0, end), CRLF_BUF]);
}

/** base64 SHA-256 of the canonical body: the bh= tag. */
export function dkimBodyHash(body: Buffer, canon: BodyCanonicalization): string {
  return createHash('sha256').update(canonicalizeBody(body, canon)).digest('base64');
}

/**
 * Is this the canonical tail of a body as it stands, i.e. do the end-of-body rules leave it alone? True when it
 * ends with exactly one CRLF after a line that is not empty.
 */
export function endsCanonically(buf: Buffer): boolean {
  return trimTrailingCrlfs(buf) === buf.length - 2 && buf.length >= 3;
}

/** One header field, as found in a message: its name and the field as written ("Name: value", folded). */
export interface HeaderField {
  name: string;
  field: string;
}

/** The fields of a header block (the bytes before the empty line), in order, folding kept. */
export function parseHeaderFields(head: string): HeaderField[] {
  const fields: HeaderField[] = [];
  let start = 0;
  while (start < head.length) {
    let end = head.indexOf('\r\n', start);
    // A field continues on the lines that start with whitespace (folding).
    while (end !== -1 && (head[end + 2] === ' ' || head[end + 2] === '\t'))
      end = head.indexOf('\r\n', end + 2);
    if (end === -1) end = head.length;
    const field = head.slice(start, end);
    const colon = field.indexOf(':');
    if (colon > 0) fields.push({ name: field.slice(0, colon).trim().toLowerCase(), field });
    start = end + 2;
  }
  return fields;
}

/** Relaxed header canonicalization of one field (§3.4.2), without its CRLF. */
export function relaxHeaderField(field: string): string {
  const colon = field.indexOf(':');
  const name = field.slice(0, colon).trim().toLowerCase();
  let value = field.slice(colon + 1).replace(/\r\n/g, '');
  value = value.replace(/[ \t]+/g, ' ').trim();
  return `${name}:${value}`;
}
