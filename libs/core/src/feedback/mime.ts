/**
 * A small, strict reader of the MIME structure of inbound reports (RFC 5322 headers, RFC 2045/2046
 * multiparts, base64 and quoted-printable), written for what the parsers need rather than for display:
 * mailparser flattens a multipart/report (it merges the message/delivery-status part into the text body),
 * which loses exactly the structure RFC 3464 and RFC 5965 define.
 *
 * Everything is bounded, so hostile input costs linear time and capped memory: header sections at
 * MAX_HEADER_BYTES, MAX_FIELDS fields of at most MAX_FIELD_CHARS, MAX_PARTS parts, MAX_DEPTH levels of
 * nesting, text taken from a part at MAX_TEXT_CHARS. No regular expression here has nested or overlapping
 * quantifiers. Input that is not a message at all throws MimeError (the caller records it `unparsed`).
 */

export class MimeError extends Error {}

export interface MimeField {
  /** Lowercase. */
  name: string;
  /** Unfolded, trimmed, at most MAX_FIELD_CHARS. */
  value: string;
}

export interface MimePart {
  fields: MimeField[];
  /** Lowercase `type/subtype`; `text/plain` when absent (RFC 2045), `message/rfc822` in a multipart/digest. */
  contentType: string;
  /** Content-Type parameters, names lowercase. */
  params: Record<string, string>;
  /** The body as it came (transfer encoding not undone). */
  body: Buffer;
  /** A multipart's parts; undefined for a leaf. An embedded message (message/rfc822) is a leaf too. */
  parts?: MimePart[];
  /** A multipart whose closing delimiter never came (the message was cut short). */
  truncated?: boolean;
}

export const MIME_LIMITS = {
  headerBytes: 64 * 1024,
  fields: 300,
  fieldChars: 4000,
  parts: 64,
  depth: 4,
  textChars: 256 * 1024,
} as const;

/** The first value of a field, or undefined. */
export function field(fields: MimeField[], name: string): string | undefined {
  const n = name.toLowerCase();
  return fields.find((f) => f.name === n)?.value;
}

/** Splits the header section from the body: at the first empty line (CRLF CRLF or LF LF). */
function splitHead(buf: Buffer): { head: string; body: Buffer } {
  let end = -1;
  let bodyStart = buf.length;
  if (buf[0] === 0x0a || (buf[0] === 0x0d && buf[1] === 0x0a)) {
    // an empty header section
    return { head: '', body: buf.subarray(buf[0] === 0x0a ? 1 : 2) };
  }
  const crlf = buf.indexOf('\r\n\r\n');
  const lf = buf.indexOf('\n\n');
  if (crlf !== -1 && (lf === -1 || crlf < lf)) {
    end = crlf;
    bodyStart = crlf + 4;
  } else if (lf !== -1) {
    end = lf;
    bodyStart = lf + 2;
  }
  // No empty line: all header (an rfc822-headers part, or a message cut short in its header section).
  const headEnd = end === -1 ? buf.length : end;
  return {
    head: buf.subarray(0, Math.min(headEnd, MIME_LIMITS.headerBytes)).toString('utf8'),
    body: buf.subarray(bodyStart),
  };
}

/** Header fields, unfolded; `bad` counts lines that are neither a field nor a continuation. */
export function parseFields(head: string): { fields: MimeField[]; bad: number; firstBad: boolean } {
  const fields: MimeField[] = [];
  let bad = 0;
  let firstBad = false;
  let lineNo = 0;
  for (const raw of head.split('\n')) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    lineNo++;
    if (line.length === 0) continue;
    if (line[0] === ' ' || line[0] === '\t') {
      const last = fields[fields.length - 1];
      if (last && last.value.length < MIME_LIMITS.fieldChars) {
        last.value = `${last.value} ${line.trim()}`.slice(0, MIME_LIMITS.fieldChars).trim();
      } else if (!last) {
        bad++;
        if (lineNo === 1) firstBad = true;
      }
      continue;
    }
    // an mbox separator before the message proper
    if (lineNo === 1 && line.startsWith('From ')) continue;
    const colon = line.indexOf(':');
    const name = colon > 0 ? line.slice(0, colon) : '';
    if (!isFieldName(name)) {
      bad++;
      if (lineNo === 1) firstBad = true;
      continue;
    }
    if (fields.length >= MIME_LIMITS.fields) continue;
    fields.push({
      name: name.toLowerCase(),
      value: line.slice(colon + 1, colon + 1 + MIME_LIMITS.fieldChars).trim(),
    });
  }
  return { fields, bad, firstBad };
}

