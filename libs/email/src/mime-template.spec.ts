import { simpleParser, type ParsedMail } from 'mailparser';
import { crankCallApril2025 as april } from '../../../test/fixtures/crank-call-2025-04.expected';
import {
  compileMimeTemplate,
  formatAddress,
  formatDate,
  qpEncode,
  type MimeTemplateOptions,
} from './mime-template';
import { escapeHtml } from './placeholders';
import { PLACEHOLDERS, personalize, renderEdition, type RenderedEmail } from './render';

const sender = {
  name: 'Center for the National Interest',
  address: '1025 Connecticut Ave NW, Washington, DC 20036',
};

/** Decodes quoted-printable to bytes (independent of the encoder under test). */
function qpDecode(qp: string): Buffer {
  const unfolded = qp.replace(/=\r\n/g, '');
  const bytes: number[] = [];
  for (let i = 0; i < unfolded.length; i++) {
    if (unfolded[i] === '=') {
      bytes.push(parseInt(unfolded.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(unfolded.charCodeAt(i));
  }
  return Buffer.from(bytes);
}

/** Raw body of the part with the given content type, still QP-encoded. */
function rawPart(raw: string, type: string): string {
  const boundary = /boundary="([^"]+)"/.exec(raw)![1]!;
  const part = raw.split(`--${boundary}`).find((p) => p.includes(`Content-Type: ${type}`))!;
  const body = part.slice(part.indexOf('\r\n\r\n') + 4);
  return body.slice(0, -2); // the CRLF before the next delimiter belongs to the delimiter
}

function checkWireFormat(raw: string): void {
  expect(raw).not.toMatch(/\r(?!\n)|(?<!\r)\n/); // CRLF only
  for (const line of raw.split('\r\n')) {
    expect(line.length).toBeLessThan(998);
  }
  expect(raw).toMatch(/^[\x20-\x7e\r\n\t]*$/); // 7-bit clean
  const [, body] = raw.split('\r\n\r\n', 2);
  expect(body).toBeDefined();
  const bodyStart = raw.indexOf('\r\n\r\n');
  for (const line of raw.slice(bodyStart).split('\r\n')) expect(line.length).toBeLessThanOrEqual(76);
}

describe('qpEncode', () => {
  it('encodes per RFC 2045 and decodes back exactly', () => {
    const samples = [
      '',
      'plain ascii',
      'a=b',
      'trailing space \nnext',
      'tab\t',
      '.leading dot',
      '“quotes” — dashes – ’ and emoji 🎉'.repeat(20),
      'x'.repeat(500),
      'line one\nline two\r\nline three\n',
    ];
    for (const s of samples) {
      const enc = qpEncode(s);
      expect(enc).toMatch(/^[\x20-\x7e\r\n]*$/);
      for (const line of enc.split('\r\n')) {
        expect(line.length).toBeLessThanOrEqual(76);
        expect(line).not.toMatch(/[ \t]$/);
        expect(line).not.toMatch(/^\./);
      }
      expect(qpDecode(enc).toString('utf8')).toBe(s.replace(/\r?\n/g, '\r\n'));
    }
    // Random printable ASCII (the fast path used for URLs) with many dots, "=" and spaces.
    let seed = 42;
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let k = 0; k < 500; k++) {
      const alphabet = '..== abcXYZ/?&%-_~:;';
      const str = Array.from({ length: Math.floor(rnd() * 300) }, () =>
        rnd() < 0.5
          ? alphabet[Math.floor(rnd() * alphabet.length)]
          : String.fromCharCode(32 + Math.floor(rnd() * 95)),
      ).join('');
      const enc = qpEncode(str);
      for (const line of enc.split('\r\n')) {
        expect(line.length).toBeLessThanOrEqual(76);
        expect(line).not.toMatch(/^\./);
        expect(line).not.toMatch(/[ \t]$/);
      }
      expect(qpDecode(enc).toString('latin1')).toBe(str);
    }
    expect(qpEncode('a=b')).toBe('a=3Db');
    expect(qpEncode('end ')).toBe('end=20');
  });
});

