import type { ChildProcess } from 'node:child_process';
import {
  audience,
  CAMPAIGN_TEST_ENV,
  createEdition,
  getCampaign,
  receivedBy,
  seedAudience,
  showWorkerLogs,
  startCampaign,
  stopProcess,
  waitForCampaign,
} from './campaign.fixtures';
import { Harness } from './helpers/harness';
import { freePort, startRedisServer } from '@app/testing';

/**
 * Redis restarted in the middle of a send, losing every queued job: the ledger in PostgreSQL is the truth,
 * the workers' watchdog re-creates the checks and the checks re-enqueue what no job carries any more.
 * Uses its own redis-server (the shared one on 6379 is left alone).
 */
describe('campaign delivery survives a Redis restart', () => {
  let h: Harness;
  let redis: ChildProcess;
  let port: number;
  const N = 1500;

  beforeAll(async () => {
    port = await freePort();
    redis = await startRedisServer(port);
    // Small batches: most of them are still waiting in Redis (and lost with it) at the restart.
    h = await Harness.start({
      redisUrl: `redis://127.0.0.1:${port}`,
      env: { ...CAMPAIGN_TEST_ENV, SEND_BATCH_SIZE: '100' },
      workers: 1,
    });
    showWorkerLogs(h);
  });
  afterAll(async () => {
    await h?.stop();
    if (redis) await stopProcess(redis);
  });

  it('completes the send, everyone exactly once', async () => {
    await seedAudience(h, 'redis', N);
    const c = await startCampaign(h, await createEdition(h, '2025-04'));
    await h.smtp.waitFor(300, 60000);

    await stopProcess(redis, 'SIGKILL');
    redis = await startRedisServer(port);
    const atRestart = await getCampaign(h, c.id);
    expect(atRestart.pending).toBeGreaterThan(0);

    const done = await waitForCampaign(h, c.id, (x) => x.status === 'completed', 'completed', 120000);
    expect(done).toMatchObject({ total: N, sent: N, failed: 0, pending: 0 });
    const got = receivedBy(h, 'redis');
    expect(audience('redis', N).filter((a) => got.get(a)?.length !== 1)).toEqual([]);
    console.log(
      `[redis] restarted after ${N - atRestart.pending} of ${N} were sent; all ${N} delivered once`,
    );
  }, 180000);
});
