import { AppConfig, envSchema } from '@app/config';
import { InboundClassification } from '@app/database';
import { inboundFixture, type InboundFixtureVars } from '../../../../test/helpers/inbound-fixtures';
import { classifyInbound, type InboundVerdict } from './inbound-classifier';
import { VerpAddresses } from './verp';

const verp = new VerpAddresses(
  new AppConfig(
    envSchema.parse({ SECRET_KEY: 'k'.repeat(40), MAIL_FROM: 'CRANK Call <crank@example.test>' }),
  ),
);
const UID = '6f1c1c2e-8f38-4c3f-9a7e-0d4b7a0c1a11';
const DELIVERY = 4242;
const VERP = verp.forDelivery(DELIVERY);
const MESSAGE_ID = '<c17.d4242.0a1b2c3d@example.test>';
const RCPT = 'reader@remote.example';
const VARS: InboundFixtureVars = {
  VERP,
  MESSAGE_ID,
  RCPT,
  RCPT_LOCAL: 'reader',
  BOUNCE_DOMAIN: 'example.test',
  UNSUBSCRIBE: verp.unsubscribeAddress(31, UID, 17),
  FEEDBACK_ADDRESS: 'feedback@example.test',
  NONCE: 'n1',
};

function classify(
  name: string,
  opts: { rcpt?: string[]; mailFrom?: string; vars?: InboundFixtureVars } = {},
): Promise<InboundVerdict> {
  const raw = inboundFixture(name, { ...VARS, ...opts.vars });
  return classifyInbound(raw, { mailFrom: opts.mailFrom ?? '', rcptTo: opts.rcpt ?? [VERP] }, verp);
}

function feedback(v: InboundVerdict) {
  if (v.type !== 'feedback') throw new Error(`expected a report, got ${JSON.stringify(v)}`);
  return v;
}

const byDelivery = { by: 'delivery', deliveryId: DELIVERY };
const byMessageId = { by: 'message-id', messageId: MESSAGE_ID };

