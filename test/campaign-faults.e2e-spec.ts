import { TokenPurpose } from '@app/core';
import { stopProcess } from '@app/testing';
import type { ChildProcess } from 'node:child_process';
import request from 'supertest';
import { audience, type CampaignBody, tokens } from './campaign.fixtures';
import { campaignWorld } from './helpers/scenarios';

/**
 * What goes wrong during a send, each with a real worker process and the in-process SMTP server: recipient
 * 5xx, a temporary 4xx spell, an SMTP outage (auto-pause), pause/resume, cancel, unsubscribes mid-send,
 * and send-missed afterwards.
 */
describe('campaign delivery when things go wrong', () => {
  const world = campaignWorld();
  const { h } = world;
  let worker: ChildProcess | undefined;

  const startWorker = async (env: Record<string, string> = {}) => {
    worker = await world.spawnWorker(env);
  };
  const exactlyOnce = (tag: string, n: number) => {
    const got = world.receivedBy(tag);
    expect(audience(tag, n).filter((a) => got.get(a)?.length !== 1)).toEqual([]);
    expect(got.size).toBe(n);
  };
  const settled = (id: number) =>
    h.waitUntil(
      async () => {
        const c = await world.getCampaign(id);
        return c.sending === 0 ? c : undefined;
      },
      { timeoutMs: 30000, what: `campaign ${id} to have nothing in flight` },
    );

  afterEach(async () => {
    h.smtp.policy = undefined;
    if (worker) await stopProcess(worker);
    worker = undefined;
  });

  it('bounces recipients the server rejects with 5xx and delivers the rest', async () => {
    const n = 200;
    await world.seedAudience('fivexx', n);
    const rejected = new Set(audience('fivexx', n).filter((_, i) => (i + 1) % 10 === 0));
    h.smtp.policy = (rcpt) =>
      rejected.has(rcpt) ? { code: 550, message: '5.1.1 No such user here' } : undefined;
    await startWorker();
    const c = await world.startCampaign(await world.createEdition());
    const done = await world.waitForCampaign(c.id, (x) => x.status === 'completed', 'completed');

    expect(done).toMatchObject({
      total: n,
      sent: n - rejected.size,
      bounced: rejected.size,
      failed: 0,
      pending: 0,
    });
    const got = world.receivedBy('fivexx');
    expect(got.size).toBe(n - rejected.size);
    expect([...rejected].filter((a) => got.has(a))).toEqual([]);
    expect([...got.values()].every((ms) => ms.length === 1)).toBe(true);
    const subs = await h.query<{ email: string; status: string; last_response: string; event: string }>(
      `SELECT s.email, s.status, d.last_response,
              (SELECT e.source FROM subscriber_event e WHERE e.subscriber_id = s.id AND e.type = 'bounced') AS event
         FROM delivery d JOIN subscriber s ON s.id = d.subscriber_id
        WHERE d.campaign_id = $1 AND d.status = 'bounced'`,
      [c.id],
    );
    expect(new Set(subs.map((s) => s.email))).toEqual(rejected);
    for (const s of subs) {
      expect(s.status).toBe('bounced');
      expect(s.last_response).toMatch(/^550 /);
      expect(s.event).toBe('smtp');
    }
  });

  it('retries through a spell of 4xx answers and delivers everyone once', async () => {
    const n = 200;
    await world.seedAudience('fourxx', n);
    let refusals = 30;
    h.smtp.policy = () => (refusals-- > 0 ? { code: 451, message: '4.3.0 Try again later' } : undefined);
    await startWorker();
    const c = await world.startCampaign(await world.createEdition());
    const done = await world.waitForCampaign(c.id, (x) => x.status === 'completed', 'completed');

    expect(done).toMatchObject({ total: n, sent: n, failed: 0, bounced: 0, pending: 0 });
    exactlyOnce('fourxx', n);
    const retried = await h.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM delivery WHERE campaign_id = $1 AND attempts > 1`,
      [c.id],
    );
    expect(retried[0]!.n).toBeGreaterThanOrEqual(1);
    expect(retried[0]!.n).toBeLessThanOrEqual(30);
  });

  it('pauses itself during an SMTP outage, says why, and finishes after a resume', async () => {
    const n = 100;
    await world.seedAudience('outage', n);
    const port = h.smtp.port;
    await h.smtp.stop();
    await startWorker({ SEND_MAX_CONSECUTIVE_FAILURES: '20' });
    const c = await world.startCampaign(await world.createEdition());
    const paused = await world.waitForCampaign(c.id, (x) => x.status === 'paused', 'auto-paused');
    expect(paused.pauseReason).toMatch(/consecutive failed sends/);
    expect(paused.pauseReason).toMatch(/ECONNREFUSED|connect/i);
    const settledPause = await settled(c.id);
    expect(settledPause.sent).toBe(0);
    expect(settledPause.failed).toBe(0); // retries were not burnt: the pause stopped them
    expect(settledPause.pending).toBe(n);

    await h.smtp.start(port);
    const resumed = await world.api.post(`/api/admin/campaigns/${c.id}/resume`);
    expect(resumed.status).toBe(200);
    expect(resumed.body.pauseReason).toBeNull();
    const done = await world.waitForCampaign(c.id, (x) => x.status === 'completed', 'completed');
    expect(done).toMatchObject({ total: n, sent: n, failed: 0, pending: 0 });
    exactlyOnce('outage', n);
  });

  it('pauses and resumes mid-send without losing or duplicating anyone', async () => {
    const n = 600;
    await world.seedAudience('pause', n);
    await startWorker();
    const c = await world.startCampaign(await world.createEdition());
    await h.smtp.waitFor(h.smtp.messages.length + 100, 60000);
    const res = await world.api.post(`/api/admin/campaigns/${c.id}/pause`);
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('paused');
    expect(res.body.pauseReason).toBe('Paused by an administrator');
    // In-flight messages finish and are recorded; nothing else starts.
    const atPause = await settled(c.id);
    expect(atPause.status).toBe('paused');
    expect(atPause.pending).toBeGreaterThan(0);
    expect(world.receivedBy('pause').size).toBe(atPause.sent);
    expect((await world.api.post(`/api/admin/campaigns/${c.id}/pause`)).status).toBe(200); // idempotent

    const resumed = await world.api.post(`/api/admin/campaigns/${c.id}/resume`);
    expect(resumed.status).toBe(200);
    expect(resumed.body.status).toBe('running');
    const done = await world.waitForCampaign(c.id, (x) => x.status === 'completed', 'completed');
    expect(done).toMatchObject({ total: n, sent: n, pending: 0 });
    exactlyOnce('pause', n);
  });

  it('cancels mid-send: in-flight messages finish, nothing else goes out', async () => {
    const n = 400;
    await world.seedAudience('cancel', n);
    await startWorker();
    const editionId = await world.createEdition();
    const c = await world.startCampaign(editionId);
    await h.smtp.waitFor(h.smtp.messages.length + 50, 60000);
    const res = await world.api.post(`/api/admin/campaigns/${c.id}/cancel`);
    expect(res.status).toBe(200);
    const after: CampaignBody = await settled(c.id);
    expect(after.status).toBe('cancelled');
    expect(after.finishedAt).not.toBeNull();
    expect(after.queued).toBeGreaterThan(0);
    expect(world.receivedBy('cancel').size).toBe(after.sent);
    expect([...world.receivedBy('cancel').values()].every((ms) => ms.length === 1)).toBe(true);
    // Some readers got it: the edition counts as sent.
    const [ed] = await h.query<{ status: string }>('SELECT status FROM edition WHERE id = $1', [editionId]);
    expect(ed!.status).toBe('sent');
    expect((await world.api.post(`/api/admin/campaigns/${c.id}/resume`)).status).toBe(409);
    expect((await world.api.post(`/api/admin/campaigns/${c.id}/send-missed`)).status).toBe(409);
  });

  it('skips subscribers who unsubscribe while the send is going on', async () => {
    const n = 400;
    await world.seedAudience('unsub', n);
    await startWorker({ SEND_RATE_PER_SECOND: '100' });
    const c = await world.startCampaign(await world.createEdition());
    await h.smtp.waitFor(h.smtp.messages.length + 20, 60000);

    // The last 40 (sent last: one batch, claimed in id order) unsubscribe with the RFC 8058 one-click POST.
    const leaving = await h.query<{ id: number; uid: string; email: string }>(
      `SELECT id, uid, email FROM subscriber WHERE email LIKE 'unsub-%' ORDER BY id DESC LIMIT 40`,
    );
    for (const s of leaving) {
      const token = tokens(h).sign(TokenPurpose.Unsubscribe, s.uid);
      const res = await request(h.baseUrl)
        .post(`/unsubscribe?token=${encodeURIComponent(token)}`)
        .type('form')
        .send('List-Unsubscribe=One-Click');
      expect(res.status).toBe(200);
    }
    const stillQueued = await h.query<{ email: string }>(
      `SELECT s.email FROM delivery d JOIN subscriber s ON s.id = d.subscriber_id
        WHERE d.campaign_id = $1 AND d.status = 'queued' AND s.id = ANY($2::int[])`,
      [c.id, leaving.map((s) => s.id)],
    );
    expect(stillQueued.length).toBeGreaterThan(0);

    const done = await world.waitForCampaign(c.id, (x) => x.status === 'completed', 'completed');
    const got = world.receivedBy('unsub');
    expect(stillQueued.filter((s) => got.has(s.email))).toEqual([]);
    expect(done.skipped).toBeGreaterThanOrEqual(stillQueued.length);
    expect(done.sent + done.skipped).toBe(n);
    expect(got.size).toBe(done.sent);
    const skipped = await h.query<{ last_response: string }>(
      `SELECT last_response FROM delivery WHERE campaign_id = $1 AND status = 'skipped'`,
      [c.id],
    );
    expect(skipped.every((s) => /subscriber is unsubscribed/.test(s.last_response))).toBe(true);
  });

  it('send-missed reaches new subscribers and retries failed deliveries, never a second copy', async () => {
    const n = 100;
    await world.seedAudience('missed', n);
    const flaky = new Set(audience('missed', n).filter((_, i) => (i + 1) % 10 === 7));
    h.smtp.policy = (rcpt) => (flaky.has(rcpt) ? { code: 452, message: '4.2.2 Mailbox full' } : undefined);
    await startWorker({ SEND_MAX_ATTEMPTS: '2' });
    const c = await world.startCampaign(await world.createEdition());
    const first = await world.waitForCampaign(c.id, (x) => x.status === 'completed', 'completed');
    expect(first).toMatchObject({ total: n, sent: n - flaky.size, failed: flaky.size, pending: 0 });
    const failed = await world.api.get(`/api/admin/campaigns/${c.id}/deliveries?status=failed`);
    expect(failed.body.items).toHaveLength(flaky.size);
    for (const d of failed.body.items as { attempts: number; lastResponse: string; email: string }[]) {
      expect(flaky.has(d.email)).toBe(true);
      expect(d.attempts).toBe(2);
      expect(d.lastResponse).toMatch(/^gave up after 2 attempts: 452 /);
    }

    // Later: the mailboxes have room again, and five more readers have confirmed.
    h.smtp.policy = undefined;
    await h.query(
      `INSERT INTO subscriber (email, status, consent_at, consent_source, confirmed_at)
       SELECT 'missed-new-' || g || '@example.test', 'confirmed', now(), 'test', now() FROM generate_series(1, 5) g`,
    );
    const res = await world.api.post(`/api/admin/campaigns/${c.id}/send-missed`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ added: 5, requeued: flaky.size });
    const done = await world.waitForCampaign(
      c.id,
      (x) => x.status === 'completed' && x.total === n + 5,
      'completed',
    );
    expect(done).toMatchObject({ sent: n + 5, failed: 0, pending: 0 });
    exactlyOnce('missed', n);
    expect(world.receivedBy('missed-new').size).toBe(5);

    const again = await world.api.post(`/api/admin/campaigns/${c.id}/send-missed`);
    expect(again.body).toMatchObject({ added: 0, requeued: 0 });
  });
});