describe('header helpers', () => {
  it('formats dates per RFC 5322 and addresses safely', () => {
    expect(formatDate(new Date(Date.UTC(2025, 3, 5, 9, 3, 7)))).toBe('Sat, 05 Apr 2025 09:03:07 +0000');
    expect(formatAddress('a@b.org')).toBe('a@b.org');
    expect(formatAddress({ name: 'Ann "A" B', address: 'a@b.org' })).toBe('"Ann \\"A\\" B" <a@b.org>');
    expect(formatAddress({ name: 'Zoë\r\nBcc: x@y.z', address: 'a@b.org' })).toMatch(/^=\?UTF-8\?B\?/);
    expect(() => formatAddress('a@b.org\r\nBcc: evil@x.org')).toThrow(/Invalid/);
    expect(() => formatAddress('a@b.org>, evil@x.org')).toThrow(/Invalid/);
    expect(() => formatAddress('not an address')).toThrow(/Invalid/);
  });
});

describe('compileMimeTemplate with the April edition', () => {
  let rendered: RenderedEmail;
  let options: MimeTemplateOptions;
  beforeAll(async () => {
    rendered = await renderEdition(april, { sender });
    options = {
      from: { name: 'CRANK Call', address: 'crank@cftni.org' },
      subject: april.subject,
      html: rendered.html,
      text: rendered.text,
      headers: { 'List-Id': 'CRANK Call <crank-call.cftni.org>', 'X-Edition': april.slug },
      listUnsubscribe: { mailto: 'unsubscribe@cftni.org' },
    };
  });

  const urlsFor = (i: number) => ({
    unsubscribeUrl: `https://crank.example.org/u/r${i}x?t=T${i}Z&amp=1`,
    preferencesUrl: `https://crank.example.org/p/r${i}x?t=T${i}Z`,
    webUrl: 'https://crank.example.org/archive/2025-04',
  });

  it('gives each of 200 recipients exactly its own URLs in html, text and List-Unsubscribe', async () => {
    const template = compileMimeTemplate(options);
    expect([...template.placeholders].sort()).toEqual(['preferencesUrl', 'unsubscribeUrl', 'webUrl']);
    const date = new Date(Date.UTC(2025, 4, 1, 12, 0, 0));
    for (let i = 0; i < 200; i++) {
      const urls = urlsFor(i);
      const raw = template.render({
        to: { name: i % 3 ? `Reader ${i}` : `Lecteur Élodie ${i}`, address: `reader${i}@example.org` },
        messageId: `<edition-2025-04.r${i}@cftni.org>`,
        date,
        ...urls,
      });
      const rawText = raw.toString('latin1');
      if (i < 5) checkWireFormat(rawText);
      const mail: ParsedMail = await simpleParser(raw);
      expect(mail.to && !Array.isArray(mail.to) ? mail.to.value : []).toEqual([
        { address: `reader${i}@example.org`, name: i % 3 ? `Reader ${i}` : `Lecteur Élodie ${i}` },
      ]);
      expect(mail.messageId).toBe(`<edition-2025-04.r${i}@cftni.org>`);
      expect(mail.date?.toISOString()).toBe(date.toISOString());
      expect(mail.subject).toBe('CRANK Call | April 2025');
      expect(mail.headers.get('x-edition')).toBe('2025-04');
      expect(mail.headers.get('list')).toEqual({
        id: { name: 'CRANK Call', id: 'crank-call.cftni.org' },
        'unsubscribe-post': { name: 'List-Unsubscribe=One-Click' },
        unsubscribe: { url: urls.unsubscribeUrl, mail: 'unsubscribe@cftni.org' },
      });
      const lu = /^List-Unsubscribe: (.*(?:\r\n .*)*)/m.exec(rawText)![1]!.replace(/\r\n/g, '');
      expect(lu).toBe(`<${urls.unsubscribeUrl}>, <mailto:unsubscribe@cftni.org>`);

      const html = mail.html as string;
      const text = mail.text!;
      expect(html).toContain(`href="${escapeHtml(urls.unsubscribeUrl)}"`);
      expect(html).toContain(`href="${escapeHtml(urls.preferencesUrl)}"`);
      expect(html).toContain(`href="${urls.webUrl}"`);
      expect(text).toContain(`Unsubscribe: ${urls.unsubscribeUrl}`);
      expect(text).toContain(`Manage preferences: ${urls.preferencesUrl}`);
      // Nobody else's: every recipient marker in the message is this recipient's.
      const markers = new Set(
        [...`${html}\n${text}\n${lu}`.matchAll(/\/r(\d+)x\?t=T(\d+)Z/g)].flatMap((m) => [m[1], m[2]]),
      );
      expect([...markers]).toEqual([String(i)]);
      expect(`${html}${text}`).not.toContain('%%');
    }
  });

  it('QP decoding of the html part yields the personalized html exactly (and the text part likewise)', () => {
    const template = compileMimeTemplate(options);
    const urls = urlsFor(7);
    const raw = template.render({ to: 'reader7@example.org', ...urls }).toString('latin1');
    const expected = personalize(rendered, urls);
    expect(qpDecode(rawPart(raw, 'text/html')).toString('utf8')).toBe(expected.html);
    expect(qpDecode(rawPart(raw, 'text/plain')).toString('utf8')).toBe(expected.text.replace(/\n/g, '\r\n'));
    // And with no placeholder values at all in the bodies, it is the rendered html itself.
    const plain = compileMimeTemplate({ ...options, html: '<p>Hi “there” = 1</p>', text: 'Hi' });
    const raw2 = plain.render({ to: 'a@b.org', unsubscribeUrl: 'https://x.org/u' }).toString('latin1');
    expect(qpDecode(rawPart(raw2, 'text/html')).toString('utf8')).toBe('<p>Hi “there” = 1</p>');
  });

  it('never splits a placeholder: a long URL is folded on its own lines only', async () => {
    const template = compileMimeTemplate(options);
    const long = `https://crank.example.org/u/r1x?t=T1Z&pad=${'a'.repeat(300)}`;
    const raw = template.render({ to: 'a@b.org', ...urlsFor(1), unsubscribeUrl: long });
    checkWireFormat(raw.toString('latin1'));
    const mail = await simpleParser(raw);
    expect(mail.html).toContain(`href="${escapeHtml(long)}"`);
    expect(mail.text).toContain(long);
  });

  it('round-trips a non-ASCII subject and display names', async () => {
    const subject = 'CRANK Call | Avril 2025 — “Sécurité” et 北京 ' + 'long '.repeat(20);
    const template = compileMimeTemplate({
      ...options,
      subject,
      from: { name: 'CRANK Call — Rédaction', address: 'crank@cftni.org' },
    });
    const raw = template.render({ to: { name: 'Zoë Ünal', address: 'z@example.org' }, ...urlsFor(2) });
    checkWireFormat(raw.toString('latin1'));
    const mail = await simpleParser(raw);
    expect(mail.subject).toBe(subject.trim());
    expect(mail.from?.value[0]).toEqual({ name: 'CRANK Call — Rédaction', address: 'crank@cftni.org' });
    expect(mail.to && !Array.isArray(mail.to) ? mail.to.value[0]?.name : '').toBe('Zoë Ünal');
  });

  it('cannot be made to add a header by any value', async () => {
    // Subject from an editor: CR/LF stripped.
    const t = compileMimeTemplate({ ...options, subject: 'Hello\r\nBcc: victim@example.org\r\n\r\nbody' });
    const raw = t.render({ to: 'a@b.org', ...urlsFor(3) });
    const mail = await simpleParser(raw);
    expect(mail.bcc).toBeUndefined();
    expect(mail.headers.has('bcc')).toBe(false);
    expect(mail.subject).toBe('Hello Bcc: victim@example.org body');

    // Static extra headers: rejected.
    expect(() =>
      compileMimeTemplate({ ...options, headers: { 'X-A': 'ok\r\nBcc: victim@example.org' } }),
    ).toThrow(/line break/);
    expect(() => compileMimeTemplate({ ...options, headers: { 'X-A\r\nBcc': 'v' } })).toThrow(/header name/);
    expect(() => compileMimeTemplate({ ...options, headers: { Bcc: 'victim@example.org' } })).toThrow(
      /set by the template/,
    );
    expect(() => compileMimeTemplate({ ...options, from: 'crank@cftni.org\r\nBcc: v@x.org' })).toThrow(
      /Invalid From/,
    );

    // Per-recipient values: the address, URLs, Message-ID and display name.
    const template = compileMimeTemplate({
      ...options,
      headers: { 'X-Pref': `<${PLACEHOLDERS.preferencesUrl}>` },
    });
    const evil = 'https://x.org/u\r\nBcc: victim@example.org';
    expect(() => template.render({ to: 'a@b.org\r\nBcc: victim@example.org', ...urlsFor(4) })).toThrow(
      /Invalid To/,
    );
    expect(() => template.render({ to: 'a@b.org', ...urlsFor(4), unsubscribeUrl: evil })).toThrow();
    expect(() => template.render({ to: 'a@b.org', ...urlsFor(4), preferencesUrl: evil })).toThrow(
      /line break/,
    );
    expect(() =>
      template.render({
        to: 'a@b.org',
        ...urlsFor(4),
        listUnsubscribeUrl: 'https://x.org/>, <https://evil.org',
      }),
    ).toThrow(/List-Unsubscribe/);
    expect(() =>
      template.render({ to: 'a@b.org', ...urlsFor(4), messageId: '<a@b>\r\nBcc: v@x.org' }),
    ).toThrow(/Message-ID/);
    // A recipient's own mailto and extra headers are checked like the template's.
    for (const listUnsubscribeMailto of [
      'u@b.org?subject=x>, <https://evil.org',
      'u@b.org\r\nBcc: v@x.org',
      'not an address',
    ]) {
      expect(() => template.render({ to: 'a@b.org', ...urlsFor(4), listUnsubscribeMailto })).toThrow(
        /mailto/,
      );
    }
    expect(() =>
      template.render({ to: 'a@b.org', ...urlsFor(4), extraHeaders: { 'X-D': '1\r\nBcc: v@x.org' } }),
    ).toThrow();
    expect(() =>
      template.render({ to: 'a@b.org', ...urlsFor(4), extraHeaders: { Bcc: 'v@x.org' } }),
    ).toThrow();
    expect(() =>
      template.render({ to: 'a@b.org', ...urlsFor(4), extraHeaders: { From: 'v@x.org' } }),
    ).toThrow(/cannot be overridden/);
    const own = template.render({
      to: 'a@b.org',
      ...urlsFor(4),
      listUnsubscribeMailto: 'unsubscribe+u1-2-abc@bounces.example.org?subject=unsubscribe',
      extraHeaders: { 'X-Newsletter-Delivery': '42' },
    });
    expect((await simpleParser(own)).headers.get('x-newsletter-delivery')).toBe('42');
    expect(own.toString().replace(/\r\n(?=[ \t])/g, '')).toMatch(
      /^List-Unsubscribe: <https:[^>]+>, <mailto:unsubscribe\+u1-2-abc@bounces\.example\.org\?subject=unsubscribe>\r$/m,
    );
    const named = template.render({
      to: { name: 'Eve\r\nBcc: victim@example.org', address: 'a@b.org' },
      ...urlsFor(4),
    });
    const parsed = await simpleParser(named);
    expect(parsed.headers.has('bcc')).toBe(false);
    expect(parsed.headers.get('x-pref')).toBe(`<${urlsFor(4).preferencesUrl}>`);
    expect([...parsed.headers.keys()].sort()).toEqual(
      [
        'content-type',
        'date',
        'from',
        'list',
        'message-id',
        'mime-version',
        'subject',
        'to',
        'x-pref',
      ].sort(),
    );
  });

  it('requires every placeholder value', () => {
    const template = compileMimeTemplate(options);
    expect(() => template.render({ to: 'a@b.org', unsubscribeUrl: 'https://x.org/u' })).toThrow(
      /placeholder/,
    );
  });
});
