import { AppConfig } from '@app/config';
import { VerpAddresses } from '@app/core';
import { waitUntil } from '@app/testing';
import { createTransport, type Transporter } from 'nodemailer';
import request from 'supertest';
import { header } from './campaign.fixtures';
import { inboundFixture, type InboundFixtureVars } from './helpers/inbound-fixtures';
import { InboundServerProcess } from './helpers/inbound-mail';
import { campaignWorld } from './helpers/scenarios';

const DOMAIN = 'bounces.example.test';

interface Row {
  delivery: string;
  subscriber: string;
  subscriber_id: number;
}

/**
 * Issue 13 end to end, as the mail world does it: a real campaign to the SMTP sink (a real worker process),
 * then what comes back sent with nodemailer to the real inbound server process — a hard DSN (Postfix), a soft
 * one (Gmail), a Yahoo ARF complaint to the feedback address, a Gmail mailto unsubscribe, an out-of-office
 * reply, a bounce of a confirmation mail, a DSN for a delivery that does not exist — and then the ledger, the
 * subscribers, their histories and the campaign's counts as the API shows them.
 */
describe('what comes back from the mail world, end to end', () => {
  const world = campaignWorld({ workers: 1, env: { BOUNCE_DOMAIN: DOMAIN } });
  const { h } = world;
  const inbound = new InboundServerProcess(() => h.env());
  let smtp: Transporter;
  let campaignId = 0;
  /** Per reader `fb-<i>@example.test`: the fixture values of the campaign message they received. */
  const vars = new Map<number, InboundFixtureVars & { deliveryId: number }>();

  beforeAll(async () => {
    await inbound.start();
    smtp = createTransport({ host: '127.0.0.1', port: inbound.port, secure: false, ignoreTLS: true });
    await world.seedAudience('fb', 8);
    const campaign = await world.startCampaign(await world.createEdition('2025-04'));
    campaignId = campaign.id;
    await world.waitForCampaign(campaignId, (c) => c.status === 'completed', 'completed');
    const ledger = await h.query<{ id: number; email: string; message_id: string }>(
      `SELECT d.id, s.email, d.message_id FROM delivery d JOIN subscriber s ON s.id = d.subscriber_id
        WHERE d.campaign_id = $1`,
      [campaignId],
    );
    const received = world.receivedBy('fb');
    for (const d of ledger) {
      const i = Number(/^fb-(\d+)@/.exec(d.email)![1]);
      const mail = received.get(d.email)![0]!;
      const unsubscribe = /<mailto:([^?>]+)/.exec(header(mail, 'List-Unsubscribe') ?? '')?.[1];
      vars.set(i, {
        deliveryId: Number(d.id),
        VERP: mail.envelopeFrom,
        MESSAGE_ID: d.message_id,
        RCPT: d.email,
        RCPT_LOCAL: d.email.split('@')[0],
        BOUNCE_DOMAIN: DOMAIN,
        UNSUBSCRIBE: unsubscribe,
        FEEDBACK_ADDRESS: `feedback@${DOMAIN}`,
        NONCE: `fb-${i}`,
      });
    }
    expect(vars.size).toBe(8);
  }, 120_000);
  afterAll(async () => {
    smtp?.close();
    await inbound.stop();
  });

  /** Sends a fixture filled with `v` to `to`, with the null envelope sender of a report (MAIL FROM:<>). */
  async function mailBack(fixture: string, to: string | undefined, v: InboundFixtureVars): Promise<number> {
    if (!to) throw new Error(`${fixture}: no address to send it to`);
    const info = await smtp.sendMail({ envelope: { from: '', to: [to] }, raw: inboundFixture(fixture, v) });
    expect(info.accepted).toEqual([to]);
    const id = Number(/Message (\d+) accepted/.exec(String(info.response))?.[1]);
    expect(id).toBeGreaterThan(0);
    return id;
  }

  async function processed(id: number) {
    return waitUntil(
      async () => {
        const [row] = await h.query<{ status: string; classification: string | null; detail: string | null }>(
          `SELECT status, classification, detail FROM inbound_message WHERE id = $1`,
          [id],
        );
        return row && row.status !== 'received' ? row : undefined;
      },
      { what: `inbound message ${id} processed`, timeoutMs: 30_000 },
    );
  }

  async function state(i: number): Promise<Row> {
    const [row] = await h.query<Row>(
      `SELECT d.status AS delivery, s.status AS subscriber, s.id AS subscriber_id
         FROM delivery d JOIN subscriber s ON s.id = d.subscriber_id WHERE d.id = $1`,
      [vars.get(i)!.deliveryId],
    );
    return row!;
  }

  const events = (subscriberId: number) =>
    h.query<{ type: string; source: string | null }>(
      `SELECT type, source FROM subscriber_event WHERE subscriber_id = $1 ORDER BY id`,
      [subscriberId],
    );

  it('a hard DSN to the VERP address bounces the delivery (after it was sent) and the reader; sent again, it changes nothing', async () => {
    const v = vars.get(1)!;
    const first = await processed(await mailBack('postfix-dsn-hard.eml', v.VERP, v));
    expect(first).toMatchObject({ status: 'processed', classification: 'hard-bounce' });
    expect(await state(1)).toMatchObject({ delivery: 'bounced', subscriber: 'bounced' });

    const again = await processed(await mailBack('postfix-dsn-hard.eml', v.VERP, v));
    expect(again.status).not.toBe('received');
    const feedback = await h.query(`SELECT kind, source FROM mail_feedback WHERE delivery_id = $1`, [
      v.deliveryId,
    ]);
    expect(feedback).toEqual([{ kind: 'hard-bounce', source: 'dsn' }]);
    const { subscriber_id } = await state(1);
    expect((await events(subscriber_id)).filter((e) => e.type === 'bounced')).toEqual([
      { type: 'bounced', source: 'dsn' },
    ]);
  });

  it('a soft DSN is recorded but leaves the delivery sent and the reader confirmed', async () => {
    const v = vars.get(2)!;
    const row = await processed(await mailBack('gmail-dsn-soft.eml', v.VERP, v));
    expect(row).toMatchObject({ status: 'processed', classification: 'soft-bounce' });
    expect(await state(2)).toMatchObject({ delivery: 'sent', subscriber: 'confirmed' });
  });

  it('a feedback-loop complaint (Yahoo ARF) marks the delivery and the reader complained, and unsubscribes them', async () => {
    const v = vars.get(3)!;
    const row = await processed(await mailBack('yahoo-arf-complaint.eml', v.FEEDBACK_ADDRESS, v));
    expect(row).toMatchObject({ status: 'processed', classification: 'complaint' });
    const s = await state(3);
    expect(s).toMatchObject({ delivery: 'complained', subscriber: 'complained' });
    expect((await events(s.subscriber_id)).at(-1)).toEqual({ type: 'complained', source: 'arf' });
  });

  it('a message to the List-Unsubscribe mailto unsubscribes that reader at once, whatever it says, and answers nothing', async () => {
    const v = vars.get(4)!;
    const sinkBefore = h.smtp.messages.length;
    const row = await processed(await mailBack('gmail-mailto-unsubscribe.eml', v.UNSUBSCRIBE, v));
    expect(row).toMatchObject({ status: 'processed', classification: 'unsubscribe' });
    const s = await state(4);
    expect(s).toMatchObject({ delivery: 'sent', subscriber: 'unsubscribed' });
    expect((await events(s.subscriber_id)).at(-1)).toEqual({ type: 'unsubscribed', source: 'mailto' });
    const [fb] = await h.query<{ campaign_id: number }>(
      `SELECT campaign_id FROM mail_feedback WHERE source = 'mailto' AND subscriber_id = $1`,
      [s.subscriber_id],
    );
    expect(Number(fb!.campaign_id)).toBe(campaignId);
    expect(h.smtp.messages.length).toBe(sinkBefore);
  });

  it('an out-of-office reply to the VERP address is recorded as an auto-reply and bounces nobody', async () => {
    const v = vars.get(5)!;
    const row = await processed(await mailBack('outlook-out-of-office.eml', v.VERP, v));
    expect(row).toMatchObject({ classification: 'auto-reply' });
    expect(await state(5)).toMatchObject({ delivery: 'sent', subscriber: 'confirmed' });
  });

  it('a DSN naming a delivery that does not exist is kept, ignored, and changes nobody', async () => {
    const v = vars.get(6)!;
    // Signed with the service's own key, so it passes the RCPT check: only the delivery is missing.
    const ghost = new VerpAddresses(AppConfig.fromEnvironment({ ...process.env, ...h.env() })).forDelivery(
      99_999_999,
    );
    const other = {
      ...v,
      VERP: ghost,
      MESSAGE_ID: `<c${campaignId}.d99999999.deadbeef@example.test>`,
      NONCE: 'fb-ghost',
    };
    const row = await processed(await mailBack('postfix-dsn-hard.eml', ghost, other));
    expect(row.status).toBe('ignored');
    expect(await state(6)).toMatchObject({ delivery: 'sent', subscriber: 'confirmed' });
  });

  it('the campaign counts show the late bounce and the complaint, with their rates', async () => {
    const res = await request(h.baseUrl)
      .get(`/api/admin/campaigns/${campaignId}`)
      .set('Authorization', `Bearer ${h.adminToken}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ total: 8, sent: 6, bounced: 1, complained: 1, lateBounces: 1 });
    expect(res.body.complaintRate).toBeCloseTo(1 / 7, 5);
    expect(res.body.complaintRateOverLimit).toBe(true);
  });

  it('a bounce of a confirmation mail (its own VERP address) marks the pending sign-up bounced', async () => {
    const email = 'fb-confirm@example.test';
    const res = await request(h.baseUrl).post('/api/subscriptions').send({ email });
    expect(res.status).toBeLessThan(300);
    const mail = await waitUntil(() => h.smtp.messages.find((m) => m.envelopeTo.includes(email)), {
      what: 'the confirmation mail',
    });
    expect(mail.envelopeFrom.startsWith('bounces+c')).toBe(true);
    const v: InboundFixtureVars = {
      VERP: mail.envelopeFrom,
      MESSAGE_ID: header(mail, 'Message-ID') ?? '<none@example.test>',
      RCPT: email,
      RCPT_LOCAL: 'fb-confirm',
      BOUNCE_DOMAIN: DOMAIN,
      UNSUBSCRIBE: `unsubscribe+none@${DOMAIN}`,
      NONCE: 'fb-confirm',
    };
    const row = await processed(await mailBack('postfix-dsn-hard.eml', mail.envelopeFrom, v));
    expect(row).toMatchObject({ status: 'processed', classification: 'hard-bounce' });
    const [sub] = await h.query<{ status: string }>(`SELECT status FROM subscriber WHERE email = $1`, [
      email,
    ]);
    expect(sub!.status).toBe('bounced');
  });
});
