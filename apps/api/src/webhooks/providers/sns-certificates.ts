import { Inject, Injectable } from '@nestjs/common';
import { type KeyObject, X509Certificate } from 'node:crypto';

/**
 * The network side of SNS verification: GET an https URL and return its body. Production uses fetch; tests
 * replace only this (the host rule in SnsCertificates still runs on every URL).
 */
export interface SnsHttpClient {
  get(url: URL): Promise<string>;
}
export const SNS_HTTP_CLIENT = Symbol('SNS_HTTP_CLIENT');

/** The certificate could not be downloaded (network, AWS): the message may be genuine, so SNS should retry. */
export class SnsCertificateUnavailable extends Error {}

/** Largest certificate or confirmation reply read; an SNS signing certificate is about 2 kB. */
const MAX_BODY_BYTES = 64 * 1024;
const TIMEOUT_MS = 10_000;

@Injectable()
export class FetchSnsHttpClient implements SnsHttpClient {
  async get(url: URL): Promise<string> {
    // No redirects: a redirect could lead off the host the rule allowed.
    const res = await fetch(url, { redirect: 'error', signal: AbortSignal.timeout(TIMEOUT_MS) });
    if (!res.ok) throw new Error(`GET ${url.origin}${url.pathname} answered ${res.status}`);
    const body = Buffer.from(await res.arrayBuffer());
    if (body.length > MAX_BODY_BYTES) throw new Error(`GET ${url.origin}${url.pathname}: reply too large`);
    return body.toString('utf8');
  }
}

/**
 * Whether a URL may be fetched for SNS: https, no user info, the default port, and the host exactly
 * `sns.<region>.amazonaws.com` with a region of lowercase letters and digits joined by single hyphens
 * (us-east-1, eu-central-2, us-gov-west-1). Checked without a regex, in one pass over the parts, on the URL
 * as the WHATWG parser reads it (so `https://sns.us-east-1.amazonaws.com@evil.test/` is evil.test, refused).
 */
export function snsUrl(text: unknown): URL | undefined {
  if (typeof text !== 'string' || text.length > 2048) return undefined;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'https:' || url.username !== '' || url.password !== '' || url.port !== '') {
    return undefined;
  }
  const labels = url.hostname.split('.');
  if (labels.length !== 4 || labels[0] !== 'sns' || labels[2] !== 'amazonaws' || labels[3] !== 'com') {
    return undefined;
  }
  const region = labels[1]!;
  const parts = region.split('-');
  if (region.length > 30 || parts.length < 3) return undefined;
  for (const p of parts) {
    if (p.length === 0) return undefined;
    for (const ch of p) if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9'))) return undefined;
  }
  return url;
}

/** Certificates kept (one per region and key rotation): a handful in practice. */
const CACHE_SIZE = 32;

/**
 * SNS signing certificates by URL: fetched once (only from an allowed SNS host, see snsUrl), parsed, checked
 * for their validity period, and cached. A failed fetch is not cached (the next message tries again).
 */
@Injectable()
export class SnsCertificates {
  private readonly cache = new Map<string, Promise<{ key: KeyObject; validTo: number }>>();

  constructor(@Inject(SNS_HTTP_CLIENT) private readonly http: SnsHttpClient) {}

  /** The public key of the certificate at `certUrl`, or an Error saying why it cannot be used. */
  async publicKey(certUrl: unknown): Promise<KeyObject> {
    const url = snsUrl(certUrl);
    if (!url || !url.pathname.endsWith('.pem')) {
      throw new Error('SigningCertURL is not an https .pem URL on sns.<region>.amazonaws.com');
    }
    const key = url.toString();
    let hit = this.cache.get(key);
    // A cached certificate that has expired since is fetched again (and refused if still expired).
    const cached = hit ? await hit.catch(() => undefined) : undefined;
    if (cached && cached.validTo < Date.now()) {
      this.cache.delete(key);
      hit = undefined;
    }
    if (!hit) {
      hit = this.load(url);
      this.cache.set(key, hit);
      hit.catch(() => this.cache.delete(key));
      while (this.cache.size > CACHE_SIZE) this.cache.delete(this.cache.keys().next().value!);
    }
    return (await hit).key;
  }

  /** GETs an SNS URL (SubscribeURL) under the same host rule. */
  async confirm(subscribeUrl: unknown): Promise<void> {
    const url = snsUrl(subscribeUrl);
    if (!url) throw new Error('SubscribeURL is not an https URL on sns.<region>.amazonaws.com');
    await this.http.get(url);
  }

  private async load(url: URL): Promise<{ key: KeyObject; validTo: number }> {
    let pem: string;
    try {
      pem = await this.http.get(url);
    } catch (err) {
      throw new SnsCertificateUnavailable(
        `the SNS signing certificate could not be fetched: ${(err as Error).message}`,
      );
    }
    const cert = new X509Certificate(pem);
    const now = Date.now();
    const validTo = new Date(cert.validTo).getTime();
    if (new Date(cert.validFrom).getTime() > now || !(validTo >= now)) {
      throw new Error('the SNS signing certificate is not valid now');
    }
    return { key: cert.publicKey, validTo };
  }
}
