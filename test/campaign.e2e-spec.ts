import { VerpAddresses } from '@app/core';
import { JOB_QUEUE, JobName, redisOptions } from '@app/queue';
import { Queue } from 'bullmq';
import request from 'supertest';
import {
  audience,
  CAMPAIGN_TEST_ENV,
  header,
  uidOfUnsubscribeUrl,
  unsubscribeUrlOf,
} from './campaign.fixtures';
import { REDIS_URL } from './helpers/harness';
import { campaignWorld } from './helpers/scenarios';

/**
 * The main send: the real April 2025 edition to 3,000 confirmed subscribers through two real worker
 * processes at once, plus the campaign API's contract, scheduling and the bounce webhook.
 */
describe('campaign delivery', () => {
  const world = campaignWorld({ workers: 2, env: { SEND_BATCH_SIZE: '250' } });
  const { h } = world;
  const N = 3000;

  it('sends the April edition to 3,000 subscribers exactly once each, with two workers at once', async () => {
    await world.seedAudience('main', N);
    const editionId = await world.createEdition('2025-04');

    const startedAt = Date.now();
    const created = await world.startCampaign(editionId);
    expect(created.status).toBe('running');
    expect(created.editionId).toBe(editionId);
    const done = await world.waitForCampaign(
      created.id,
      (c) => c.status === 'completed',
      'completed',
      120000,
    );
    const seconds = (Date.now() - startedAt) / 1000;
    // Reported, not asserted: the figure depends on the machine.
    console.log(
      `[throughput] ${N} messages in ${seconds.toFixed(2)} s = ${(N / seconds).toFixed(0)} msg/s ` +
        `(2 worker processes, in-process SMTP sink that parses every message)`,
    );

    // Exactly once each.
    const got = world.receivedBy('main');
    expect(got.size).toBe(N);
    const dupes = [...got.values()].filter((ms) => ms.length > 1).length;
    expect(dupes).toBe(0);
    for (const addr of audience('main', N)) expect(got.get(addr)?.length).toBe(1);

    // The campaign's counts are the ledger's and match what the SMTP server received.
    expect(done).toMatchObject({ total: N, sent: N, failed: 0, bounced: 0, skipped: 0, pending: 0 });
    expect(done.finishedAt).not.toBeNull();
    const [edition] = await h.query<{ status: string; sent_at: Date | null }>(
      'SELECT status, sent_at FROM edition WHERE id = $1',
      [editionId],
    );
    expect(edition).toMatchObject({ status: 'sent' });
    expect(edition!.sent_at).not.toBeNull();

    // Both worker processes sent a share.
    const owners = await h.query<{ claimed_by: string; n: number }>(
      `SELECT claimed_by, count(*)::int AS n FROM delivery WHERE campaign_id = $1 GROUP BY claimed_by`,
      [created.id],
    );
    console.log(`[throughput] per worker: ${owners.map((o) => o.n).join(' + ')}`);
    expect(owners).toHaveLength(2);

    // Every message: its own unsubscribe token (header and both bodies), the list headers, a unique Message-ID.
    const subs = await h.query<{
      email: string;
      uid: string;
      message_id: string;
      delivery_id: number;
      subscriber_id: number;
    }>(
      `SELECT s.email, s.uid, d.message_id, d.id AS delivery_id, d.subscriber_id
         FROM delivery d JOIN subscriber s ON s.id = d.subscriber_id
        WHERE d.campaign_id = $1`,
      [created.id],
    );
    const verp = h.app.get(VerpAddresses, { strict: false });
    const byEmail = new Map(subs.map((s) => [s.email, s]));
    const messageIds = new Set<string>();
    const tokensSeen = new Set<string>();
    for (const [addr, [m]] of got) {
      const sub = byEmail.get(addr)!;
      expect(m!.parsed.subject).toBe('CRANK Call | April 2025');
      expect(header(m!, 'List-Id')).toBe('CRANK Call <crank-call.news.example.test>');
      expect(header(m!, 'List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click');
      const lu =
        /^<https:\/\/news\.example\.test\/unsubscribe\?token=[\w.-]+&c=(\d+)>, <mailto:([^?>]+)\?subject=unsubscribe>$/.exec(
          header(m!, 'List-Unsubscribe') ?? '',
        );
      expect(lu).not.toBeNull();
      // the one-click unsubscribe names the campaign, so the unsubscribe is attributed to this issue
      expect(Number(lu![1])).toBe(created.id);
      // VERP: the envelope sender is this delivery's own signed bounce address; From is unchanged; the
      // mailto names this reader and this campaign; the delivery id travels in a header providers echo.
      expect(verp.parseRecipient(m!.envelopeFrom)).toEqual({
        kind: 'bounce',
        subject: { kind: 'delivery', deliveryId: sub.delivery_id },
      });
      expect(m!.parsed.from?.value).toEqual([{ name: 'CRANK Call', address: 'crank@example.test' }]);
      const mailto = verp.parseRecipient(lu![2]!);
      expect(mailto).toMatchObject({
        kind: 'unsubscribe',
        claim: { subscriberId: sub.subscriber_id, campaignId: created.id },
      });
      expect(mailto?.kind === 'unsubscribe' && mailto.claim.matches(sub.uid)).toBe(true);
      expect(header(m!, 'X-Newsletter-Delivery')).toBe(String(sub.delivery_id));
      const url = unsubscribeUrlOf(m!);
      expect(uidOfUnsubscribeUrl(h, url)).toBe(sub.uid);
      const token = url.searchParams.get('token')!;
      tokensSeen.add(token);
      expect(m!.parsed.text).toContain(url.toString());
      expect(m!.parsed.html).toContain(url.toString().replace(/&/g, '&amp;'));
      expect(m!.parsed.to && 'text' in m!.parsed.to ? m!.parsed.to.text : '').toBe(addr);
      expect(m!.parsed.messageId).toBe(sub.message_id);
      messageIds.add(m!.parsed.messageId!);
    }
    expect(messageIds.size).toBe(N);
    expect(tokensSeen.size).toBe(N);

    // One full message checked in depth: text and HTML parts carry the real content.
    const sample = got.get('main-1@example.test')![0]!;
    expect(sample.parsed.html).toContain('China rejects Gazprom offer of additional gas via Kazakhstan');
    expect(sample.parsed.text).toContain('Russian banks set up “China Track” for concealing trade payments');
    expect(sample.envelopeFrom).toMatch(/^bounces\+d[0-9a-z]+-[a-z2-7]{16}@example\.test$/);
    expect(sample.raw.toString('latin1')).toMatch(/^Content-Type: multipart\/alternative;/m);

    // The per-recipient log pages through every delivery once.
    const seen = new Set<number>();
    let cursor: string | null = null;
    do {
      const page = await world.api.get(
        `/api/admin/campaigns/${created.id}/deliveries?status=sent&limit=1000${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(page.status).toBe(200);
      for (const d of page.body.items as { id: number; status: string; email: string; attempts: number }[]) {
        expect(d.status).toBe('sent');
        expect(d.attempts).toBe(1);
        seen.add(d.id);
      }
      cursor = page.body.nextCursor as string | null;
    } while (cursor);
    expect(seen.size).toBe(N);
    const one = await world.api.get(`/api/admin/campaigns/${created.id}/deliveries?limit=1`);
    expect(one.body.items[0]).toMatchObject({
      subscriberId: expect.any(Number),
      email: expect.stringMatching(/^main-\d+@example\.test$/),
      status: 'sent',
      attempts: 1,
      lastResponse: expect.stringMatching(/^250 /),
      messageId: expect.stringMatching(/^<c\d+\.d\d+\.[0-9a-f]+@example\.test>$/),
      sentAt: expect.any(String),
    });

    // Listed.
    const list = await world.api.get('/api/admin/campaigns');
    expect(list.status).toBe(200);
    expect(list.body.items.map((c: { id: number }) => c.id)).toContain(created.id);
    h.smtp.clear();
  }, 180000);

  it('answers the API contract: 409 with the existing id, 404, 400 and 401', async () => {
    const rows = await h.query<{ id: number; edition_id: number }>(
      `SELECT id, edition_id FROM campaign ORDER BY id LIMIT 1`,
    );
    const { id: campaignId, edition_id: editionId } = rows[0]!;
    const again = await world.api.post('/api/admin/campaigns', { editionId });
    expect(again.status).toBe(409);
    expect(again.body.campaignId).toBe(campaignId);

    expect((await world.api.post('/api/admin/campaigns', { editionId: 999999 })).status).toBe(404);
    for (const bad of [
      {},
      { editionId: 'x' },
      { editionId: 1, extra: 1 },
      { editionId: 1, scheduledAt: 'soon' },
    ]) {
      const res = await world.api.post('/api/admin/campaigns', bad);
      expect(res.status).toBe(400);
      expect(JSON.stringify(res.body)).not.toMatch(/at .*\.js/);
    }
    const past = await world.api.post('/api/admin/campaigns', {
      editionId: await world.createEdition('2025-01'),
      scheduledAt: '2020-01-01T00:00:00Z',
    });
    expect(past.status).toBe(400);
    expect((await request(h.baseUrl).post('/api/admin/campaigns').send({ editionId })).status).toBe(401);
    expect((await request(h.baseUrl).get(`/api/admin/campaigns/${campaignId}`)).status).toBe(401);
    expect((await world.api.get('/api/admin/campaigns/424242')).status).toBe(404);
    expect((await world.api.get('/api/admin/campaigns/abc')).status).toBe(400);
    expect((await world.api.get(`/api/admin/campaigns/${campaignId}/deliveries?status=bogus`)).status).toBe(
      400,
    );
    expect((await world.api.get(`/api/admin/campaigns/${campaignId}/deliveries?cursor=-1`)).status).toBe(400);
    // Documented in the OpenAPI description.
    const docs = await request(h.baseUrl).get('/api/docs-json');
    expect(docs.status).toBe(200);
    const paths = docs.body.paths as Record<string, Record<string, unknown>>;
    for (const p of [
      '/api/admin/campaigns',
      '/api/admin/campaigns/{id}',
      '/api/admin/campaigns/{id}/pause',
    ]) {
      expect(paths[p]).toBeDefined();
    }
    expect(paths['/api/admin/campaigns/{id}/deliveries']?.get).toBeDefined();
    expect(paths['/api/admin/campaigns/{id}/send-missed']?.post).toBeDefined();
    expect(paths['/api/webhooks/bounces']?.post).toBeDefined();
    // A completed campaign cannot be paused or cancelled; resuming it is refused too.
    expect((await world.api.post(`/api/admin/campaigns/${campaignId}/pause`)).status).toBe(409);
    expect((await world.api.post(`/api/admin/campaigns/${campaignId}/cancel`)).status).toBe(409);
    expect((await world.api.post(`/api/admin/campaigns/${campaignId}/resume`)).status).toBe(409);
  });

  it('starts a scheduled campaign when it is due', async () => {
    await world.seedAudience('sched', 25);
    const editionId = await world.createEdition('2025-02');
    const at = new Date(Date.now() + 2500).toISOString();
    const created = await world.startCampaign(editionId, at);
    expect(created.status).toBe('scheduled');
    expect(created.scheduledAt).toBe(at);
    const [ed] = await h.query<{ status: string }>('SELECT status FROM edition WHERE id = $1', [editionId]);
    expect(ed!.status).toBe('scheduled');

    const done = await world.waitForCampaign(created.id, (c) => c.status === 'completed', 'completed');
    expect(done.sent).toBe(25);
    expect(new Date(done.startedAt!).getTime()).toBeGreaterThanOrEqual(new Date(at).getTime());
    const got = world.receivedBy('sched');
    expect(got.size).toBe(25);
    expect([...got.values()].every((ms) => ms.length === 1)).toBe(true);
  });

  it('cancels a scheduled campaign: its start job is removed and the edition is a draft again', async () => {
    await world.seedAudience('cancelled', 10);
    const editionId = await world.createEdition('2025-03');
    const created = await world.startCampaign(editionId, new Date(Date.now() + 3600_000).toISOString());
    expect(created.status).toBe('scheduled');

    const queue = new Queue(JOB_QUEUE[JobName.StartCampaign], {
      connection: redisOptions(REDIS_URL),
      prefix: h.prefix,
    });
    try {
      let job = await queue.getJob(`c${created.id}-start`);
      expect(await job?.getState()).toBe('delayed');
      // Run early (what "promote" on the queue board does): the start job must not send before the schedule.
      await job!.promote();
      await h.waitUntil(async () => (await queue.getJob(`c${created.id}-start`)) === undefined, {
        timeoutMs: 10000,
      });
      expect((await world.getCampaign(created.id)).status).toBe('scheduled');
      expect(world.receivedBy('cancelled').size).toBe(0);
      // The supervisor re-creates the start job from PostgreSQL when the campaign is nearly due; here, as if.
      await queue.add(
        JobName.StartCampaign,
        { campaignId: created.id },
        { jobId: `c${created.id}-start`, delay: 3600_000 },
      );
      job = await queue.getJob(`c${created.id}-start`);
      expect(await job?.getState()).toBe('delayed');

      const res = await world.api.post(`/api/admin/campaigns/${created.id}/cancel`);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ status: 'cancelled', total: 0 });
      expect(await queue.getJob(`c${created.id}-start`)).toBeUndefined();
    } finally {
      await queue.close();
    }
    const [ed] = await h.query<{ status: string }>('SELECT status FROM edition WHERE id = $1', [editionId]);
    expect(ed!.status).toBe('draft');
    expect((await world.api.post(`/api/admin/campaigns/${created.id}/resume`)).status).toBe(409);

    // Never started, so the edition can still get its one full send (the same campaign, started now).
    const again = await world.startCampaign(editionId);
    expect(again.id).toBe(created.id);
    expect(again.status).toBe('running');
    const done = await world.waitForCampaign(created.id, (c) => c.status === 'completed', 'completed');
    expect(done.sent).toBe(10);
    expect(world.receivedBy('cancelled').size).toBe(10);
  });

  it('takes bounce and complaint reports on the webhook', async () => {
    await world.seedAudience('hook', 4);
    const hook = (body: object, secret: string | null = CAMPAIGN_TEST_ENV.BOUNCE_WEBHOOK_SECRET!) => {
      const r = request(h.baseUrl).post('/api/webhooks/bounces');
      return (secret === null ? r : r.set('X-Webhook-Secret', secret)).send(body);
    };
    const status = async (email: string) =>
      (
        await h.query<{ status: string; soft_bounce_count: number; unsubscribed_at: Date | null }>(
          'SELECT status, soft_bounce_count, unsubscribed_at FROM subscriber WHERE email = $1',
          [email],
        )
      )[0]!;

    expect((await hook({ email: 'hook-1@example.test', type: 'hard' }, null)).status).toBe(401);
    expect(
      (await hook({ email: 'hook-1@example.test', type: 'hard' }, 'wrong-secret-wrong-secret')).status,
    ).toBe(401);
    expect((await status('hook-1@example.test')).status).toBe('confirmed');
    expect((await hook({ email: 'hook-1@example.test', type: 'bogus' })).status).toBe(400);
    expect((await hook({ email: 'not an address', type: 'hard' })).status).toBe(400);

    const hard = await hook({ email: 'HOOK-1@example.test', type: 'hard' });
    expect(hard.status).toBe(200);
    expect(hard.body).toMatchObject({ matched: true, status: 'bounced' });
    expect((await status('hook-1@example.test')).status).toBe('bounced');

    const complaint = await hook({ email: 'hook-2@example.test', type: 'complaint' });
    expect(complaint.body).toMatchObject({ matched: true, status: 'complained' });
    const complained = await status('hook-2@example.test');
    expect(complained.status).toBe('complained');
    expect(complained.unsubscribed_at).not.toBeNull();

    for (const expected of [1, 2]) {
      const soft = await hook({ email: 'hook-3@example.test', type: 'soft' });
      expect(soft.body).toMatchObject({ matched: true, status: 'confirmed', softBounceCount: expected });
    }
    const third = await hook({ email: 'hook-3@example.test', type: 'soft' });
    expect(third.body).toMatchObject({ status: 'bounced', softBounceCount: 3 });
    expect(await status('hook-3@example.test')).toMatchObject({ status: 'bounced', soft_bounce_count: 3 });

    expect((await hook({ email: 'nobody@example.test', type: 'hard' })).body).toEqual({ matched: false });
    expect((await status('hook-4@example.test')).status).toBe('confirmed');

    const events = await h.query<{ email: string; type: string; source: string }>(
      `SELECT s.email, e.type, e.source FROM subscriber_event e JOIN subscriber s ON s.id = e.subscriber_id
        WHERE s.email LIKE 'hook-%' ORDER BY e.id`,
    );
    expect(events).toEqual([
      { email: 'hook-1@example.test', type: 'bounced', source: 'webhook:hard' },
      { email: 'hook-2@example.test', type: 'complained', source: 'webhook:complaint' },
      { email: 'hook-3@example.test', type: 'bounced', source: 'webhook:soft' },
    ]);
    const c = await world.getCampaign(1);
    expect(c.status).toBe('completed');
  });
});