/** RFC 5322 field name: printable US-ASCII except colon, at most 76 characters here. */
function isFieldName(name: string): boolean {
  if (name.length === 0 || name.length > 76) return false;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c < 33 || c > 126) return false;
  }
  return true;
}

/** `type/subtype; a=b; c="d"` → lowercase type and parameters (quoted strings and backslash escapes undone). */
export function parseContentType(value: string | undefined): {
  type: string;
  params: Record<string, string>;
} {
  const params: Record<string, string> = {};
  if (!value) return { type: 'text/plain', params };
  const pieces: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const ch = value[i]!;
    if (quoted && ch === '\\' && i + 1 < value.length) {
      cur += value[++i];
      continue;
    }
    if (ch === '"') {
      quoted = !quoted;
      continue;
    }
    if (ch === ';' && !quoted) {
      pieces.push(cur);
      cur = '';
      continue;
    }
    cur += ch;
  }
  pieces.push(cur);
  const type = pieces[0]!.trim().toLowerCase();
  for (const p of pieces.slice(1)) {
    const eq = p.indexOf('=');
    if (eq <= 0) continue;
    params[p.slice(0, eq).trim().toLowerCase()] = p.slice(eq + 1).trim();
  }
  return { type: type.includes('/') ? type : 'text/plain', params };
}

/**
 * Reads a whole message: its fields, and the tree of parts. Throws MimeError when it has no header section
 * that a mail system could have written (binary garbage, a body without headers).
 */
export function parseMessage(raw: Buffer): MimePart {
  const { head } = splitHead(raw);
  const { fields, bad, firstBad } = parseFields(head);
  if (fields.length === 0) throw new MimeError('no header section: not an RFC 5322 message');
  if (firstBad || bad > fields.length) {
    throw new MimeError(`the header section is malformed (${bad} lines are not header fields)`);
  }
  return parsePart(raw, 0, { count: 0 });
}

function parsePart(buf: Buffer, depth: number, budget: { count: number }, digest = false): MimePart {
  const { head, body } = splitHead(buf);
  const { fields } = parseFields(head);
  const ct = field(fields, 'content-type');
  const { type, params } = ct
    ? parseContentType(ct)
    : { type: digest ? 'message/rfc822' : 'text/plain', params: {} };
  const part: MimePart = { fields, contentType: type, params, body };
  if (!type.startsWith('multipart/') || depth >= MIME_LIMITS.depth) return part;
  const boundary = params.boundary;
  if (!boundary || boundary.length > 200) return part;
  const { chunks, closed } = splitMultipart(body, boundary);
  part.parts = [];
  for (const chunk of chunks) {
    if (++budget.count > MIME_LIMITS.parts) break;
    part.parts.push(parsePart(chunk, depth + 1, budget, type === 'multipart/digest'));
  }
  if (!closed) part.truncated = true;
  return part;
}

/** The bodies between `--boundary` delimiter lines, and whether the closing `--boundary--` came. */
function splitMultipart(body: Buffer, boundary: string): { chunks: Buffer[]; closed: boolean } {
  const text = body.toString('latin1'); // byte for byte, so offsets map back to the buffer
  const open = `--${boundary}`;
  const chunks: Buffer[] = [];
  let start = -1;
  let pos = 0;
  while (pos <= text.length) {
    let nl = text.indexOf('\n', pos);
    if (nl === -1) nl = text.length;
    const lineEnd = nl > pos && text[nl - 1] === '\r' ? nl - 1 : nl;
    if (lineEnd - pos >= open.length && text.startsWith(open, pos)) {
      const rest = text.slice(pos + open.length, lineEnd);
      const close = rest.startsWith('--');
      if ((close ? rest.slice(2) : rest).trim() === '') {
        // the CRLF before a delimiter belongs to the delimiter (RFC 2046 5.1.1)
        if (start !== -1) chunks.push(body.subarray(start, trimLineBreak(text, start, pos)));
        if (close) return { chunks, closed: true };
        start = Math.min(nl + 1, text.length);
      }
    }
    pos = nl + 1;
  }
  if (start !== -1 && start < text.length) chunks.push(body.subarray(start));
  return { chunks, closed: false };
}

