import { dkimBodyHash, parseHeaderFields, relaxHeaderField } from '@app/email';
import { createPrivateKey, sign, type KeyObject } from 'crypto';

export interface DkimOptions {
  domainName: string;
  keySelector: string;
  privateKey: string;
}

/**
 * The header fields a signature covers when present. List-Unsubscribe(-Post) must be covered for one-click to
 * be trusted (RFC 8058 §4); List-Id and the delivery header let receivers and providers trust what they echo.
 */
export const DKIM_SIGNED_HEADERS = [
  'from',
  'sender',
  'reply-to',
  'subject',
  'date',
  'message-id',
  'to',
  'cc',
  'mime-version',
  'content-type',
  'content-transfer-encoding',
  'list-id',
  'list-unsubscribe',
  'list-unsubscribe-post',
];

const CRLF = '\r\n';

/**
 * DKIM signer (RFC 6376, rsa-sha256, c=relaxed/relaxed) over a raw message. Why not nodemailer's: it parses
 * the PEM key and streams the whole body through its canonicalizer for every message (about 1 ms of the
 * 2.1 ms a signed message cost), and signs on the event loop. Here the key is parsed once, the body hash can
 * come precomputed from the MIME template (shared prefix hashed once per campaign), and the RSA operation
 * runs in libuv's thread pool (`crypto.sign` with a callback), so the event loop keeps writing sockets while
 * signatures use the other cores.
 */
export class DkimSigner {
  private readonly key: KeyObject;
  private readonly domain: string;
  private readonly selector: string;

  constructor(opts: DkimOptions) {
    this.key = createPrivateKey(opts.privateKey);
    if (this.key.asymmetricKeyType !== 'rsa') {
      throw new Error(`DKIM_PRIVATE_KEY must be an RSA key (got ${this.key.asymmetricKeyType ?? 'unknown'})`);
    }
    if (!/^[A-Za-z0-9.-]+$/.test(opts.domainName)) throw new Error('Invalid DKIM_DOMAIN');
    if (!/^[A-Za-z0-9._-]+$/.test(opts.keySelector)) throw new Error('Invalid DKIM_SELECTOR');
    this.domain = opts.domainName;
    this.selector = opts.keySelector;
  }

  /**
   * The message with a DKIM-Signature field in front. `bodyHash`: the relaxed body hash when the caller has it
   * (the campaign template does); computed here otherwise.
   */
  async sign(raw: Buffer, bodyHash?: string): Promise<Buffer> {
    let headEnd = raw.indexOf('\r\n\r\n');
    if (headEnd === -1) headEnd = raw.length;
    const head = raw.toString('latin1', 0, headEnd + 2);
    const bh =
      bodyHash ??
      dkimBodyHash(headEnd + 4 <= raw.length ? raw.subarray(headEnd + 4) : Buffer.alloc(0), 'relaxed');
    const fields = parseHeaderFields(head);

    // One instance of each field, the last one, as verifiers pick fields from the bottom (RFC 6376 §5.4.2).
    const names: string[] = [];
    let canonical = '';
    for (const name of DKIM_SIGNED_HEADERS) {
      for (let i = fields.length - 1; i >= 0; i--) {
        if (fields[i]!.name === name) {
          names.push(name);
          canonical += relaxHeaderField(fields[i]!.field) + CRLF;
          break;
        }
      }
    }
    const unsigned =
      `DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=${this.domain}; q=dns/txt;${CRLF}` +
      ` s=${this.selector}; bh=${bh};${CRLF} h=${names.join(':')};${CRLF} b=`;
    canonical += relaxHeaderField(unsigned);
    const signature = await new Promise<Buffer>((resolve, reject) =>
      sign('sha256', Buffer.from(canonical, 'latin1'), this.key, (err, sig) =>
        err ? reject(err) : resolve(sig),
      ),
    );
    // Folded inside the b= value, which verifiers strip with its whitespace before checking.
    const b = signature
      .toString('base64')
      .replace(/.{1,72}/g, (chunk, at: number) => (at ? `${CRLF} ${chunk}` : chunk));
    return Buffer.concat([Buffer.from(`${unsigned}${b}${CRLF}`, 'latin1'), raw]);
  }
}
