import { AppConfig, envSchema } from '@app/config';
import { SmtpMailTransport } from '@app/mailer';
import { SmtpSink } from '@app/testing';
import { createHash, createPublicKey, generateKeyPairSync, verify } from 'node:crypto';
import { crankCallApril2025 } from '../../../../test/fixtures/crank-call-2025-04.expected';
import type { CampaignEditionRepository } from './campaign-edition.repository';
import { CampaignMessageFactory, listIdHeader, parseMailFrom } from './campaign-message.factory';
import { VerpAddresses } from '../feedback/verp';
import { SubscriberLinks } from '../subscriptions/subscriber-links';
import { TokenPurpose, TokenService } from '../tokens/token.service';

const EDITION = {
  slug: '2025-04',
  subject: 'CRANK Call | April 2025',
  content: crankCallApril2025,
  pub_name: 'CRANK Call',
  pub_slug: 'crank-call',
};

function config(extra: Record<string, string> = {}): AppConfig {
  return new AppConfig(
    envSchema.parse({
      SECRET_KEY: 'k'.repeat(40),
      PUBLIC_URL: 'https://news.example.test',
      MAIL_FROM: 'CRANK Call <crank@example.test>',
      ...extra,
    }),
  );
}

function factory(cfg: AppConfig): CampaignMessageFactory {
  // compileEdition reads nothing from the database.
  return new CampaignMessageFactory(
    {} as CampaignEditionRepository,
    cfg,
    new SubscriberLinks(cfg, new TokenService(cfg)),
    new VerpAddresses(cfg),
  );
}

/** Unfolded header fields in order, as [name, raw "Name: value" with its folding]. */
function headerFields(raw: string): { name: string; field: string }[] {
  const head = raw.slice(0, raw.indexOf('\r\n\r\n'));
  const fields: { name: string; field: string }[] = [];
  for (const line of head.split('\r\n')) {
    if (/^[ \t]/.test(line) && fields.length) fields[fields.length - 1]!.field += `\r\n${line}`;
    else fields.push({ name: line.slice(0, line.indexOf(':')).trim().toLowerCase(), field: line });
  }
  return fields;
}

/** RFC 6376 §3.4.2 relaxed header canonicalization of one field (without the trailing CRLF). */
function relaxedHeader(field: string): string {
  const colon = field.indexOf(':');
  const name = field.slice(0, colon).trim().toLowerCase();
  const value = field
    .slice(colon + 1)
    .replace(/\r\n(?=[ \t])/g, '')
    .replace(/[ \t]+/g, ' ')
    .trim();
  return `${name}:${value}`;
}

/** RFC 6376 §3.4.4 relaxed body canonicalization. */
function relaxedBody(body: string): string {
  const lines = body.split('\r\n').map((l) => l.replace(/[ \t]+/g, ' ').replace(/ $/, ''));
  while (lines.length && lines[lines.length - 1] === '') lines.pop();
  return lines.length ? `${lines.join('\r\n')}\r\n` : '';
}

