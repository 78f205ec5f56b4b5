import { audience } from './campaign.fixtures';
import { campaignWorld } from './helpers/scenarios';

/**
 * Redis restarted in the middle of a send, losing every queued job: the ledger in PostgreSQL is the truth,
 * the workers' watchdog re-creates the checks and the checks re-enqueue what no job carries any more.
 * Uses its own redis-server (the shared one on 6379 is left alone).
 */
describe('campaign delivery survives a Redis restart', () => {
  // Small batches: most of them are still waiting in Redis (and lost with it) at the restart.
  const world = campaignWorld({ redis: 'private', workers: 1, env: { SEND_BATCH_SIZE: '100' } });
  const { h } = world;
  const N = 1500;

  it('completes the send, everyone exactly once', async () => {
    await world.seedAudience('redis', N);
    const c = await world.startCampaign(await world.createEdition('2025-04'));
    await h.smtp.waitFor(300, 60000);

    await world.redis.kill();
    await world.redis.startAgain();
    const atRestart = await world.getCampaign(c.id);
    expect(atRestart.pending).toBeGreaterThan(0);

    const done = await world.waitForCampaign(c.id, (x) => x.status === 'completed', 'completed', 120000);
    expect(done).toMatchObject({ total: N, sent: N, failed: 0, pending: 0 });
    const got = world.receivedBy('redis');
    expect(audience('redis', N).filter((a) => got.get(a)?.length !== 1)).toEqual([]);
    console.log(
      `[redis] restarted after ${N - atRestart.pending} of ${N} were sent; all ${N} delivered once`,
    );
  }, 180000);
});
