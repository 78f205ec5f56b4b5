import { compileMimeTemplate, dkimBodyHash, type BodyCanonicalization } from '@app/email';
import { generateKeyPairSync } from 'node:crypto';
import { SmtpSink } from '@app/testing';
import { DkimSigner } from './dkim-signer';
import { SmtpMailTransport } from './smtp.transport';

// An independent verifier: mailauth (Postal's/EmailEngine's DKIM implementation). Its package entry pulls in
// BIMI code that needs Node 22; the DKIM modules themselves run on Node 20.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { dkimVerify } = require('mailauth/lib/dkim/verify') as {
  dkimVerify: (
    input: Buffer,
    opts: { resolver: (name: string, type: string) => Promise<string[][]> },
  ) => Promise<{
    results: { status: { result: string; comment?: string }; signingHeaders?: { keys: string } }[];
  }>;
};
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { dkimBody } = require('mailauth/lib/dkim/body') as {
  dkimBody: (canon: string, algo: string) => { update(b: Buffer): void; digest(enc: 'base64'): string };
};

const { privateKey, publicKey } = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  publicKeyEncoding: { type: 'spki', format: 'der' },
});
const dnsRecord = `v=DKIM1; k=rsa; p=${publicKey.toString('base64')}`;
const resolver = (name: string, type: string): Promise<string[][]> => {
  if (type === 'TXT' && name === 'crank._domainkey.example.test') return Promise.resolve([[dnsRecord]]);
  const err = new Error(`no ${type} record for ${name}`) as Error & { code: string };
  err.code = 'ENOTFOUND';
  return Promise.reject(err);
};
const signer = new DkimSigner({ domainName: 'example.test', keySelector: 'crank', privateKey });

async function verify(raw: Buffer): Promise<{ result: string; comment?: string; keys?: string }> {
  const { results } = await dkimVerify(raw, { resolver });
  expect(results).toHaveLength(1);
  return { ...results[0]!.status, keys: results[0]!.signingHeaders?.keys };
}

function mailauthBodyHash(body: Buffer, canon: BodyCanonicalization): string {
  const h = dkimBody(canon, 'sha256');
  h.update(body);
  return h.digest('base64');
}

const bodyOf = (raw: Buffer) => raw.subarray(raw.indexOf('\r\n\r\n') + 4);

/** Bodies that exercise the canonicalization rules: whitespace runs, trailing whitespace, empty lines. */
const AWKWARD = {
  text: 'Hello  there, \t reader.   \n\n\nTrailing spaces   \n\tTabbed line\t\n' + 'x'.repeat(300) + ' \n',
  html: `<p>Long line ${'word '.repeat(120)}</p>\n<p>  spaced   out  </p>\n<a href="%%UNSUBSCRIBE_URL%%">Unsubscribe</a>   \n\n\n`,
};

function template(bodies: { text: string; html: string }) {
  return compileMimeTemplate({
    from: { name: 'CRANK Call', address: 'crank@example.test' },
    subject: 'April  issue ',
    html: bodies.html,
    text: `${bodies.text}\nUnsubscribe: %%UNSUBSCRIBE_URL%%\nPreferences: %%PREFERENCES_URL%%\n`,
    headers: { 'List-Id': 'CRANK Call <crank-call.news.example.test>' },
    listUnsubscribe: { mailto: 'unsubscribe@example.test?subject=unsubscribe' },
  });
}

const values = (n: number, unsubscribeUrl = `https://news.example.test/unsubscribe?token=t${n}`) => ({
  to: `reader-${n}@example.test`,
  messageId: `<c1.d${n}.abc@example.test>`,
  unsubscribeUrl,
  preferencesUrl: `https://news.example.test/preferences?token=p${n}`,
  extraHeaders: { 'X-Newsletter-Delivery': String(n) },
});