/** An independent DKIM verifier (rsa-sha256, relaxed/relaxed): checks bh= and the signature over h=. */
function verifyDkim(raw: string, publicKeyPem: string): { tags: Map<string, string>; signed: string[] } {
  const fields = headerFields(raw);
  const sig = fields.find((f) => f.name === 'dkim-signature');
  if (!sig) throw new Error('no DKIM-Signature header');
  const value = sig.field.slice(sig.field.indexOf(':') + 1).replace(/\s+/g, '');
  const tags = new Map(
    value
      .split(';')
      .filter(Boolean)
      .map((t) => [t.slice(0, t.indexOf('=')), t.slice(t.indexOf('=') + 1)] as [string, string]),
  );
  expect(tags.get('a')).toBe('rsa-sha256');
  expect(tags.get('c')).toBe('relaxed/relaxed');
  const body = raw.slice(raw.indexOf('\r\n\r\n') + 4);
  expect(tags.get('bh')).toBe(createHash('sha256').update(relaxedBody(body)).digest('base64'));

  const signed = tags.get('h')!.toLowerCase().split(':');
  // Each listed name takes the next instance from the bottom (RFC 6376 §5.4.2); absent ones sign as empty.
  const used = new Set<number>();
  let data = '';
  for (const name of signed) {
    for (let i = fields.length - 1; i >= 0; i--) {
      if (fields[i]!.name === name && !used.has(i) && fields[i] !== sig) {
        used.add(i);
        data += `${relaxedHeader(fields[i]!.field)}\r\n`;
        break;
      }
    }
  }
  data += relaxedHeader(sig.field)
    .replace(/(;\s*b=)[^;]*$/, '$1')
    .replace(/(;\s*b=)[^;]*;/, '$1;');
  const ok = verify(
    'sha256',
    Buffer.from(data),
    createPublicKey(publicKeyPem),
    Buffer.from(tags.get('b')!, 'base64'),
  );
  expect(ok).toBe(true);
  return { tags, signed };
}

