import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';

/** A key of its own for each use of SECRET_KEY, so no two uses share key material. */
export function deriveKey(secretKey: string, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', Buffer.from(secretKey, 'utf8'), Buffer.alloc(0), purpose, 32));
}

/**
 * AES-256-GCM for small secrets at rest (TOTP secrets): `v1.<iv>.<ciphertext>.<tag>`, base64url. A database
 * dump alone does not give a second factor away; SECRET_KEY is needed too.
 */
export class SecretBox {
  private readonly key: Buffer;

  constructor(secretKey: string, purpose: string) {
    this.key = deriveKey(secretKey, purpose);
  }

  seal(plain: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return ['v1', iv, body, cipher.getAuthTag()]
      .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
      .join('.');
  }

  /** The plain text, or undefined when the value is malformed or was sealed under another key. */
  open(sealed: string): string | undefined {
    const parts = sealed.split('.');
    if (parts.length !== 4 || parts[0] !== 'v1') return undefined;
    try {
      const [iv, body, tag] = parts.slice(1).map((p) => Buffer.from(p, 'base64url'));
      const decipher = createDecipheriv('aes-256-gcm', this.key, iv!);
      decipher.setAuthTag(tag!);
      return Buffer.concat([decipher.update(body!), decipher.final()]).toString('utf8');
    } catch {
      return undefined;
    }
  }
}

/** HMAC-SHA-256 hex of `value` under a key derived for `purpose`. */
export function keyedDigest(secretKey: string, purpose: string, value: string): string {
  return createHmac('sha256', deriveKey(secretKey, purpose)).update(value).digest('hex');
}