describe('DkimSigner', () => {
  it('signs a template message with a body hash continued from the shared prefix; mailauth verifies it', async () => {
    const t = template(AWKWARD);
    for (const n of [1, 2]) {
      const { raw, bodyHash } = t.renderWithBodyHash(values(n), 'relaxed');
      expect(bodyHash).toBe(mailauthBodyHash(bodyOf(raw), 'relaxed'));
      const signed = await signer.sign(raw, bodyHash);
      const status = await verify(signed);
      expect(status.result).toBe('pass');
      for (const h of ['from', 'to', 'subject', 'message-id', 'list-id', 'list-unsubscribe', 'date']) {
        expect(status.keys?.toLowerCase().split(': ')).toContain(h);
      }
      // The personalised link is covered: another recipient's token does not verify.
      const forged = Buffer.from(signed.toString('latin1').replace(`token=t${n}`, 'token=tX'), 'latin1');
      expect((await verify(forged)).result).toBe('fail');
    }
  });

  it.each(['relaxed', 'simple'] as const)(
    'the %s body hash of the fast path equals mailauth’s, including the end-of-body rules',
    (canon) => {
      const cases = [
        AWKWARD,
        { text: 'one line', html: '<p>x</p>' },
        { text: '\n\n\n', html: '\n\n' }, // empty lines everywhere
        { text: 'a'.repeat(2000), html: `${' '.repeat(200)}<b>   </b>${'\t'.repeat(10)}` }, // long lines, whitespace only
      ];
      for (const bodies of cases) {
        const t = template(bodies);
        const { raw, bodyHash } = t.renderWithBodyHash(values(7), canon);
        expect(bodyHash).toBe(mailauthBodyHash(bodyOf(raw), canon));
        expect(bodyHash).toBe(dkimBodyHash(bodyOf(raw), canon));
      }
    },
  );

  it('a personalised value with whitespace takes the general path and still hashes right', () => {
    const t = template(AWKWARD);
    const { raw, bodyHash } = t.renderWithBodyHash(
      {
        ...values(3, 'https://news.example.test/u?x=a  b '),
        listUnsubscribeUrl: 'https://news.example.test/unsubscribe?token=t3',
      },
      'relaxed',
    );
    expect(raw.toString('latin1')).toContain('x=3Da  b=20');
    expect(bodyHash).toBe(mailauthBodyHash(bodyOf(raw), 'relaxed'));
  });

  it('hashes the body itself when no hash is given, for any message (trailing empty lines, whitespace)', async () => {
    const raw = Buffer.from(
      'From: "A" <a@example.test>\r\nTo: b@example.test\r\nSubject:   folded\r\n   subject  \r\n' +
        'Date: Sun, 29 Nov 2026 10:00:00 +0000\r\nMessage-ID: <x@example.test>\r\n\r\n' +
        'body  with   spaces \t\r\n\r\nlast line\r\n\r\n\r\n',
      'latin1',
    );
    expect((await verify(await signer.sign(raw))).result).toBe('pass');
    const empty = Buffer.from('From: a@example.test\r\nSubject: empty\r\n\r\n', 'latin1');
    expect((await verify(await signer.sign(empty))).result).toBe('pass');
    // A wrong body hash handed in by a caller is caught by the verifier, not hidden.
    const wrong = await signer.sign(raw, dkimBodyHash(Buffer.from('other\r\n'), 'relaxed'));
    expect((await verify(wrong)).result).not.toBe('pass');
  });

  it('the SMTP transport signs composed (transactional) mail with the same signer', async () => {
    const sink = await new SmtpSink().start();
    const transport = new SmtpMailTransport({
      url: sink.url,
      poolSize: 1,
      timeoutMs: 5000,
      dkim: { domainName: 'example.test', keySelector: 'crank', privateKey },
    });
    try {
      await transport.send({
        kind: 'compose',
        from: 'CRANK Call <crank@example.test>',
        to: 'reader@example.test',
        subject: 'Confirm your subscription',
        html: '<p>Confirm  please</p>',
        text: 'Confirm  please  ',
        headers: { 'List-Id': 'CRANK Call <crank-call.news.example.test>' },
        envelope: { from: 'bounces@example.test', to: 'reader@example.test' },
      });
      await sink.waitFor(1);
      const status = await verify(sink.messages[0]!.raw);
      expect(status.result).toBe('pass');
      expect(status.keys?.toLowerCase().split(': ')).toContain('list-id');
    } finally {
      await transport.close();
      await sink.stop();
    }
  });

  it('refuses a key that is not RSA', () => {
    const ed = generateKeyPairSync('ed25519', {
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    });
    expect(
      () => new DkimSigner({ domainName: 'example.test', keySelector: 'k', privateKey: ed.privateKey }),
    ).toThrow(/RSA/);
  });
});
