import { AppConfig, envSchema } from '@app/config';
import { VerpAddresses } from '@app/core';
import { generateKeyPairSync } from 'node:crypto';
import { MailgunTokens, MailgunWebhookController } from './mailgun.webhook';
import { PostmarkWebhookController, postmarkEvent } from './postmark.webhook';
import type { ProviderEventSink } from './provider-events';
import { SendgridWebhookController, sendgridEvent, sendgridPublicKey } from './sendgrid.webhook';
import { sesEvents, snsStringToSign, SnsVerifier } from './ses.webhook';
import { SnsCertificateUnavailable, SnsCertificates, snsUrl } from './sns-certificates';

function config(extra: Record<string, string> = {}): AppConfig {
  return new AppConfig(
    envSchema.parse({
      SECRET_KEY: 'k'.repeat(40),
      PUBLIC_URL: 'https://news.example.test',
      MAIL_FROM: 'CRANK Call <crank@example.test>',
      BOUNCE_DOMAIN: 'bounces.example.test',
      ...extra,
    }),
  );
}

describe('provider webhooks: verification rules and mapping', () => {
  it('fetches SNS certificates only from https://sns.<region>.amazonaws.com', () => {
    for (const ok of [
      'https://sns.us-east-1.amazonaws.com/SimpleNotificationService-abc.pem',
      'https://sns.eu-central-2.amazonaws.com/x.pem',
      'https://sns.us-gov-west-1.amazonaws.com/x.pem',
      'https://SNS.US-EAST-1.AMAZONAWS.COM/x.pem', // hosts are case-insensitive; the parser lowercases
    ]) {
      expect(snsUrl(ok)?.hostname).toMatch(/^sns\.[a-z0-9-]+\.amazonaws\.com$/);
    }
    for (const bad of [
      'http://sns.us-east-1.amazonaws.com/x.pem',
      'https://sns.us-east-1.amazonaws.com.evil.test/x.pem',
      'https://evil.test/sns.us-east-1.amazonaws.com/x.pem',
      'https://sns.us-east-1.amazonaws.com@evil.test/x.pem',
      'https://user:pw@sns.us-east-1.amazonaws.com/x.pem',
      'https://sns.us-east-1.amazonaws.com:8443/x.pem',
      'https://sqs.us-east-1.amazonaws.com/x.pem',
      'https://sns.amazonaws.com/x.pem',
      'https://sns.us--1.amazonaws.com/x.pem',
      'https://sns.us_east_1.amazonaws.com/x.pem',
      'https://x.sns.us-east-1.amazonaws.com/x.pem',
      'https://sns.us-east-1.amazonaws.com./x.pem',
      'https://sns.us-east-1.amazonaws.com.cn/x.pem',
      `https://sns.${'a-'.repeat(5000)}1.amazonaws.com/x.pem`,
      'not a url',
      42,
    ]) {
      expect(snsUrl(bad)).toBeUndefined();
    }
  });

  it('refuses a certificate URL before any fetch', async () => {
    const get = jest.fn(() => Promise.resolve(''));
    const certs = new SnsCertificates({ get });
    await expect(certs.publicKey('https://sns.us-east-1.amazonaws.com.evil.test/x.pem')).rejects.toThrow(
      /SigningCertURL/,
    );
    await expect(certs.publicKey('https://sns.us-east-1.amazonaws.com/not-a-cert.txt')).rejects.toThrow();
    await expect(
      certs.confirm('http://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription'),
    ).rejects.toThrow(/SubscribeURL/);
    expect(get).not.toHaveBeenCalled();
    // A download that fails is not a forgery (SNS retries after a 503) and is not cached.
    const down = new SnsCertificates({ get: () => Promise.reject(new Error('ECONNRESET')) });
    const url = 'https://sns.us-east-1.amazonaws.com/SimpleNotificationService-x.pem';
    await expect(down.publicKey(url)).rejects.toBeInstanceOf(SnsCertificateUnavailable);
    const notPem = new SnsCertificates({ get: () => Promise.resolve('not a certificate') });
    await expect(notPem.publicKey(url)).rejects.not.toBeInstanceOf(SnsCertificateUnavailable);
  });

  it('builds the string SNS signs in the documented field order', () => {
    const base = {
      MessageId: 'm1',
      TopicArn: 'arn:t',
      Message: 'hello',
      Timestamp: '2026-01-01T00:00:00.000Z',
      SignatureVersion: '1' as const,
      Signature: 's',
      SigningCertURL: 'u',
    };
    expect(snsStringToSign({ ...base, Type: 'Notification', Subject: 'S' })).toBe(
      'Message\nhello\nMessageId\nm1\nSubject\nS\nTimestamp\n2026-01-01T00:00:00.000Z\nTopicArn\narn:t\nType\nNotification\n',
    );
    expect(snsStringToSign({ ...base, Type: 'Notification' })).not.toContain('Subject');
    expect(
      snsStringToSign({ ...base, Type: 'SubscriptionConfirmation', SubscribeURL: 'https://s', Token: 'tk' }),
    ).toBe(
      'Message\nhello\nMessageId\nm1\nSubscribeURL\nhttps://s\nTimestamp\n2026-01-01T00:00:00.000Z\nToken\ntk\nTopicArn\narn:t\nType\nSubscriptionConfirmation\n',
    );
  });

  it('maps SES, Postmark and SendGrid events to feedback kinds and references', () => {
    const verp = new VerpAddresses(config());
    const ses = sesEvents(
      'sns-1',
      JSON.stringify({
        notificationType: 'Bounce',
        bounce: {
          bounceType: 'Transient',
          bouncedRecipients: [{ emailAddress: 'A@x.test', status: '4.2.2', diagnosticCode: 'full' }],
        },
        mail: {
          source: verp.forDelivery(77),
          headers: [{ name: 'X-Newsletter-Delivery', value: '78' }],
          commonHeaders: { messageId: '<c1.d79.ab@example.test>' },
        },
      }),
      verp,
    );
    expect(ses.events).toEqual([
      expect.objectContaining({
        source: 'ses',
        kind: 'soft-bounce',
        dedupeKey: 'sns-1:a@x.test',
        statusCode: '4.2.2',
        refs: [
          { by: 'delivery', deliveryId: 77 },
          { by: 'delivery', deliveryId: 78 },
          { by: 'message-id', messageId: '<c1.d79.ab@example.test>' },
          { by: 'address', email: 'a@x.test' },
        ],
      }),
    ]);
    expect(
      sesEvents(
        's',
        JSON.stringify({
          notificationType: 'Complaint',
          complaint: { complainedRecipients: [{ emailAddress: 'a@x' }], complaintFeedbackType: 'not-spam' },
        }),
        verp,
      ).events,
    ).toEqual([]);
    expect(sesEvents('s', JSON.stringify({ notificationType: 'Delivery' }), verp).events).toEqual([]);
    expect(() => sesEvents('s', '{', verp)).toThrow(/not JSON/);

    expect(
      postmarkEvent({
        RecordType: 'Bounce',
        ID: 5,
        Type: 'HardBounce',
        Email: 'a@x.test',
        Metadata: { newsletter_delivery: '9' },
      }),
    ).toMatchObject({
      source: 'postmark',
      kind: 'hard-bounce',
      dedupeKey: 'Bounce:5',
      refs: [
        { by: 'delivery', deliveryId: 9 },
        { by: 'address', email: 'a@x.test' },
      ],
    });
    expect(postmarkEvent({ RecordType: 'Bounce', ID: 6, Type: 'SoftBounce', Email: 'a@x.test' })?.kind).toBe(
      'soft-bounce',
    );
    expect(
      postmarkEvent({ RecordType: 'Bounce', ID: 7, Type: 'AutoResponder', Email: 'a@x.test' }),
    ).toBeUndefined();
    expect(
      postmarkEvent({ RecordType: 'SpamComplaint', ID: 8, Type: 'SpamComplaint', Email: 'a@x.test' })?.kind,
    ).toBe('complaint');
    expect(postmarkEvent({ RecordType: 'Delivery', MessageID: 'x' })).toBeUndefined();
    expect(() => postmarkEvent([1, 2])).toThrow(/Postmark/);

    expect(
      sendgridEvent({ event: 'bounce', type: 'blocked', email: 'a@x.test', sg_event_id: 'e1' })?.kind,
    ).toBe('soft-bounce');
    expect(
      sendgridEvent({
        event: 'bounce',
        type: 'bounce',
        email: 'a@x.test',
        sg_event_id: 'e2',
        newsletter_delivery: '12',
        'smtp-id': '<c1.d12.ab@example.test>',
      }),
    ).toMatchObject({
      kind: 'hard-bounce',
      refs: [
        { by: 'delivery', deliveryId: 12 },
        { by: 'message-id', messageId: '<c1.d12.ab@example.test>' },
        { by: 'address', email: 'a@x.test' },
      ],
    });
    expect(sendgridEvent({ event: 'delivered', email: 'a@x.test' })).toBeUndefined();
    expect(sendgridEvent({ event: 'dropped', reason: 'Bounced Address', email: 'a@x.test' })?.kind).toBe(
      'hard-bounce',
    );
    // A delivery id that is not a plain positive integer names nothing.
    expect(
      sendgridEvent({ event: 'spamreport', email: 'a@x.test', newsletter_delivery: '1 OR 1=1' })?.refs,
    ).toEqual([{ by: 'address', email: 'a@x.test' }]);
  });

  it('answers 503 when a provider key is not configured, and never accepts unsigned reports', async () => {
    const cfg = config();
    const sink = { apply: jest.fn() } as unknown as ProviderEventSink;
    const certs = new SnsCertificates({ get: jest.fn() });
    await expect(new SnsVerifier(cfg, certs).verify('{}')).rejects.toMatchObject({ status: 503 });
    await expect(new PostmarkWebhookController(cfg, sink).receive(undefined, {})).rejects.toMatchObject({
      status: 503,
      message: expect.stringMatching(/BOUNCE_WEBHOOK_SECRET/),
    });
    await expect(
      new MailgunWebhookController(cfg, new MailgunTokens(cfg), sink).receive({}),
    ).rejects.toMatchObject({ status: 503, message: expect.stringMatching(/MAILGUN_WEBHOOK_SIGNING_KEY/) });
    await expect(
      new SendgridWebhookController(cfg, sink).receive({ rawBody: Buffer.from('[]') } as never, 'x', '1'),
    ).rejects.toMatchObject({ status: 503, message: expect.stringMatching(/SENDGRID_WEBHOOK_PUBLIC_KEY/) });
    expect((sink.apply as jest.Mock).mock.calls).toHaveLength(0);
  });

  it('takes the Postmark secret as the basic-auth password or as the whole user:password', async () => {
    const apply = jest.fn(() =>
      Promise.resolve({ received: 1, applied: 0, duplicates: 0, ignored: 1, unmatched: 0 }),
    );
    const sink = { apply } as unknown as ProviderEventSink;
    const basic = (v: string) => `Basic ${Buffer.from(v).toString('base64')}`;
    const record = { RecordType: 'Delivery', MessageID: 'x' };
    const byPassword = new PostmarkWebhookController(
      config({ BOUNCE_WEBHOOK_SECRET: 'pw-0123456789abcdef' }),
      sink,
    );
    await byPassword.receive(basic('anyone:pw-0123456789abcdef'), record);
    await expect(byPassword.receive(basic('pw-0123456789abcdef:x'), record)).rejects.toMatchObject({
      status: 401,
    });
    await expect(byPassword.receive(basic('anyone:pw-0123456789abcdeF'), record)).rejects.toMatchObject({
      status: 401,
    });
    const byWhole = new PostmarkWebhookController(
      config({ BOUNCE_WEBHOOK_SECRET: 'hooks:0123456789abcdef' }),
      sink,
    );
    await byWhole.receive(basic('hooks:0123456789abcdef'), record);
    await expect(byWhole.receive(basic('other:0123456789abcdef'), record)).rejects.toMatchObject({
      status: 401,
    });
    expect(apply).toHaveBeenCalledTimes(2);
  });

  it('reads the SendGrid key as base64 DER or PEM', () => {
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const der = publicKey.export({ format: 'der', type: 'spki' }).toString('base64');
    const pem = publicKey.export({ format: 'pem', type: 'spki' }) as string;
    expect(sendgridPublicKey(der).asymmetricKeyType).toBe('ec');
    expect(sendgridPublicKey(pem).asymmetricKeyType).toBe('ec');
  });
});