function trimLineBreak(text: string, start: number, end: number): number {
  let e = end;
  if (e > start && text[e - 1] === '\n') e--;
  if (e > start && text[e - 1] === '\r') e--;
  return e;
}

/** The body with its Content-Transfer-Encoding undone (base64, quoted-printable; anything else as is). */
export function decodedBody(part: MimePart): Buffer {
  const cte = (field(part.fields, 'content-transfer-encoding') ?? '').trim().toLowerCase();
  const body = part.body.subarray(0, MIME_LIMITS.textChars * 2);
  if (cte === 'base64') return Buffer.from(body.toString('latin1').replace(/[^A-Za-z0-9+/=]/g, ''), 'base64');
  if (cte === 'quoted-printable') return decodeQuotedPrintable(body.toString('latin1'));
  return body;
}

function decodeQuotedPrintable(text: string): Buffer {
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (ch !== 0x3d) {
      out.push(ch & 0xff);
      continue;
    }
    // "=" CRLF or "=" LF: a soft line break
    if (text[i + 1] === '\n') {
      i += 1;
      continue;
    }
    if (text[i + 1] === '\r' && text[i + 2] === '\n') {
      i += 2;
      continue;
    }
    const hex = text.slice(i + 1, i + 3);
    if (/^[0-9A-Fa-f]{2}$/.test(hex)) {
      out.push(Number.parseInt(hex, 16));
      i += 2;
    } else {
      out.push(ch);
    }
  }
  return Buffer.from(out);
}

/** A part's text: transfer encoding undone, decoded with its charset (UTF-8 when unknown), capped. */
export function partText(part: MimePart): string {
  return decodeCharset(decodedBody(part), part.params.charset).slice(0, MIME_LIMITS.textChars);
}

function decodeCharset(bytes: Buffer, charset: string | undefined): string {
  const cs = (charset ?? 'utf-8').trim().toLowerCase();
  if (cs === 'utf-8' || cs === 'utf8' || cs === 'us-ascii' || cs === 'ascii') return bytes.toString('utf8');
  try {
    return new TextDecoder(cs).decode(bytes);
  } catch {
    return bytes.toString('latin1');
  }
}

/** Every leaf part, depth first (the message itself when it is not a multipart). */
export function leaves(part: MimePart): MimePart[] {
  if (!part.parts) return [part];
  return part.parts.flatMap(leaves);
}

/** Whether the tree, or any multipart in it, was cut short. */
export function isTruncated(part: MimePart): boolean {
  return Boolean(part.truncated) || (part.parts ?? []).some(isTruncated);
}

/** Header fields of an embedded message or headers part (message/rfc822, text/rfc822-headers, message/global…). */
export function embeddedFields(part: MimePart): MimeField[] {
  return parseFields(splitHead(decodedBody(part)).head).fields;
}

/** RFC 2047 encoded words (`=?utf-8?Q?...?=`) decoded, for reading a Subject. */
export function decodeWords(value: string): string {
  const capped = value.slice(0, MIME_LIMITS.fieldChars);
  return capped
    .replace(/\?=\s+=\?/g, '?==?') // whitespace between two encoded words is not text
    .replace(
      /=\?([^?\s]{1,40})\?([bBqQ])\?([^?\s]{0,1000})\?=/g,
      (_m, cs: string, enc: string, text: string) => {
        const bytes =
          enc.toLowerCase() === 'b'
            ? Buffer.from(text, 'base64')
            : decodeQuotedPrintable(text.replace(/_/g, ' '));
        return decodeCharset(bytes, cs.split('*')[0]);
      },
    );
}

/** The address inside `<...>` of a Return-Path or similar field, or the value itself; undefined if none. */
export function angleAddress(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const v = value.trim();
  const lt = v.indexOf('<');
  const gt = lt === -1 ? -1 : v.indexOf('>', lt);
  const addr = (lt !== -1 && gt !== -1 ? v.slice(lt + 1, gt) : v).trim();
  return addr.length > 0 && addr.length <= 320 && addr.includes('@') ? addr : undefined;
}
