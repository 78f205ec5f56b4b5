import { Database } from '@app/database';
import { CampaignServices } from '../../../../test/helpers/campaign-services';
import { inboundFixture, type InboundFixtureVars } from '../../../../test/helpers/inbound-fixtures';
import { SubscriberRepository } from '../subscriptions/subscriber.repository';
import { InboundMessageRepository } from './inbound-message.repository';
import { InboundProcessingService } from './inbound-processing.service';
import { VerpAddresses } from './verp';

interface StoredRow {
  status: string;
  classification: string | null;
  detail: string | null;
  delivery_id: number | null;
  subscriber_id: number | null;
}

/**
 * InboundProcessingService end to end from a stored inbound_message row, against the real database: a
 * campaign really sent to the SMTP sink (with its VERP envelope sender and List-Unsubscribe mailto), then what
 * comes back (fixtures filled with that message's own addresses and Message-ID) stored as the inbound server
 * stores it, processed, and the message row, ledger, subscriber and campaign counts checked.
 */
describe('InboundProcessingService', () => {
  let s: CampaignServices;
  let processing: InboundProcessingService;
  let inbox: InboundMessageRepository;
  let verp: VerpAddresses;

  beforeAll(async () => {
    s = await CampaignServices.start();
    processing = s.world.get(InboundProcessingService);
    inbox = s.world.get(InboundMessageRepository);
    verp = s.world.get(VerpAddresses);
  });
  afterAll(() => s?.stop());

  /** A campaign sent to `n` readers `<tag>-<i>@example.test`; the fixture values of each reader's message. */
  async function sent(tag: string, n = 1) {
    const id = await s.fannedOut(tag, n);
    await s.runDeliveryJobs(id);
    const ledger = await s.ledger(id);
    const vars = (email: string): InboundFixtureVars & { deliveryId: number } => {
      const d = ledger.get(email)!;
      const mail = s.world.smtp.messages.find((m) => m.envelopeTo.includes(email))!;
      const head = mail.raw
        .toString('latin1')
        .split('\r\n\r\n')[0]!
        .replace(/\r\n[ \t]+/g, ' ');
      const unsubscribe = /^List-Unsubscribe: .*<mailto:([^?>]+)/m.exec(head)?.[1];
      return {
        deliveryId: d.id,
        VERP: mail.envelopeFrom,
        MESSAGE_ID: d.message_id!,
        RCPT: email,
        RCPT_LOCAL: email.split('@')[0],
        BOUNCE_DOMAIN: 'example.test',
        UNSUBSCRIBE: unsubscribe,
        FEEDBACK_ADDRESS: 'feedback@example.test',
        NONCE: `${tag}-${Date.now()}`,
      };
    };
    return { id, vars };
  }

  /** Stores a message as the inbound server does, processes it, and reads the row back. */
  async function receive(raw: Buffer, rcptTo: string[], mailFrom = ''): Promise<StoredRow & { id: number }> {
    const id = await inbox.store({
      remoteAddress: '192.0.2.25',
      helo: 'mx.remote.example',
      mailFrom,
      rcptTo,
      raw,
    });
    await processing.process(id);
    return { id, ...(await row(id)) };
  }

  async function row(id: number): Promise<StoredRow> {
    const [r] = await s.world.query<StoredRow>(
      `SELECT status, classification, detail, delivery_id::int AS delivery_id, subscriber_id FROM inbound_message WHERE id = $1`,
      [id],
    );
    return r!;
  }

  async function subscriber(email: string) {
    const [r] = await s.world.query<{ id: number; status: string; soft_bounce_count: number }>(
      `SELECT id, status, soft_bounce_count FROM subscriber WHERE email = $1`,
      [email],
    );
    return r!;
  }

  it('sends campaign messages with a VERP envelope sender and an unsubscribe+ mailto that parse back', async () => {
    const { vars } = await sent('verp', 1);
    const v = vars('verp-1@example.test');
    expect(verp.parseRecipient(v.VERP!)).toEqual({
      kind: 'bounce',
      subject: { kind: 'delivery', deliveryId: v.deliveryId },
    });
    expect(verp.parseRecipient(v.UNSUBSCRIBE!)?.kind).toBe('unsubscribe');
  });

  it('a Postfix DSN to the VERP address: late hard bounce on the delivery, the subscriber and the campaign', async () => {
    const { id, vars } = await sent('dsn', 2);
    const v = vars('dsn-1@example.test');
    const dsn = inboundFixture('postfix-dsn-hard.eml', v);
    const stored = await receive(dsn, [v.VERP!]);
    const sub = await subscriber('dsn-1@example.test');
    expect(stored).toMatchObject({
      status: 'processed',
      classification: 'hard-bounce',
      delivery_id: v.deliveryId,
      subscriber_id: sub.id,
    });
    expect(stored.detail).toMatch(
      /^DSN: Action: failed, Status: 5\.1\.1: permanent failure; subscriber \d+ is bounced$/,
    );
    expect(sub.status).toBe('bounced');
    expect((await s.ledger(id)).get('dsn-1@example.test')!.status).toBe('bounced');
    expect(await s.campaigns.get(id)).toMatchObject({ total: 2, sent: 1, bounced: 1 });
    const [fb] = await s.world.query(
      `SELECT source, kind, status_code, inbound_message_id::int AS m FROM mail_feedback WHERE delivery_id = $1`,
      [v.deliveryId],
    );
    expect(fb).toEqual({ source: 'dsn', kind: 'hard-bounce', status_code: '5.1.1', m: stored.id });

    // processing the same row again does nothing; the same DSN delivered again is recorded, changes nothing
    const processedAt = () =>
      s.world.query<{ t: Date }>(`SELECT processed_at AS t FROM inbound_message WHERE id = $1`, [stored.id]);
    const firstTime = await processedAt();
    await processing.process(stored.id);
    expect(await processedAt()).toEqual(firstTime);
    const { id: _id, ...firstRow } = stored;
    expect(await row(stored.id)).toEqual(firstRow);
    const again = await receive(dsn, [v.VERP!]);
    expect(again).toMatchObject({ status: 'processed', classification: 'hard-bounce' });
    expect(again.detail).toMatch(/the same report was applied before: nothing changed$/);
    const feedbackRows = await s.world.query(`SELECT 1 FROM mail_feedback WHERE delivery_id = $1`, [
      v.deliveryId,
    ]);
    expect(feedbackRows).toHaveLength(1);
    const events = await s.world.query(`SELECT type, source FROM subscriber_event WHERE subscriber_id = $1`, [
      sub.id,
    ]);
    expect(events).toEqual([{ type: 'bounced', source: 'dsn' }]);
  });

  it('a qmail failure notice to postmaster after 4xx: a soft bounce, found by the VERP in the quoted copy', async () => {
    const { vars } = await sent('qmail', 1);
    const v = vars('qmail-1@example.test');
    const stored = await receive(inboundFixture('qmail-failure-soft.eml', v), ['postmaster@example.test']);
    expect(stored).toMatchObject({
      status: 'processed',
      classification: 'soft-bounce',
      delivery_id: v.deliveryId,
    });
    expect(await subscriber('qmail-1@example.test')).toMatchObject({
      status: 'confirmed',
      soft_bounce_count: 1,
    });
  });

  it('a Yahoo ARF complaint to the feedback address: delivery and subscriber complained', async () => {
    const { id, vars } = await sent('arf', 2);
    const v = vars('arf-2@example.test');
    const stored = await receive(inboundFixture('yahoo-arf-complaint.eml', v), ['feedback@example.test']);
    expect(stored).toMatchObject({
      status: 'processed',
      classification: 'complaint',
      delivery_id: v.deliveryId,
    });
    expect((await subscriber('arf-2@example.test')).status).toBe('complained');
    expect(await s.campaigns.get(id)).toMatchObject({ sent: 1, complained: 1 });
  });

  it('a Microsoft JMRP complaint tied by Message-ID alone', async () => {
    const { vars } = await sent('jmrp', 1);
    const v = vars('jmrp-1@example.test');
    const stored = await receive(inboundFixture('microsoft-jmrp-complaint.eml', v), ['abuse@example.test']);
    expect(stored).toMatchObject({
      status: 'processed',
      classification: 'complaint',
      delivery_id: v.deliveryId,
    });
  });

  it('a mailto unsubscribe: unsubscribed at once, campaign recorded, nothing sent back', async () => {
    const { id, vars } = await sent('mailto', 2);
    const v = vars('mailto-1@example.test');
    const before = s.world.smtp.messages.length;
    const stored = await receive(inboundFixture('gmail-mailto-unsubscribe.eml', v), [v.UNSUBSCRIBE!], v.RCPT);
    const sub = await subscriber('mailto-1@example.test');
    expect(stored).toMatchObject({
      status: 'processed',
      classification: 'unsubscribe',
      subscriber_id: sub.id,
    });
    expect(sub.status).toBe('unsubscribed');
    const events = await s.world.query(
      `SELECT type, source, detail FROM subscriber_event WHERE subscriber_id = $1`,
      [sub.id],
    );
    expect(events).toEqual([
      {
        type: 'unsubscribed',
        source: 'mailto',
        detail: `unsubscribed by mail (campaign ${id}); List-Unsubscribe mailto`,
      },
    ]);
    const [fb] = await s.world.query(`SELECT campaign_id, kind FROM mail_feedback WHERE subscriber_id = $1`, [
      sub.id,
    ]);
    expect(fb).toEqual({ campaign_id: id, kind: 'unsubscribe' });
    expect(s.world.smtp.messages.length).toBe(before);
    expect((await subscriber('mailto-2@example.test')).status).toBe('confirmed');
  });

  it("another reader's number with this token's MAC, and an erased reader's token, unsubscribe nobody", async () => {
    const { vars } = await sent('token', 2);
    const one = vars('token-1@example.test');
    const two = await subscriber('token-2@example.test');
    const first = await subscriber('token-1@example.test');
    const swapped = one.UNSUBSCRIBE!.replace(`+u${first.id.toString(36)}-`, `+u${two.id.toString(36)}-`);
    expect(swapped).not.toBe(one.UNSUBSCRIBE);
    const forged = await receive(inboundFixture('gmail-mailto-unsubscribe.eml', one), [swapped]);
    expect(forged).toMatchObject({ status: 'ignored', classification: 'unsubscribe', subscriber_id: null });
    expect(forged.detail).toBe(
      `mailto unsubscribe: forged or stale unsubscribe token for subscriber ${two.id}`,
    );
    expect((await subscriber('token-2@example.test')).status).toBe('confirmed');

    await s.world
      .get(Database)
      .transaction((tx) => s.world.get(SubscriberRepository).anonymize(first.id, tx));
    const erased = await receive(inboundFixture('gmail-mailto-unsubscribe.eml', { ...one, NONCE: 'x' }), [
      one.UNSUBSCRIBE!,
    ]);
    expect(erased).toMatchObject({ status: 'ignored', classification: 'unsubscribe' });
    expect(erased.detail).toBe(`mailto unsubscribe: token of an erased reader (subscriber ${first.id})`);
    const events = await s.world.query(
      `SELECT 1 FROM subscriber_event WHERE subscriber_id = ANY($1::int[])`,
      [[first.id, two.id]],
    );
    expect(events).toEqual([]);
  });

  it('a complaint for an erased reader is recorded and matches nobody', async () => {
    const { vars } = await sent('gone', 1);
    const v = vars('gone-1@example.test');
    const sub = await subscriber('gone-1@example.test');
    await s.world.get(Database).transaction((tx) => s.world.get(SubscriberRepository).anonymize(sub.id, tx));
    const stored = await receive(inboundFixture('yahoo-arf-complaint.eml', v), ['feedback@example.test']);
    expect(stored).toMatchObject({
      status: 'ignored',
      classification: 'complaint',
      subscriber_id: null,
      delivery_id: null,
    });
    expect(stored.detail).toBe(
      'ARF complaint from Yahoo!-Mail-Feedback/2.0; unmatched: the subscriber was erased',
    );
    const [after] = await s.world.query(`SELECT status FROM subscriber WHERE id = $1`, [sub.id]);
    expect(after).toEqual({ status: 'unsubscribed' });
  });

  it('a DSN for a delivery that does not exist is ignored', async () => {
    const ghost = verp.forDelivery(987654321);
    const stored = await receive(
      inboundFixture('postfix-dsn-hard.eml', {
        VERP: ghost,
        MESSAGE_ID: '<c1.d987654321.deadbeef@example.test>',
        RCPT: 'ghost@remote.example',
        BOUNCE_DOMAIN: 'example.test',
        UNSUBSCRIBE: 'x@example.test',
      }),
      [ghost],
    );
    expect(stored).toMatchObject({ status: 'ignored', classification: 'hard-bounce', delivery_id: null });
    expect(stored.detail).toMatch(/unmatched: no delivery 987654321; no delivery has the Message-ID/);
  });

  it('auto-replies are recorded and change nothing; garbage and cut messages are kept unparsed', async () => {
    const { vars } = await sent('ooo', 1);
    const v = vars('ooo-1@example.test');
    const ooo = await receive(inboundFixture('outlook-out-of-office.eml', v), [v.VERP!], v.RCPT);
    expect(ooo).toMatchObject({ status: 'processed', classification: 'auto-reply' });
    expect(await subscriber('ooo-1@example.test')).toMatchObject({
      status: 'confirmed',
      soft_bounce_count: 0,
    });

    const garbage = await receive(inboundFixture('garbage.eml', {}), ['postmaster@example.test']);
    expect(garbage).toMatchObject({ status: 'unparsed', classification: null });
    expect(garbage.detail).toMatch(/header section is malformed/);
    const cut = await receive(inboundFixture('truncated-dsn.eml', v), [v.VERP!]);
    expect(cut).toMatchObject({
      status: 'unparsed',
      detail: 'truncated: the multipart/report has no closing boundary',
    });
    expect(await subscriber('ooo-1@example.test')).toMatchObject({ status: 'confirmed' });
    const raw = await s.world.query<{ raw: Buffer }>(`SELECT raw FROM inbound_message WHERE id = $1`, [
      garbage.id,
    ]);
    expect(raw[0]!.raw.equals(inboundFixture('garbage.eml', {}))).toBe(true);
  });
});
