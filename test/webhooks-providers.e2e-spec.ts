import { execFileSync } from 'node:child_process';
import { createHmac, generateKeyPairSync, randomUUID, sign } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { SNS_HTTP_CLIENT, type SnsHttpClient } from '../apps/api/src/webhooks/providers/sns-certificates';
import { campaignWorld } from './helpers/scenarios';

/**
 * The provider webhooks end to end: a real campaign to the SMTP sink, then each provider's report, signed the
 * provider's way with test keys (SNS: an RSA key and a self-signed certificate made with openssl, served in
 * place of the AWS download at the network layer only; the host rule still runs on every URL), and the
 * delivery and subscriber checked in PostgreSQL. Forged, stale, replayed and unconfigured requests refused.
 */
const TOPIC = 'arn:aws:sns:us-east-1:123456789012:newsletter-feedback';
const CERT_URL = 'https://sns.us-east-1.amazonaws.com/SimpleNotificationService-test.pem';
const MAILGUN_KEY = 'mailgun-test-signing-key-0123456789';
const POSTMARK_SECRET = 'test-bounce-secret-0123456789'; // CAMPAIGN_TEST_ENV's BOUNCE_WEBHOOK_SECRET
const sendgrid = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });

describe('provider webhooks', () => {
  const world = campaignWorld({
    inProcessWorker: true,
    env: {
      SNS_TOPIC_ARNS: `arn:aws:sns:eu-west-1:123456789012:other, ${TOPIC}`,
      MAILGUN_WEBHOOK_SIGNING_KEY: MAILGUN_KEY,
      SENDGRID_WEBHOOK_PUBLIC_KEY: sendgrid.publicKey
        .export({ format: 'der', type: 'spki' })
        .toString('base64'),
    },
  });
  const { h } = world;
  const api = () => request(h.baseUrl);

  let dir = '';
  let snsKey = '';
  let snsCert = '';
  const fetched: string[] = [];
  /** Deliveries of the campaign, in subscriber order: [id, subscriber id, email, message id]. */
  let deliveries: { id: number; subscriber_id: number; email: string; message_id: string }[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sns-test-'));
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
        '-days',
        '2',
        '-subj',
        '/CN=sns.amazonaws.com',
      ],
      { stdio: 'ignore' },
    );
    snsKey = readFileSync(join(dir, 'key.pem'), 'utf8');
    snsCert = readFileSync(join(dir, 'cert.pem'), 'utf8');
    // Only the network call is replaced: SnsCertificates checks every URL before it gets here.
    const http = h.app.get<SnsHttpClient>(SNS_HTTP_CLIENT);
    jest.spyOn(http, 'get').mockImplementation((url: URL) => {
      fetched.push(url.toString());
      return Promise.resolve(url.pathname.endsWith('.pem') ? snsCert : '<ConfirmSubscriptionResponse/>');
    });

    await world.seedAudience('wh', 10);
    const campaign = await world.startCampaign(await world.createEdition('2025-04'));
    await world.waitForCampaign(campaign.id, (c) => c.status === 'completed', 'completed');
    deliveries = await h.query(
      `SELECT d.id, d.subscriber_id, s.email, d.message_id FROM delivery d JOIN subscriber s ON s.id = d.subscriber_id
        WHERE d.campaign_id = $1 ORDER BY d.subscriber_id`,
      [campaign.id],
    );
    expect(deliveries).toHaveLength(10);
  }, 120_000);

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function state(i: number): Promise<{ delivery: string; subscriber: string }> {
    const [row] = await h.query<{ delivery: string; subscriber: string }>(
      `SELECT d.status AS delivery, s.status AS subscriber FROM delivery d JOIN subscriber s ON s.id = d.subscriber_id
        WHERE d.id = $1`,
      [deliveries[i]!.id],
    );
    return row!;
  }

  async function feedbackRows(source: string): Promise<{ kind: string; delivery_id: number | null }[]> {
    return h.query(`SELECT kind, delivery_id FROM mail_feedback WHERE source = $1 ORDER BY id`, [source]);
  }

  // ---- Amazon SES via SNS ----

  function snsSign(fields: Record<string, string>, version: '1' | '2' = '2'): Record<string, string> {
    const order =
      fields.Type === 'Notification'
        ? ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type']
        : ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'];
    const text = order
      .filter((k) => fields[k] !== undefined)
      .map((k) => `${k}\n${fields[k]}\n`)
      .join('');
    const signature = sign(version === '1' ? 'sha1' : 'sha256', Buffer.from(text), snsKey).toString('base64');
    return {
      ...fields,
      SignatureVersion: version,
      Signature: signature,
      SigningCertURL: fields.SigningCertURL ?? CERT_URL,
    };
  }

  function sesNotification(message: object, extra: Record<string, string> = {}): Record<string, string> {
    return snsSign({
      Type: 'Notification',
      MessageId: randomUUID(),
      TopicArn: TOPIC,
      Message: JSON.stringify(message),
      Timestamp: new Date().toISOString(),
      ...extra,
    });
  }

  /** SNS posts its JSON as text/plain. */
  const postSns = (body: object | string) =>
    api()
      .post('/api/webhooks/ses')
      .set('Content-Type', 'text/plain; charset=UTF-8')
      .send(typeof body === 'string' ? body : JSON.stringify(body));

  it('SES: confirms the SNS subscription by visiting SubscribeURL (signature version 1)', async () => {
    const subscribeUrl = `https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=${TOPIC}&Token=abc`;
    const res = await postSns(
      snsSign(
        {
          Type: 'SubscriptionConfirmation',
          MessageId: randomUUID(),
          Token: 'abc',
          TopicArn: TOPIC,
          Message: 'You have chosen to subscribe to the topic.',
          SubscribeURL: subscribeUrl,
          Timestamp: new Date().toISOString(),
        },
        '1',
      ),
    );
    expect(res.status).toBe(200);
    expect(fetched).toContain(subscribeUrl);
    expect(fetched).toContain(CERT_URL);
  });

  it('SES: a permanent bounce, named by X-Newsletter-Delivery, bounces that delivery and reader; a replay changes nothing', async () => {
    const d = deliveries[0]!;
    const body = sesNotification({
      notificationType: 'Bounce',
      bounce: {
        bounceType: 'Permanent',
        bounceSubType: 'General',
        bouncedRecipients: [
          { emailAddress: d.email, status: '5.1.1', diagnosticCode: 'smtp; 550 5.1.1 no such user' },
        ],
        timestamp: new Date().toISOString(),
      },
      mail: {
        source: 'crank@example.test',
        headers: [{ name: 'X-Newsletter-Delivery', value: String(d.id) }],
        commonHeaders: { messageId: '<someone-else@example.test>' },
      },
    });
    const res = await postSns(body);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ received: 1, applied: 1, duplicates: 0 });
    expect(await state(0)).toEqual({ delivery: 'bounced', subscriber: 'bounced' });
    const again = await postSns(body);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ received: 1, applied: 0, duplicates: 1 });
    expect(await feedbackRows('ses')).toEqual([{ kind: 'hard-bounce', delivery_id: d.id }]);
    // Only the one certificate download: it is cached.
    expect(fetched.filter((u) => u === CERT_URL)).toHaveLength(1);
  });

  it('SES: a complaint found by our Message-ID marks the delivery complained', async () => {
    const d = deliveries[1]!;
    const res = await postSns(
      sesNotification({
        notificationType: 'Complaint',
        complaint: { complainedRecipients: [{ emailAddress: d.email }], complaintFeedbackType: 'abuse' },
        mail: { commonHeaders: { messageId: d.message_id } },
      }),
    );
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ applied: 1 });
    expect(await state(1)).toEqual({ delivery: 'complained', subscriber: 'complained' });
  });

  it('SES: refuses forged signatures, other topics, certificates from other hosts, and bad JSON', async () => {
    const d = deliveries[2]!;
    const genuine = sesNotification({
      notificationType: 'Bounce',
      bounce: { bounceType: 'Permanent', bouncedRecipients: [{ emailAddress: d.email }] },
      mail: { headers: [{ name: 'X-Newsletter-Delivery', value: String(d.id) }] },
    });
    // The message changed after signing.
    const forged = { ...genuine, Message: genuine.Message!.replace('Permanent', 'Transient') };
    expect((await postSns(forged)).status).toBe(401);
    // Signed with another key.
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const wrongKey = {
      ...genuine,
      Signature: sign('sha256', Buffer.from('x'), other.privateKey).toString('base64'),
    };
    expect((await postSns(wrongKey)).status).toBe(401);
    // A topic not in SNS_TOPIC_ARNS, validly signed.
    const otherTopic = sesNotification(
      { notificationType: 'Bounce' },
      { TopicArn: 'arn:aws:sns:us-east-1:999:evil' },
    );
    expect((await postSns(otherTopic)).status).toBe(403);
    // Certificates from anywhere but https://sns.<region>.amazonaws.com are never fetched.
    const before = fetched.length;
    for (const url of [
      'https://sns.us-east-1.amazonaws.com.evil.test/cert.pem',
      'http://sns.us-east-1.amazonaws.com/cert.pem',
      'https://sns.us-east-1.amazonaws.com@evil.test/cert.pem',
      'https://sns.us-east-1.amazonaws.com:4443/cert.pem',
      'https://evil.test/sns.us-east-1.amazonaws.com/cert.pem',
    ]) {
      const res = await postSns({ ...genuine, SigningCertURL: url });
      expect(res.status).toBe(401);
      expect(res.body.message).toMatch(/SigningCertURL/);
    }
    expect(fetched.length).toBe(before);
    expect((await postSns('{"Type": "Notification",')).status).toBe(400);
    expect((await postSns({ hello: 'world' })).status).toBe(400);
    expect(await state(2)).toEqual({ delivery: 'sent', subscriber: 'confirmed' });
  });

  // ---- Postmark ----

  const basic = (user: string, password: string) =>
    `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  const postPostmark = (body: object | string, auth?: string) => {
    const r = api().post('/api/webhooks/postmark').set('Content-Type', 'application/json');
    if (auth) r.set('Authorization', auth);
    return r.send(typeof body === 'string' ? body : JSON.stringify(body));
  };

  it('Postmark: basic auth with BOUNCE_WEBHOOK_SECRET; a hard bounce via metadata, a spam complaint', async () => {
    const d = deliveries[3]!;
    const bounce = {
      RecordType: 'Bounce',
      ID: 4323372036,
      Type: 'HardBounce',
      TypeCode: 1,
      MessageID: '883953f4-6105-42a2-a16a-77a8eac79483',
      Email: d.email,
      Description: 'The server was unable to deliver your message (ex: unknown user, mailbox not found).',
      Details: 'smtp;550 5.1.1 The email account that you tried to reach does not exist.',
      BouncedAt: new Date().toISOString(),
      Metadata: { newsletter_delivery: String(d.id) },
    };
    expect((await postPostmark(bounce)).status).toBe(401);
    expect((await postPostmark(bounce, basic('postmark', 'wrong-secret-0123456789'))).status).toBe(401);
    expect((await postPostmark(bounce, 'Bearer x')).status).toBe(401);
    expect(await state(3)).toEqual({ delivery: 'sent', subscriber: 'confirmed' });
    const res = await postPostmark(bounce, basic('postmark', POSTMARK_SECRET));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ received: 1, applied: 1 });
    expect(await state(3)).toEqual({ delivery: 'bounced', subscriber: 'bounced' });
    // Postmark retries: nothing changes.
    expect((await postPostmark(bounce, basic('postmark', POSTMARK_SECRET))).body).toMatchObject({
      duplicates: 1,
    });

    const e = deliveries[4]!;
    const complaint = {
      RecordType: 'SpamComplaint',
      ID: 42,
      Type: 'SpamComplaint',
      Email: e.email,
      Metadata: { newsletter_delivery: String(e.id) },
    };
    expect((await postPostmark(complaint, basic('pm', POSTMARK_SECRET))).body).toMatchObject({ applied: 1 });
    expect(await state(4)).toEqual({ delivery: 'complained', subscriber: 'complained' });

    const auto = { RecordType: 'Bounce', ID: 43, Type: 'AutoResponder', Email: e.email };
    expect((await postPostmark(auto, basic('pm', POSTMARK_SECRET))).body).toMatchObject({
      ignored: 1,
      applied: 0,
    });
    expect((await postPostmark('{"RecordType":', basic('pm', POSTMARK_SECRET))).status).toBe(400);
    expect(await feedbackRows('postmark')).toEqual([
      { kind: 'hard-bounce', delivery_id: d.id },
      { kind: 'complaint', delivery_id: e.id },
    ]);
  });

  // ---- Mailgun ----

  function mailgunBody(eventData: object, ts = Math.floor(Date.now() / 1000)): object {
    const token = randomUUID().replace(/-/g, '');
    const signature = createHmac('sha256', MAILGUN_KEY).update(`${ts}${token}`).digest('hex');
    return { signature: { timestamp: String(ts), token, signature }, 'event-data': eventData };
  }
  const postMailgun = (body: object) => api().post('/api/webhooks/mailgun').send(body);

  it('Mailgun: signed events apply once; forged, stale and replayed signatures are refused', async () => {
    const d = deliveries[5]!;
    const failed = {
      id: randomUUID(),
      event: 'failed',
      severity: 'permanent',
      recipient: d.email,
      timestamp: Date.now() / 1000,
      'user-variables': { newsletter_delivery: String(d.id) },
      'delivery-status': { code: 550, description: 'No such user', message: '5.1.1 unknown' },
    };
    const body = mailgunBody(failed);
    const forged = JSON.parse(JSON.stringify(body)) as { 'event-data': { severity: string } };
    forged['event-data'].severity = 'temporary';
    (forged as unknown as { signature: { signature: string } }).signature.signature = '0'.repeat(64);
    expect((await postMailgun(forged)).status).toBe(401);
    const stale = mailgunBody(failed, Math.floor(Date.now() / 1000) - 600);
    const staleRes = await postMailgun(stale);
    expect(staleRes.status).toBe(401);
    expect(staleRes.body.message).toMatch(/5 minutes/);
    expect(await state(5)).toEqual({ delivery: 'sent', subscriber: 'confirmed' });

    const res = await postMailgun(body);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ received: 1, applied: 1 });
    expect(await state(5)).toEqual({ delivery: 'bounced', subscriber: 'bounced' });
    const replay = await postMailgun(body);
    expect(replay.status).toBe(401);
    expect(replay.body.message).toMatch(/used before/);

    // A complaint found by the message-id header (ours, without angle brackets).
    const e = deliveries[6]!;
    const complained = mailgunBody({
      id: randomUUID(),
      event: 'complained',
      recipient: e.email,
      message: { headers: { 'message-id': e.message_id.replace(/^<|>$/g, '') } },
    });
    expect((await postMailgun(complained)).body).toMatchObject({ applied: 1 });
    expect(await state(6)).toEqual({ delivery: 'complained', subscriber: 'complained' });
    expect(
      (await postMailgun(mailgunBody({ id: randomUUID(), event: 'delivered', recipient: e.email }))).body,
    ).toMatchObject({
      ignored: 1,
    });
    expect((await postMailgun({ 'event-data': { event: 'failed' } })).status).toBe(400);
  });

  // ---- SendGrid ----

  function sendgridPost(
    events: object[] | string,
    ts = Math.floor(Date.now() / 1000),
    tamper?: (raw: string) => string,
  ) {
    const raw = typeof events === 'string' ? events : JSON.stringify(events);
    const signature = sign('sha256', Buffer.from(`${ts}${raw}`), sendgrid.privateKey).toString('base64');
    return api()
      .post('/api/webhooks/sendgrid')
      .set('Content-Type', 'application/json')
      .set('X-Twilio-Email-Event-Webhook-Signature', signature)
      .set('X-Twilio-Email-Event-Webhook-Timestamp', String(ts))
      .send(tamper ? tamper(raw) : raw);
  }

  it('SendGrid: a signed batch applies its bounces and complaints; forged and stale batches are refused', async () => {
    const d = deliveries[7]!;
    const e = deliveries[8]!;
    const events = [
      { email: d.email, event: 'processed', sg_event_id: randomUUID(), timestamp: Date.now() / 1000 },
      {
        email: d.email,
        event: 'bounce',
        type: 'bounce',
        status: '5.1.1',
        reason: '550 5.1.1 unknown user',
        sg_event_id: randomUUID(),
        sg_message_id: 'sg.1',
        newsletter_delivery: String(d.id),
        timestamp: Date.now() / 1000,
      },
      {
        email: e.email,
        event: 'spamreport',
        sg_event_id: randomUUID(),
        'smtp-id': e.message_id,
        timestamp: Date.now() / 1000,
      },
    ];
    const tampered = await sendgridPost(events, undefined, (raw) => raw.replace('"bounce"', '"blocked"'));
    expect(tampered.status).toBe(401);
    expect((await sendgridPost(events, Math.floor(Date.now() / 1000) - 600)).status).toBe(401);
    const unsigned = await api().post('/api/webhooks/sendgrid').send(events);
    expect(unsigned.status).toBe(401);
    expect(await state(7)).toEqual({ delivery: 'sent', subscriber: 'confirmed' });

    const res = await sendgridPost(events);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ received: 3, applied: 2, ignored: 1 });
    expect(await state(7)).toEqual({ delivery: 'bounced', subscriber: 'bounced' });
    expect(await state(8)).toEqual({ delivery: 'complained', subscriber: 'complained' });
    // A replay inside the window is harmless: every event has been applied already.
    expect((await sendgridPost(events)).body).toMatchObject({ applied: 0, duplicates: 2 });
    expect((await sendgridPost('[{"event":')).status).toBe(400);
    expect((await sendgridPost('{"event":"bounce"}')).status).toBe(400);
    // The last reader was never reported: untouched.
    expect(await state(9)).toEqual({ delivery: 'sent', subscriber: 'confirmed' });
  });
});