describe('campaign messages', () => {
  it('parses MAIL_FROM and builds the List-Id', () => {
    expect(parseMailFrom('CRANK Call <crank@example.test>')).toEqual({
      name: 'CRANK Call',
      address: 'crank@example.test',
    });
    expect(parseMailFrom('crank@example.test')).toEqual({ name: '', address: 'crank@example.test' });
    expect(() => parseMailFrom('CRANK Call')).toThrow(/no email address/);
    expect(listIdHeader('CRANK Call', 'crank-call', 'https://News.Example.test:8443/x')).toBe(
      'CRANK Call <crank-call.news.example.test>',
    );
    expect(listIdHeader('Crank "Call"', 'crank-call', 'https://a.test')).toBe(
      '"Crank \\"Call\\"" <crank-call.a.test>',
    );
  });

  it('gives each recipient their own links and leaves out one-click without https', async () => {
    const cfg = config();
    const message = await factory(cfg).compileEdition(7, EDITION);
    const tokens = new TokenService(cfg);
    const uids = ['6f1c1c2e-8f38-4c3f-9a7e-0d4b7a0c1a11', '0b3a6b4e-1f2d-4e5f-8a9b-112233445566'];
    // Unfolded (RFC 5322 §2.2.3: remove each CRLF that precedes white space) to read whole header fields.
    const verp = new VerpAddresses(cfg);
    const raws = uids.map((uid, i) =>
      message
        .build({
          email: `r${i}@example.test`,
          subscriberId: 40 + i,
          subscriberUid: uid,
          deliveryId: 900 + i,
          messageId: `<m${i}@example.test>`,
        })
        .toString()
        .replace(/\r\n(?=[ \t])/g, ''),
    );
    raws.forEach((raw, i) => {
      const lu =
        /^List-Unsubscribe: <(https:[^>]+)>, <mailto:(unsubscribe\+[a-z0-9-]+@example\.test)\?subject=unsubscribe>\r$/m.exec(
          raw,
        );
      expect(lu).not.toBeNull();
      // The mailto names this reader and this campaign, signed for this reader's uid only.
      const parsed = verp.parseRecipient(lu![2]!);
      expect(parsed?.kind).toBe('unsubscribe');
      const claim = parsed?.kind === 'unsubscribe' ? parsed.claim : undefined;
      expect(claim).toMatchObject({ subscriberId: 40 + i, campaignId: 7 });
      expect(claim!.matches(uids[i]!)).toBe(true);
      expect(claim!.matches(uids[1 - i]!)).toBe(false);
      expect(raw).toMatch(new RegExp(`^X-Newsletter-Delivery: ${900 + i}\\r$`, 'm'));
      expect(raw).toMatch(/^From: "CRANK Call" <crank@example\.test>\r$/m);
      const token = new URL(lu![1]!).searchParams.get('token');
      expect(tokens.verify(token, TokenPurpose.Unsubscribe)).toMatchObject({
        ok: true,
        subscriberUid: uids[i],
      });
      expect(raw).toMatch(/^List-Unsubscribe-Post: List-Unsubscribe=One-Click\r$/m);
      expect(raw).toMatch(/^List-Id: CRANK Call <crank-call\.news\.example\.test>\r$/m);
      expect(raw).toMatch(new RegExp(`^To: r${i}@example\\.test\\r$`, 'm'));
      expect(raw).toMatch(new RegExp(`^Message-ID: <m${i}@example\\.test>\\r$`, 'm'));
      expect(raw).not.toContain(uids[1 - i]!.replace(/-/g, '')); // nothing of the other recipient
      expect(raw).not.toMatch(/%%[A-Z_]+%%/);
    });
    expect(message.fromAddress).toBe('crank@example.test');
    // The envelope sender is the delivery's own signed bounce address, not MAIL_FROM.
    expect(verp.parseRecipient(message.envelopeFrom(901))).toEqual({
      kind: 'bounce',
      subject: { kind: 'delivery', deliveryId: 901 },
    });

    const plain = await factory(config({ PUBLIC_URL: 'http://localhost:3000' })).compileEdition(7, EDITION);
    const raw = plain.build({
      email: 'r@example.test',
      subscriberId: 40,
      subscriberUid: uids[0]!,
      deliveryId: 900,
      messageId: '<m@example.test>',
    });
    const unfolded = raw.toString().replace(/\r\n(?=[ \t])/g, '');
    expect(unfolded).not.toMatch(/^List-Unsubscribe-Post:/m);
    expect(unfolded).toMatch(/^List-Unsubscribe: ?<http:\/\/localhost:3000\/unsubscribe\?token=/m);
  });

  it('is DKIM-signed when sent raw, with the list headers in the signature', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    });
    const cfg = config({ DKIM_DOMAIN: 'example.test', DKIM_SELECTOR: 'crank', DKIM_PRIVATE_KEY: privateKey });
    const sink = await new SmtpSink().start();
    const transport = new SmtpMailTransport({ url: sink.url, poolSize: 1, timeoutMs: 5000, dkim: cfg.dkim });
    try {
      const message = await factory(cfg).compileEdition(7, EDITION);
      // What the delivery sends: the body hash comes from the template (shared prefix hashed once).
      const { raw, dkimBodyHash } = message.buildForSending({
        email: 'reader@example.test',
        subscriberId: 3,
        subscriberUid: '6f1c1c2e-8f38-4c3f-9a7e-0d4b7a0c1a11',
        deliveryId: 1,
        messageId: '<c7.d1.abc@example.test>',
      });
      expect(dkimBodyHash).toMatch(/^[A-Za-z0-9+/]{43}=$/);
      const res = await transport.send({
        kind: 'raw',
        raw,
        dkimBodyHash,
        envelope: { from: message.envelopeFrom(1), to: 'reader@example.test' },
        messageId: '<c7.d1.abc@example.test>',
      });
      expect(res.response).toMatch(/^250 /);
      await sink.waitFor(1);
      const received = sink.messages[0]!.raw.toString('latin1');
      const { tags, signed } = verifyDkim(received, publicKey);
      expect(tags.get('d')).toBe('example.test');
      expect(tags.get('s')).toBe('crank');
      for (const name of [
        'from',
        'to',
        'subject',
        'message-id',
        'list-id',
        'list-unsubscribe',
        'list-unsubscribe-post',
      ]) {
        expect(signed).toContain(name);
      }
      // Tampering with the one-click URL breaks the signature.
      // The first occurrence is in the List-Unsubscribe header (headers come first).
      const forged = received.replace('/unsubscribe?token=', '/unsubscribe?token=X');
      expect(received.indexOf('/unsubscribe?token=')).toBeLessThan(received.indexOf('\r\n\r\n'));
      expect(forged).not.toBe(received);
      expect(() => verifyDkim(forged, publicKey)).toThrow();
    } finally {
      await transport.close();
      await sink.stop();
    }
  });
});
