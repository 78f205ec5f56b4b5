import { WORKER_DEAD_AFTER_SECONDS } from '@app/core';
import { audience } from './campaign.fixtures';
import { campaignWorld } from './helpers/scenarios';

const OUTAGE_MS = 30_000;
const SAMPLE_EVERY_MS = 5_000;

/**
 * Issue 11 item 14: Redis away for 30 s in the middle of a send. The worker's heartbeat lives in PostgreSQL
 * and beats on its own timer, so it keeps advancing while every Redis command hangs; the worker never looks
 * dead, none of its claims is released under it, and once Redis is back the campaign completes with every
 * reader receiving the edition exactly once. Uses its own redis-server (the shared one is left alone).
 */
describe('worker heartbeat during a Redis outage', () => {
  const world = campaignWorld({
    redis: 'private',
    workers: 1,
    // Slow enough that the send is still going when Redis stops.
    env: { SEND_BATCH_SIZE: '100', SEND_RATE_PER_SECOND: '100' },
  });
  const { h } = world;
  const N = 1200;

  const heartbeats = () =>
    h.query<{ id: string; seen_at: Date; age_s: number }>(
      `SELECT id, seen_at, extract(epoch FROM now() - seen_at)::float8 AS age_s FROM worker_heartbeat`,
    );

  it('keeps beating while Redis is down, and the send completes once Redis is back, everyone exactly once', async () => {
    await world.seedAudience('outage', N);
    const c = await world.startCampaign(await world.createEdition('2025-04'));
    await h.smtp.waitFor(150, 60000);

    await world.redis.kill();
    const [worker] = await heartbeats();
    expect(worker).toBeDefined();
    const samples: { seenAt: number; age: number }[] = [];
    for (let waited = 0; waited < OUTAGE_MS; waited += SAMPLE_EVERY_MS) {
      await new Promise((r) => setTimeout(r, SAMPLE_EVERY_MS));
      const rows = await heartbeats();
      expect(rows.map((r) => r.id)).toEqual([worker!.id]);
      samples.push({ seenAt: rows[0]!.seen_at.getTime(), age: rows[0]!.age_s });
    }
    const duringOutage = await world.getCampaign(c.id);
    await world.redis.startAgain();

    // Every sample is a newer beat than the one before (the heartbeat did not stop), and none is old enough
    // for the worker to be taken for dead.
    for (let i = 1; i < samples.length; i++) {
      expect({ i, advanced: samples[i]!.seenAt > samples[i - 1]!.seenAt }).toEqual({ i, advanced: true });
    }
    expect(samples.filter((s) => s.age >= WORKER_DEAD_AFTER_SECONDS)).toEqual([]);
    expect(duringOutage.status).toBe('running');
    expect(duringOutage.pending).toBeGreaterThan(0);

    const done = await world.waitForCampaign(c.id, (x) => x.status === 'completed', 'completed', 120000);
    expect(done).toMatchObject({ total: N, sent: N, failed: 0, pending: 0 });
    const got = world.receivedBy('outage');
    const notOnce = audience('outage', N).filter((a) => got.get(a)?.length !== 1);
    expect(notOnce.map((a) => [a, got.get(a)?.length ?? 0])).toEqual([]);
    console.log(
      `[heartbeat] Redis down ${OUTAGE_MS / 1000} s with ${N - duringOutage.pending} of ${N} sent; ` +
        `the heartbeat advanced at each of ${samples.length} looks; all ${N} delivered once`,
    );
  }, 240000);
});
