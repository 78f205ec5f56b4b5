import { Database, FeedbackKind, FeedbackSource } from '@app/database';
import { randomUUID } from 'node:crypto';
import { CampaignServices } from '../../../../test/helpers/campaign-services';
import { BounceService } from '../subscriptions/bounce.service';
import { SubscriberRepository } from '../subscriptions/subscriber.repository';
import { FeedbackService, parseCampaignMessageId } from './feedback.service';
import type { FeedbackEvent } from './feedback.types';

/**
 * FeedbackService against the real database: campaigns really sent to the SMTP sink (their deliveries
 * `sent`), then reports applied as they would come from a DSN, an ARF report, a mailto unsubscribe or the
 * generic webhook; the ledger, the subscriber, its history and the campaign's counts checked.
 */
describe('FeedbackService', () => {
  let s: CampaignServices;
  let feedback: FeedbackService;

  beforeAll(async () => {
    s = await CampaignServices.start();
    feedback = s.world.get(FeedbackService);
  });
  afterAll(() => s?.stop());

  /** A campaign sent to `n` fresh readers `<tag>-<i>`; its deliveries by address. */
  async function sent(tag: string, n = 1) {
    const id = await s.fannedOut(tag, n);
    await s.runDeliveryJobs(id);
    return { id, ledger: await s.ledger(id) };
  }

  /** Another campaign to the readers confirmed now (a later issue to the same people). */
  async function sendAgain() {
    const c = await s.campaigns.create(await s.edition());
    await s.fanOut(c.id);
    await s.runDeliveryJobs(c.id);
    return { id: c.id, ledger: await s.ledger(c.id) };
  }

  async function subscriber(email: string) {
    const [row] = await s.world.query<{ id: number; status: string; soft_bounce_count: number; uid: string }>(
      `SELECT id, status, soft_bounce_count, uid FROM subscriber WHERE email = $1`,
      [email],
    );
    return row!;
  }

  async function history(email: string) {
    return s.world.query<{
      type: string;
      from_status: string;
      to_status: string;
      source: string;
      detail: string;
    }>(
      `SELECT e.type, e.from_status, e.to_status, e.source, e.detail
         FROM subscriber_event e JOIN subscriber s ON s.id = e.subscriber_id WHERE s.email = $1 ORDER BY e.id`,
      [email],
    );
  }

  const event = (e: Partial<FeedbackEvent> & Pick<FeedbackEvent, 'kind' | 'refs'>): FeedbackEvent => ({
    source: FeedbackSource.Dsn,
    dedupeKey: randomUUID(),
    ...e,
  });

  it('reads our Message-IDs and nothing else', () => {
    expect(parseCampaignMessageId('<c12.d345.ab12cd34@example.test>')).toEqual({
      campaignId: 12,
      deliveryId: 345,
      messageId: '<c12.d345.ab12cd34@example.test>',
    });
    expect(parseCampaignMessageId(' c12.d345.ab12cd34@example.test ')?.deliveryId).toBe(345);
    for (const bad of [
      '<x12.d3.a@b>',
      '<c0.d3.a@b>',
      '<c1.d3@b>',
      '<c1.d3.a@b@c>',
      `<c1.d3.${'a'.repeat(400)}@b>`,
    ]) {
      expect(parseCampaignMessageId(bad)).toBeUndefined();
    }
  });

  it('a late hard bounce (after sent) bounces the delivery and the subscriber; the campaign counts it', async () => {
    const { id, ledger } = await sent('late', 3);
    // one claim, three Message-IDs whose nonces differ: knowing your own says nothing of a neighbour's
    const nonces = [...ledger.values()].map((r) => /\.([0-9a-f]{8})@/.exec(r.message_id!)?.[1]);
    expect(new Set(nonces).size).toBe(3);
    const d = ledger.get('late-2@example.test')!;
    expect(d.status).toBe('sent');
    const out = await feedback.apply(
      event({
        kind: FeedbackKind.HardBounce,
        refs: [{ by: 'delivery', deliveryId: d.id }],
        statusCode: '5.1.1',
        diagnostic: 'smtp; 550 5.1.1 user unknown',
      }),
    );
    expect(out).toMatchObject({ applied: true, deliveryId: d.id, subscriberStatus: 'bounced' });
    const after = (await s.ledger(id)).get('late-2@example.test')!;
    expect(after.status).toBe('bounced');
    expect(after.last_response).toMatch(/^hard-bounce reported by dsn: 5\.1\.1 smtp; 550/);
    expect((await subscriber('late-2@example.test')).status).toBe('bounced');
    expect(await history('late-2@example.test')).toEqual([
      expect.objectContaining({
        type: 'bounced',
        from_status: 'confirmed',
        to_status: 'bounced',
        source: 'dsn',
      }),
    ]);
    expect(await s.campaigns.get(id)).toMatchObject({ total: 3, sent: 2, bounced: 1, complained: 0 });
    const [fb] = await s.world.query(
      `SELECT kind, delivery_id, campaign_id, status_code FROM mail_feedback WHERE delivery_id = $1`,
      [d.id],
    );
    expect(fb).toEqual({ kind: 'hard-bounce', delivery_id: d.id, campaign_id: id, status_code: '5.1.1' });
  });

  it('ties a report by our Message-ID only when the stored one matches exactly', async () => {
    const { id, ledger } = await sent('mid', 2);
    const d = ledger.get('mid-1@example.test')!;
    const forged = d.message_id!.replace(/\.([0-9a-f]+)@/, '.00000000@');
    const miss = await feedback.apply(
      event({ kind: FeedbackKind.HardBounce, refs: [{ by: 'message-id', messageId: forged }] }),
    );
    expect(miss).toMatchObject({
      applied: true,
      unmatched: expect.stringMatching(/no delivery has the Message-ID/),
    });
    expect((await subscriber('mid-1@example.test')).status).toBe('confirmed');
    // a reference that does not resolve falls through to the next
    const hit = await feedback.apply(
      event({
        kind: FeedbackKind.HardBounce,
        refs: [
          { by: 'delivery', deliveryId: 999999999 },
          { by: 'message-id', messageId: d.message_id! },
        ],
      }),
    );
    expect(hit).toMatchObject({ applied: true, deliveryId: d.id, subscriberStatus: 'bounced' });
    expect(await s.campaigns.get(id)).toMatchObject({ sent: 1, bounced: 1 });
  });

  it('is idempotent: the same event twice changes nothing the second time', async () => {
    const { ledger } = await sent('twice', 1);
    const d = ledger.get('twice-1@example.test')!;
    const e = event({
      kind: FeedbackKind.SoftBounce,
      dedupeKey: `<dsn-1@mx.example>:twice-1@example.test`,
      refs: [{ by: 'delivery', deliveryId: d.id }],
    });
    expect(await feedback.apply(e)).toMatchObject({ applied: true, softBounceCount: 1 });
    expect(await feedback.apply(e)).toMatchObject({ applied: false, deliveryId: d.id });
    expect(await feedback.apply(e)).toMatchObject({ applied: false });
    const rows = await s.world.query(`SELECT 1 FROM mail_feedback WHERE delivery_id = $1`, [d.id]);
    expect(rows).toHaveLength(1);
    expect((await subscriber('twice-1@example.test')).soft_bounce_count).toBe(1);
    // the same key from another source is another event
    expect(await feedback.apply({ ...e, source: FeedbackSource.Ses })).toMatchObject({ applied: true });
  });

  it('bounces the third soft bounce within 30 days, counting deliveries, not reports', async () => {
    const first = await sent('soft', 1);
    const email = 'soft-1@example.test';
    const soft = (deliveryId: number) =>
      feedback.apply(
        event({ kind: FeedbackKind.SoftBounce, statusCode: '4.2.2', refs: [{ by: 'delivery', deliveryId }] }),
      );
    const d1 = first.ledger.get(email)!.id;
    expect(await soft(d1)).toMatchObject({ softBounceCount: 1, subscriberStatus: 'confirmed' });
    // "delayed", then "failed" for the same message: still one
    expect(await soft(d1)).toMatchObject({ softBounceCount: 1 });
    const d2 = (await sendAgain()).ledger.get(email)!.id;
    expect(await soft(d2)).toMatchObject({ softBounceCount: 2, subscriberStatus: 'confirmed' });
    const third = await sendAgain();
    const d3 = third.ledger.get(email)!.id;
    expect(await soft(d3)).toMatchObject({ softBounceCount: 3, subscriberStatus: 'bounced' });
    expect(await subscriber(email)).toMatchObject({ status: 'bounced', soft_bounce_count: 3 });
    // a soft bounce leaves the delivery as the sender recorded it
    expect(third.ledger.get(email)!.status).toBe('sent');
    expect((await s.ledger(third.id)).get(email)!.status).toBe('sent');
    const events = await history(email);
    expect(events).toEqual([
      expect.objectContaining({
        type: 'bounced',
        source: 'dsn',
        detail: expect.stringMatching(/^3 soft bounces within 30 days/),
      }),
    ]);
  });

  it('forgets soft bounces older than 30 days', async () => {
    const first = await sent('old', 1);
    const email = 'old-1@example.test';
    const soft = (deliveryId: number) =>
      feedback.apply(event({ kind: FeedbackKind.SoftBounce, refs: [{ by: 'delivery', deliveryId }] }));
    await soft(first.ledger.get(email)!.id);
    await soft((await sendAgain()).ledger.get(email)!.id);
    await s.world.query(
      `UPDATE mail_feedback SET occurred_at = now() - interval '31 days'
        WHERE subscriber_id = (SELECT id FROM subscriber WHERE email = $1) AND delivery_id = $2`,
      [email, first.ledger.get(email)!.id],
    );
    expect(await soft((await sendAgain()).ledger.get(email)!.id)).toMatchObject({
      softBounceCount: 2,
      subscriberStatus: 'confirmed',
    });
  });

  it('a successful delivery between soft bounces resets the count', async () => {
    const first = await sent('reset', 1);
    const email = 'reset-1@example.test';
    const soft = (deliveryId: number) =>
      feedback.apply(event({ kind: FeedbackKind.SoftBounce, refs: [{ by: 'delivery', deliveryId }] }));
    await soft(first.ledger.get(email)!.id);
    await soft((await sendAgain()).ledger.get(email)!.id);
    await sendAgain(); // delivered: nothing comes back for it
    const fourth = (await sendAgain()).ledger.get(email)!.id;
    expect(await soft(fourth)).toMatchObject({ softBounceCount: 1, subscriberStatus: 'confirmed' });
    expect(await soft((await sendAgain()).ledger.get(email)!.id)).toMatchObject({ softBounceCount: 2 });
    // a delivery whose report comes late counts as a success until it arrives, then no longer resets
    const pending = await sendAgain();
    const late = await sendAgain();
    expect(pending.ledger.get(email)!.status).toBe('sent');
    expect(await soft(late.ledger.get(email)!.id)).toMatchObject({ softBounceCount: 1 });
    expect(await soft(pending.ledger.get(email)!.id)).toMatchObject({
      softBounceCount: 4,
      subscriberStatus: 'bounced',
    });
  });

  it('a complaint: delivery complained, subscriber complained and unsubscribed, counted by the campaign', async () => {
    const { id, ledger } = await sent('fbl', 2);
    const d = ledger.get('fbl-1@example.test')!;
    const out = await feedback.apply(
      event({
        source: FeedbackSource.Arf,
        kind: FeedbackKind.Complaint,
        refs: [{ by: 'message-id', messageId: d.message_id! }],
      }),
    );
    expect(out).toMatchObject({ applied: true, deliveryId: d.id, subscriberStatus: 'complained' });
    const [sub] = await s.world.query<{ status: string; unsubscribed_at: Date | null }>(
      `SELECT status, unsubscribed_at FROM subscriber WHERE email = 'fbl-1@example.test'`,
    );
    expect(sub!.status).toBe('complained');
    expect(sub!.unsubscribed_at).not.toBeNull();
    expect((await s.ledger(id)).get('fbl-1@example.test')!.status).toBe('complained');
    expect(await s.campaigns.get(id)).toMatchObject({ total: 2, sent: 1, complained: 1 });
    expect(await history('fbl-1@example.test')).toEqual([
      expect.objectContaining({
        type: 'complained',
        from_status: 'confirmed',
        to_status: 'complained',
        source: 'arf',
      }),
    ]);
    // a later hard bounce does not undo it
    await feedback.apply(
      event({ kind: FeedbackKind.HardBounce, refs: [{ by: 'delivery', deliveryId: d.id }] }),
    );
    expect((await subscriber('fbl-1@example.test')).status).toBe('complained');
    expect((await s.ledger(id)).get('fbl-1@example.test')!.status).toBe('complained');
  });

  it('a mailto unsubscribe unsubscribes at once and records the campaign; it never resurrects', async () => {
    const { id } = await sent('mailto', 2);
    const sub = await subscriber('mailto-1@example.test');
    const out = await feedback.apply(
      event({
        source: FeedbackSource.Mailto,
        kind: FeedbackKind.Unsubscribe,
        campaignId: id,
        refs: [{ by: 'subscriber', subscriberId: sub.id }],
      }),
    );
    expect(out).toMatchObject({ applied: true, subscriberId: sub.id, subscriberStatus: 'unsubscribed' });
    expect(await history('mailto-1@example.test')).toEqual([
      expect.objectContaining({
        type: 'unsubscribed',
        from_status: 'confirmed',
        source: 'mailto',
        detail: `unsubscribed by mail (campaign ${id})`,
      }),
    ]);
    const [fb] = await s.world.query(`SELECT campaign_id, kind FROM mail_feedback WHERE subscriber_id = $1`, [
      sub.id,
    ]);
    expect(fb).toEqual({ campaign_id: id, kind: 'unsubscribe' });
    // a bounce afterwards leaves the reader's choice alone
    await feedback.apply(
      event({ kind: FeedbackKind.HardBounce, refs: [{ by: 'subscriber', subscriberId: sub.id }] }),
    );
    expect((await subscriber('mailto-1@example.test')).status).toBe('unsubscribed');
    expect(await history('mailto-1@example.test')).toHaveLength(1);
  });

  it('reports for deliveries that do not exist, or addresses nobody has, match nothing and change nothing', async () => {
    await sent('nobody', 1);
    const outs = [
      await feedback.apply(
        event({ kind: FeedbackKind.HardBounce, refs: [{ by: 'delivery', deliveryId: 987654321 }] }),
      ),
      await feedback.apply(
        event({ kind: FeedbackKind.HardBounce, refs: [{ by: 'address', email: 'stranger@example.net' }] }),
      ),
      await feedback.apply(event({ kind: FeedbackKind.Complaint, refs: [] })),
    ];
    expect(outs.map((o) => [o.applied, o.subscriberId, typeof o.unmatched])).toEqual(
      Array(3).fill([true, undefined, 'string']),
    );
    expect((await subscriber('nobody-1@example.test')).status).toBe('confirmed');
  });

  it('an erased subscriber matches nothing, by delivery, Message-ID or id', async () => {
    const { id, ledger } = await sent('erased', 1);
    const d = ledger.get('erased-1@example.test')!;
    const sub = await subscriber('erased-1@example.test');
    const db = s.world.get(Database);
    await db.transaction((tx) => s.world.get(SubscriberRepository).anonymize(sub.id, tx));
    for (const refs of [
      [{ by: 'delivery' as const, deliveryId: d.id }],
      [{ by: 'message-id' as const, messageId: d.message_id! }],
      [{ by: 'subscriber' as const, subscriberId: sub.id }],
    ]) {
      const out = await feedback.apply(
        event({ source: FeedbackSource.Arf, kind: FeedbackKind.Complaint, refs }),
      );
      expect(out).toMatchObject({ applied: true, unmatched: 'the subscriber was erased' });
      expect(out.subscriberId).toBeUndefined();
    }
    const [row] = await s.world.query<{ status: string }>(`SELECT status FROM subscriber WHERE id = $1`, [
      sub.id,
    ]);
    expect(row!.status).toBe('unsubscribed');
    const [dl] = await s.world.query<{ status: string }>(`SELECT status FROM delivery WHERE id = $1`, [d.id]);
    expect(dl!.status).toBe('sent');
    // recorded (a repeat stays a no-op) with the campaign, but tied to no delivery and no person
    const stored = await s.world.query(
      `SELECT subscriber_id, delivery_id, campaign_id FROM mail_feedback ORDER BY id DESC LIMIT 3`,
    );
    expect(stored).toEqual([
      { subscriber_id: null, delivery_id: null, campaign_id: null },
      { subscriber_id: null, delivery_id: null, campaign_id: id },
      { subscriber_id: null, delivery_id: null, campaign_id: id },
    ]);
  });

  it('a 5xx at send time is recorded as smtp feedback tied to its delivery, once', async () => {
    const id = await s.fannedOut('fivexx', 2);
    s.world.smtp.policy = (rcpt) =>
      rcpt.startsWith('fivexx-1@') ? { code: 550, message: '5.1.1 no such user' } : undefined;
    try {
      await s.runDeliveryJobs(id);
    } finally {
      s.world.smtp.policy = undefined;
    }
    const d = (await s.ledger(id)).get('fivexx-1@example.test')!;
    expect(d.status).toBe('bounced');
    const rows = await s.world.query(
      `SELECT source, kind, dedupe_key, campaign_id, delivery_id::int AS delivery_id FROM mail_feedback WHERE delivery_id = $1`,
      [d.id],
    );
    expect(rows).toEqual([
      {
        source: 'smtp',
        kind: 'hard-bounce',
        dedupe_key: `delivery:${d.id}`,
        campaign_id: id,
        delivery_id: d.id,
      },
    ]);
    expect((await subscriber('fivexx-1@example.test')).status).toBe('bounced');
    expect(await history('fivexx-1@example.test')).toEqual([
      expect.objectContaining({ type: 'bounced', source: 'smtp', detail: expect.stringMatching(/550/) }),
    ]);
  });

  it('the generic webhook and 5xx at send time go through the same rules', async () => {
    const bounces = s.world.get(BounceService);
    await sent('hook', 2);
    for (const n of [1, 2]) {
      expect(await bounces.report('hook-1@example.test', 'soft')).toMatchObject({
        matched: true,
        status: 'confirmed',
        softBounceCount: n,
      });
    }
    expect(await bounces.report(' HOOK-1@example.test', 'soft')).toMatchObject({
      status: 'bounced',
      softBounceCount: 3,
    });
    expect(await bounces.report('nobody@example.test', 'hard')).toEqual({ matched: false });
    expect(await history('hook-1@example.test')).toEqual([
      expect.objectContaining({ type: 'bounced', source: 'webhook:soft' }),
    ]);
    const sub2 = await subscriber('hook-2@example.test');
    await bounces.bouncedAtSend([{ subscriberId: sub2.id, response: '550 5.1.1 no such user' }]);
    expect(await history('hook-2@example.test')).toEqual([
      expect.objectContaining({
        type: 'bounced',
        source: 'smtp',
        detail: expect.stringMatching(/550 5\.1\.1/),
      }),
    ]);
    const kinds = await s.world.query(
      `SELECT source, kind FROM mail_feedback WHERE subscriber_id IN ($1, $2) ORDER BY id`,
      [(await subscriber('hook-1@example.test')).id, sub2.id],
    );
    expect(kinds).toEqual([
      ...Array(3).fill({ source: 'webhook', kind: 'soft-bounce' }),
      { source: 'smtp', kind: 'hard-bounce' },
    ]);
  });
});