describe('classifyInbound (inbound mail fixtures)', () => {
  describe('RFC 3464 delivery status notifications', () => {
    it('Postfix, hard: Action failed, Status 5.1.1; tied by the envelope VERP, then the returned Message-ID', async () => {
      const v = feedback(await classify('postfix-dsn-hard.eml'));
      expect(v.classification).toBe(InboundClassification.HardBounce);
      expect(v.event).toMatchObject({
        source: 'dsn',
        kind: 'hard-bounce',
        statusCode: '5.1.1',
        dedupeKey: `<4Zb1Xk3Qn2z9sVm@mx1.remote.example>|${RCPT}`,
        refs: [byDelivery, byMessageId],
      });
      expect(v.event.diagnostic).toMatch(/^smtp; 550 5\.1\.1 .*User unknown in virtual mailbox table$/);
      // the unsigned X-Newsletter-Delivery of the returned headers names nothing: anyone could write it
      expect(JSON.stringify(v.event.refs)).not.toContain('999999');
    });

    it('Postfix, hard, sent to postmaster: the Return-Path of the returned headers ties it', async () => {
      const v = feedback(await classify('postfix-dsn-hard.eml', { rcpt: ['postmaster@example.test'] }));
      expect(v.event.refs).toEqual([byDelivery, byMessageId]);
    });

    it('Postfix, delayed: soft', async () => {
      const v = feedback(await classify('postfix-dsn-delayed.eml'));
      expect(v.classification).toBe(InboundClassification.SoftBounce);
      expect(v.event).toMatchObject({ kind: 'soft-bounce', statusCode: '4.4.1' });
      expect(v.detail).toBe('DSN: Action: delayed, Status: 4.4.1: delayed');
    });

    it('Postfix success report (Action relayed): no bounce', async () => {
      expect(await classify('postfix-dsn-delivered.eml')).toEqual({
        type: 'other',
        detail: 'DSN: Action: relayed, Status: 2.0.0: not a bounce',
      });
    });

    it('Microsoft 365 NDR (base64 and quoted-printable parts, message/rfc822 original): hard 5.1.10', async () => {
      const v = feedback(await classify('microsoft365-ndr-hard.eml'));
      expect(v.event).toMatchObject({
        kind: 'hard-bounce',
        statusCode: '5.1.10',
        refs: [byDelivery, byMessageId],
      });
      expect(v.event.diagnostic).toContain('RESOLVER.ADR.RecipientNotFound');
      expect(v.event.dedupeKey).toBe(
        `<6f2b1c7e-5b6d-4c8a-8d1f-3a2e9b7c6d5e@AM0PR02MB5555.eurprd02.prod.outlook.com>|${RCPT}`,
      );
    });

    it('Gmail, mailbox full: Action failed with 4.2.2 is soft', async () => {
      const v = feedback(await classify('gmail-dsn-soft.eml'));
      expect(v.event).toMatchObject({
        kind: 'soft-bounce',
        statusCode: '4.2.2',
        refs: [byDelivery, byMessageId],
      });
    });

    it('a forged VERP token and a Message-ID not of ours tie nothing', async () => {
      const forged = VERP.replace(/-([a-z2-7])/, (_m, c: string) => `-${c === 'a' ? 'b' : 'a'}`);
      const v = feedback(
        await classify('postfix-dsn-hard.eml', {
          rcpt: [forged, 'postmaster@example.test'],
          vars: { VERP: forged, MESSAGE_ID: '<20250408.abc@elsewhere.example>' },
        }),
      );
      expect(v.event.refs).toEqual([]);
    });

    it('a DSN about several recipients: the most serious one decides', async () => {
      const raw = inboundFixture('postfix-dsn-delayed.eml', VARS)
        .toString('latin1')
        .replace(
          'Final-Recipient: rfc822; reader@remote.example',
          'Final-Recipient: rfc822; other@remote.example\r\nAction: delivered\r\nStatus: 2.0.0\r\n\r\n' +
            'Final-Recipient: rfc822; third@remote.example\r\nAction: failed\r\nStatus: 5.2.1\r\n\r\n' +
            'Final-Recipient: rfc822; reader@remote.example',
        );
      const v = feedback(
        await classifyInbound(Buffer.from(raw, 'latin1'), { mailFrom: '', rcptTo: [VERP] }, verp),
      );
      expect(v.event).toMatchObject({ kind: 'hard-bounce', statusCode: '5.2.1' });
      expect(v.event.dedupeKey).toBe('<4Zb2Qw0Jv9z9sW2@mx1.remote.example>|third@remote.example');
    });

    it('a DSN without a Message-ID is known by a hash of its report', async () => {
      const raw = inboundFixture('postfix-dsn-hard.eml', VARS)
        .toString('latin1')
        .replace('Message-Id: <4Zb1Xk3Qn2z9sVm@mx1.remote.example>\r\n', '');
      const a = feedback(
        await classifyInbound(Buffer.from(raw, 'latin1'), { mailFrom: '', rcptTo: [VERP] }, verp),
      );
      const b = feedback(
        await classifyInbound(Buffer.from(raw, 'latin1'), { mailFrom: '', rcptTo: [VERP] }, verp),
      );
      expect(a.event.dedupeKey).toMatch(/^[0-9a-f]{64}\|reader@remote\.example$/);
      expect(b.event.dedupeKey).toBe(a.event.dedupeKey);
    });
  });

  describe('RFC 5965 feedback reports', () => {
    it('Yahoo: Feedback-Type abuse is a complaint, tied by Original-Mail-From (our VERP), then the Message-ID', async () => {
      const v = feedback(await classify('yahoo-arf-complaint.eml', { rcpt: ['feedback@example.test'] }));
      expect(v.classification).toBe(InboundClassification.Complaint);
      expect(v.event).toMatchObject({
        source: 'arf',
        kind: 'complaint',
        refs: [byDelivery, byMessageId],
        dedupeKey: `<1744106564.8a7d2c81f0.yfbl@sonic301-21.consmr.mail.bf2.yahoo.com>|${MESSAGE_ID}`,
      });
      expect(v.detail).toBe('ARF complaint from Yahoo!-Mail-Feedback/2.0');
    });

    it('Microsoft JMRP: tied by the reported message-id alone (its X-Newsletter-Delivery is not trusted)', async () => {
      const v = feedback(await classify('microsoft-jmrp-complaint.eml', { rcpt: ['abuse@example.test'] }));
      expect(v.event).toMatchObject({ kind: 'complaint', refs: [byMessageId] });
    });

    it('other feedback types are no complaint', async () => {
      const raw = inboundFixture('yahoo-arf-complaint.eml', VARS)
        .toString('latin1')
        .replace('Feedback-Type: abuse', 'Feedback-Type: not-spam');
      expect(
        await classifyInbound(
          Buffer.from(raw, 'latin1'),
          { mailFrom: '', rcptTo: ['feedback@example.test'] },
          verp,
        ),
      ).toEqual({
        type: 'other',
        detail: 'ARF: Feedback-Type not-spam is not a complaint',
      });
    });
  });

  describe('automatic replies are recorded, never a bounce', () => {
    it('Outlook "Automatic reply" (its body has SMTP-looking numbers and "Mail delivery failed")', async () => {
      expect(await classify('outlook-out-of-office.eml', { mailFrom: RCPT })).toMatchObject({
        type: 'auto-reply',
        detail: expect.stringMatching(/^automatic reply \(subject "automatic reply: crank call/),
      });
    });

    it('a Sieve vacation reply: Auto-Submitted auto-replied, empty envelope sender, "Re:" subject', async () => {
      expect(await classify('sieve-vacation.eml', { mailFrom: '' })).toEqual({
        type: 'auto-reply',
        detail: 'automatic reply (Auto-Submitted: auto-replied)',
      });
    });

    it('an RFC 3834 responder with an empty envelope sender and a subject of its own', async () => {
      const raw =
        `From: Reader <${RCPT}>\r\nTo: ${VERP}\r\nSubject: Away until Monday\r\n` +
        `Auto-Submitted: auto-replied\r\n\r\nBack on Monday. Reply 550 for nothing.\r\n`;
      expect((await classifyInbound(Buffer.from(raw), { mailFrom: '', rcptTo: [VERP] }, verp)).type).toBe(
        'auto-reply',
      );
    });

    it('X-Autoreply and Precedence: auto_reply are enough', async () => {
      for (const header of ['X-Autoreply: yes', 'X-Autorespond: On vacation', 'Precedence: auto_reply']) {
        const raw = `From: r@remote.example\r\nTo: ${VERP}\r\nSubject: Hello\r\n${header}\r\n\r\nAway.\r\n`;
        expect(
          (await classifyInbound(Buffer.from(raw), { mailFrom: 'r@remote.example', rcptTo: [VERP] }, verp))
            .type,
        ).toBe('auto-reply');
      }
    });
  });

  describe('non-standard bounces', () => {
    it('Exim "Mail delivery failed" (Auto-Submitted like an auto-reply): hard by its 550 5.1.1', async () => {
      const v = feedback(await classify('exim-failed.eml'));
      expect(v.classification).toBe(InboundClassification.HardBounce);
      expect(v.event).toMatchObject({
        source: 'dsn',
        kind: 'hard-bounce',
        statusCode: '5.1.1',
        dedupeKey: `<E1u1Xa2-0004Qf-2K@mx.remote.example>|${RCPT}`,
      });
      expect(v.event.refs[0]).toEqual(byDelivery);
      expect(v.event.diagnostic).toMatch(/^550 5\.1\.1 /);
    });

    it('Exim to postmaster: the VERP address and Message-ID in the copy of the message tie it', async () => {
      const v = feedback(await classify('exim-failed.eml', { rcpt: ['postmaster@example.test'] }));
      expect(v.event.refs).toEqual([byDelivery, byMessageId]);
    });

    it('qmail "failure notice" after 4xx answers: soft (numbers in the quoted copy are not read)', async () => {
      const v = feedback(await classify('qmail-failure-soft.eml', { rcpt: ['postmaster@example.test'] }));
      expect(v.event).toMatchObject({
        kind: 'soft-bounce',
        statusCode: '4.2.2',
        refs: [byDelivery, byMessageId],
      });
      expect(v.event.diagnostic).toBe('Remote host said: 452 4.2.2 Mailbox full');
    });

    it('an empty envelope sender alone makes a bounce only with an SMTP code in the text', async () => {
      const body = (text: string) =>
        Buffer.from(
          `From: gateway@remote.example\r\nTo: ${VERP}\r\nSubject: Your message\r\n\r\n${text}\r\n`,
        );
      const coded = feedback(
        await classifyInbound(body('Rejected: 550 5.7.1 blocked'), { mailFrom: '', rcptTo: [VERP] }, verp),
      );
      expect(coded.event).toMatchObject({ kind: 'hard-bounce', statusCode: '5.7.1', refs: [byDelivery] });
      expect(
        (await classifyInbound(body('Thanks, got it.'), { mailFrom: '', rcptTo: [VERP] }, verp)).type,
      ).toBe('other');
      expect(
        (
          await classifyInbound(
            body('Rejected: 550 5.7.1'),
            { mailFrom: 'gw@remote.example', rcptTo: [VERP] },
            verp,
          )
        ).type,
      ).toBe('other');
    });

    it('a bounce that names no message of ours has no references', async () => {
      const raw =
        'From: MAILER-DAEMON@mx.remote.example\r\nTo: postmaster@example.test\r\nSubject: failure notice\r\n\r\n' +
        '<someone@remote.example>:\r\nRemote host said: 550 5.1.1 unknown\r\n';
      const v = feedback(
        await classifyInbound(Buffer.from(raw), { mailFrom: '', rcptTo: ['postmaster@example.test'] }, verp),
      );
      expect(v.event.refs).toEqual([]);
    });
  });

  describe('mailto unsubscribe', () => {
    it('any message to unsubscribe+<token> is an unsubscribe, known by its Message-ID', async () => {
      const v = await classify('gmail-mailto-unsubscribe.eml', { rcpt: [VARS.UNSUBSCRIBE!], mailFrom: RCPT });
      if (v.type !== 'unsubscribe') throw new Error(JSON.stringify(v));
      expect(v.messageKey).toBe('<CAGmail-unsub-n1@mail.gmail.com>');
      expect(v.claims.map((c) => [c.subscriberId, c.campaignId, c.matches(UID)])).toEqual([[31, 17, true]]);
    });

    it('whatever it looks like: even garbage sent there is an unsubscribe request', async () => {
      const raw = 'Subject: hi\r\n\r\n';
      const v = await classifyInbound(Buffer.from(raw), { mailFrom: '', rcptTo: [VARS.UNSUBSCRIBE!] }, verp);
      expect(v.type).toBe('unsubscribe');
    });
  });

  describe('what cannot be read is kept as unparsed, never thrown', () => {
    it('garbage without a header section', async () => {
      expect(await classify('garbage.eml')).toEqual({
        type: 'unparsed',
        detail: 'the header section is malformed (1 lines are not header fields)',
      });
      expect(await classifyInbound(Buffer.alloc(0), { mailFrom: '', rcptTo: [VERP] }, verp)).toEqual({
        type: 'unparsed',
        detail: 'empty message',
      });
      expect(
        (
          await classifyInbound(
            Buffer.from([0, 1, 2, 255, 254, 10, 10]),
            { mailFrom: '', rcptTo: [VERP] },
            verp,
          )
        ).type,
      ).toBe('unparsed');
    });

    it('a DSN cut short in transit', async () => {
      expect(await classify('truncated-dsn.eml')).toEqual({
        type: 'unparsed',
        detail: 'truncated: the multipart/report has no closing boundary',
      });
    });

    it('a DSN cut short in its returned headers: the report itself is whole, so it is read', async () => {
      const whole = inboundFixture('postfix-dsn-hard.eml', VARS).toString('latin1');
      const cut = whole.slice(0, whole.indexOf('Message-ID: <c17.'));
      const v = feedback(
        await classifyInbound(Buffer.from(cut, 'latin1'), { mailFrom: '', rcptTo: [VERP] }, verp),
      );
      expect(v.event).toMatchObject({ kind: 'hard-bounce', statusCode: '5.1.1', refs: [byDelivery] });
      // cut in its delivery-status part instead: unparsed
      const inStatus = whole.slice(0, whole.indexOf('Status: 5.1.1'));
      expect(
        await classifyInbound(Buffer.from(inStatus, 'latin1'), { mailFrom: '', rcptTo: [VERP] }, verp),
      ).toEqual({ type: 'unparsed', detail: 'truncated: the multipart/report has no closing boundary' });
    });

    it('a multipart/report without its delivery-status part', async () => {
      const raw =
        'From: MAILER-DAEMON@mx.remote.example\r\nTo: x@example.test\r\nContent-Type: multipart/report; ' +
        'report-type=delivery-status; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nsorry\r\n--b--\r\n';
      expect(await classifyInbound(Buffer.from(raw), { mailFrom: '', rcptTo: [VERP] }, verp)).toEqual({
        type: 'unparsed',
        detail: 'a delivery-status report without a readable message/delivery-status part',
      });
    });

    it('hostile shapes finish (long lines, endless folding, thousands of delimiters, deep nesting)', async () => {
      const long = 'a'.repeat(2_000_000);
      const folded = `Subject: x${'\r\n x'.repeat(200_000)}`;
      const delimiters = `--b\r\n`.repeat(100_000);
      const nested = Array.from(
        { length: 50 },
        (_, i) => `--n${i}\r\nContent-Type: multipart/mixed; boundary=n${i + 1}\r\n\r\n`,
      ).join('');
      const cases = [
        `From: a@b\r\nSubject: ${long}\r\n\r\nx`,
        `From: a@b\r\n${folded}\r\n\r\nbody`,
        `From: MAILER-DAEMON@x\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=b\r\n\r\n${delimiters}--b--\r\n`,
        `From: a@b\r\nContent-Type: multipart/mixed; boundary=n0\r\n\r\n${nested}`,
        `From: MAILER-DAEMON@x\r\nSubject: failure notice\r\n\r\n${'5.'.repeat(500_000)} ${'<c1.d1.'.repeat(100_000)}`,
      ];
      const verdicts = await Promise.all(
        cases.map((c) => classifyInbound(Buffer.from(c), { mailFrom: '', rcptTo: [VERP] }, verp)),
      );
      // A header section past mailparser's bound (1 MB, each line counted at 64 bytes at least) is no mail a
      // mail system writes: refused by mailparser, kept unparsed for an operator.
      expect(verdicts.map((v) => v.type)).toEqual([
        'unparsed',
        'unparsed',
        'unparsed',
        'unparsed',
        'feedback',
      ]);
      expect(verdicts.slice(0, 3).map((v) => (v.type === 'unparsed' ? v.detail : v.type))).toEqual([
        'mailparser could not read it: Max header size for a MIME node exceeded',
        'mailparser could not read it: Max header size for a MIME node exceeded',
        'mailparser could not read it: Max allowed child nodes exceeded',
      ]);
      expect(verdicts[3]).toEqual({
        type: 'unparsed',
        detail: 'truncated: the multipart/mixed has no closing boundary',
      });
    });
  });
});
