import request from 'supertest';
import { audience } from './campaign.fixtures';
import { campaignWorld } from './helpers/scenarios';

/** A request during the outage must fail fast (pool connect is refused at once), not hang. */
const FAIL_FAST_MS = 6000;
/** Longer than WORKER_DEAD_AFTER_SECONDS (15 s): every heartbeat is stale when the database comes back. */
const OUTAGE_MS = 20000;

/**
 * PostgreSQL (a private cluster: the shared server is never touched) stopped like a crash in the middle of a
 * send and of subscriptions, then started again: requests answer 503 with a message while it is down, readiness
 * says so, and afterwards subscriptions work, the send completes and nobody is lost or sent a second copy
 * beyond the messages in flight when the database went away.
 */
describe('hardening: PostgreSQL restarted during a send and during subscriptions', () => {
  const world = campaignWorld({
    postgres: 'private',
    workers: 1,
    // A paced send (at most 200/s) so the outage lands in the middle of it.
    env: { THROTTLE_LIMIT: '100000', SEND_RATE_PER_SECOND: '200' },
  });
  const { h } = world;
  const pg = world.postgres;
  const N = 1000;

  const subscribe = (email: string) =>
    request(h.baseUrl)
      .post('/api/subscriptions')
      .send({ email })
      .timeout(FAIL_FAST_MS * 2);

  it('answers 503 while it is down, then recovers: subscriptions work, the send completes, nobody lost', async () => {
    await world.seedAudience('pgr', N);
    const c = await world.startCampaign(await world.createEdition('2025-04'));
    expect((await subscribe('pg-before@example.test')).status).toBe(202);
    await h.smtp.waitFor(300, 60000);

    // What one worker can have in flight at most: SEND_CONCURRENCY batches × a chunk of SMTP_POOL_SIZE.
    const [before] = await h.query<{ sending: number; sent: number }>(
      `SELECT count(*) FILTER (WHERE status = 'sending')::int AS sending,
              count(*) FILTER (WHERE status = 'sent')::int AS sent
         FROM delivery WHERE campaign_id = $1`,
      [c.id],
    );
    const inFlightBound = 4 * 10;

    // Readers keep subscribing, one request after another, across the stop and the restart.
    const subs: { email: string; status: number; ms: number }[] = [];
    let subscribing = true;
    const subscriber = (async () => {
      for (let i = 1; subscribing; i++) {
        const email = `pgsub-${i}@example.test`;
        const t0 = Date.now();
        const status = await subscribe(email).then(
          (r) => r.status,
          () => 0,
        );
        subs.push({ email, status, ms: Date.now() - t0 });
        await new Promise((r) => setTimeout(r, 200));
      }
    })();
    await new Promise((r) => setTimeout(r, 1000));

    const downAt = Date.now();
    await pg.stop('immediate');
    const receivedAtStop = h.smtp.messages.length;

    // During the outage: every kind of request fails fast with a 503 and a message.
    const timed = async (r: request.Test) => {
      const t0 = Date.now();
      const res = await r;
      return { res, ms: Date.now() - t0 };
    };
    const sub = await timed(subscribe('pg-during@example.test'));
    expect(sub.res.status).toBe(503);
    expect(sub.res.body.message).toMatch(/temporarily unavailable/i);
    expect(sub.res.headers['retry-after']).toBeDefined();
    expect(sub.ms).toBeLessThan(FAIL_FAST_MS);

    const form = await timed(
      request(h.baseUrl)
        .post('/subscribe')
        .set('Accept', 'text/html')
        .type('form')
        .send({ email: 'pg-form@example.test' }),
    );
    expect(form.res.status).toBe(503);
    expect(form.res.text).toMatch(/temporarily unavailable/i);
    expect(form.res.text).not.toMatch(/at \w+ \(|node_modules|ECONNREFUSED/); // no stack, no internals
    expect(form.ms).toBeLessThan(FAIL_FAST_MS);

    const admin = await timed(world.api.get(`/api/admin/campaigns/${c.id}`));
    expect(admin.res.status).toBe(503);
    expect(admin.ms).toBeLessThan(FAIL_FAST_MS);

    const ready = await timed(request(h.baseUrl).get('/health/ready'));
    expect(ready.res.status).toBe(503);
    expect(ready.res.body.error?.database?.status ?? ready.res.body.details?.database?.status).toBe('down');
    expect(ready.ms).toBeLessThan(FAIL_FAST_MS);
    expect((await request(h.baseUrl).get('/health/live')).status).toBe(200);

    await new Promise((r) => setTimeout(r, Math.max(0, OUTAGE_MS - (Date.now() - downAt))));
    const receivedDuringOutage = h.smtp.messages.length - receivedAtStop;
    await pg.startAgain();
    const upAt = Date.now();

    // Back: the API recovers on its own (pool reconnects), readiness too.
    await h.waitUntil(async () => (await subscribe('pg-after@example.test')).status === 202, {
      timeoutMs: 15000,
      what: 'subscriptions to work again',
    });
    const recoveredMs = Date.now() - upAt;
    await new Promise((r) => setTimeout(r, 1000));
    subscribing = false;
    await subscriber;
    await h.waitUntil(async () => (await request(h.baseUrl).get('/health/ready')).status === 200, {
      timeoutMs: 15000,
      what: 'readiness to come back',
    });
    // The subscription refused during the outage stored nothing; the ones before and after get their email.
    expect(await h.query(`SELECT 1 FROM subscriber WHERE email = 'pg-during@example.test'`)).toEqual([]);
    expect(await h.query(`SELECT 1 FROM subscriber WHERE email = 'pg-form@example.test'`)).toEqual([]);

    // Every request got 202 or a fast 503, never a 500 or a hang. A reader told 503 tries again (Retry-After).
    expect(subs.filter((r) => r.status !== 202 && r.status !== 503)).toEqual([]);
    expect(subs.filter((r) => r.ms > FAIL_FAST_MS)).toEqual([]);
    const refused = subs.filter((r) => r.status === 503);
    expect(refused.length).toBeGreaterThan(0);
    expect(subs.filter((r) => r.status === 202).length).toBeGreaterThan(0);
    for (const r of refused) expect((await subscribe(r.email)).status).toBe(202);

    const done = await world.waitForCampaign(c.id, (x) => x.status === 'completed', 'completed', 120000);
    await h.waitUntil(() => h.smtp.to('pg-after@example.test').length >= 1, {
      timeoutMs: 60000,
      what: 'the confirmation email of the subscription after the outage',
    });
    // Nobody who subscribed (at once, or again after a 503) is lost: one confirmation email each.
    await h.waitUntil(() => subs.every((r) => h.smtp.to(r.email).length >= 1), {
      timeoutMs: 60000,
      what: 'a confirmation email for every subscription made across the outage',
    });
    expect(subs.filter((r) => h.smtp.to(r.email).length !== 1)).toEqual([]);
    const stored = await h.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM subscriber WHERE email LIKE 'pgsub-%' AND status = 'pending'`,
    );
    expect(stored[0]!.n).toBe(subs.length);
    expect(h.smtp.to('pg-before@example.test')).toHaveLength(1);
    expect(h.smtp.to('pg-after@example.test')).toHaveLength(1);

    const got = world.receivedBy('pgr');
    const missing = audience('pgr', N).filter((a) => !got.has(a));
    const duplicated = [...got].filter(([, ms]) => ms.length > 1).map(([a]) => a);
    const extra = [...got.values()].reduce((n, ms) => n + ms.length - 1, 0);
    const [ledger] = await h.query<{ sent: number; retried: number; other: number }>(
      `SELECT count(*) FILTER (WHERE status = 'sent')::int AS sent,
              count(*) FILTER (WHERE attempts > 1)::int AS retried,
              count(*) FILTER (WHERE status <> 'sent')::int AS other
         FROM delivery WHERE campaign_id = $1`,
      [c.id],
    );
    console.log(
      `[postgres] stopped for ${OUTAGE_MS} ms after ${before!.sent} sent (${before!.sending} sending just before); ` +
        `${receivedDuringOutage} messages reached the sink during the outage; API back ${recoveredMs} ms after ` +
        `the restart; ${subs.length} subscriptions across the outage (${refused.length} answered 503 within ` +
        `${Math.max(...refused.map((r) => r.ms))} ms, then accepted on retry; one confirmation each); sent ${ledger!.sent}/${N}, missing ${missing.length}, ${duplicated.length} recipients ` +
        `got a second copy (${extra} extra), ${ledger!.retried} deliveries needed another attempt`,
    );
    expect(missing).toEqual([]);
    expect(got.size).toBe(N);
    expect(extra).toBeLessThanOrEqual(inFlightBound);
    expect([...got.values()].every((ms) => ms.length <= 2)).toBe(true);
    for (const a of duplicated) {
      const [m1, m2] = got.get(a)!;
      expect(m1!.parsed.messageId).toBe(m2!.parsed.messageId);
    }
    expect(done).toMatchObject({ total: N, sent: N, failed: 0, bounced: 0, pending: 0 });
    expect(ledger).toMatchObject({ sent: N, other: 0 });
    // A second copy only ever went out for a delivery that was attempted again.
    expect(extra).toBeLessThanOrEqual(ledger!.retried);
  }, 180000);
});
