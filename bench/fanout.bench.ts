/**
 * Fan-out as ranges (issue 16): a campaign to M confirmed subscribers (1,000,000 by default) is created and
 * started through CampaignService and CampaignRunner (what `POST /api/admin/campaigns` and the StartCampaign
 * and FanOutCampaign jobs run), timed from the call that creates it until the recipient snapshot is taken and
 * every FanOutRange job is in Redis ("start"). No worker runs, so nothing is consumed meanwhile. Redis memory
 * is INFO used_memory of the bench's private Redis before and after.
 *
 * Then the range jobs themselves are run in this process (CampaignRunner.fanOutRange, four at a time like a
 * worker's campaign queue) until the whole ledger is written and every DeliverBatch job is in Redis: the
 * work the old fan-out did before returning, now spread over the send.
 *
 * Baselines: one bare `INSERT INTO delivery ... SELECT` of the same rows for a second campaign in the same
 * database (what writing the ledger up front costs at least, no paging, no jobs; the old fan-out took
 * 1.27× that), and the snapshot's `count(*)` of confirmed subscribers alone.
 */
import { AppConfig } from '@app/config';
import { CampaignRunner, CampaignService } from '@app/core';
import { JobName, JobQueue, QueueName } from '@app/queue';
import { createTestDatabase } from '@app/testing';
import type { Job } from 'bullmq';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { createBenchContext, insertEdition, insertSubscribers } from './bench.module';
import { seconds, type PrivateRedis } from './infra';

export interface FanOutBenchResult {
  subscribers: number;
  /** Create + start + snapshot + every range job enqueued, seconds. */
  seconds: number;
  /** FanOutRange jobs enqueued by the start. */
  jobs: number;
  batchSize: number;
  /** Redis memory of the range jobs. */
  redisBytes: number;
  redisMiB: number;
  redisBytesPerDelivery: number;
  /** count(*) of confirmed subscribers alone, seconds (part of the snapshot statement). */
  countSeconds: number;
  /** Running every range job (4 at a time): ledger written and DeliverBatch jobs enqueued, seconds. */
  rangesSeconds: number;
  /** Mean wall time of one range job, milliseconds. */
  msPerRange: number;
  /** DeliverBatch jobs the range jobs enqueued. */
  deliveryJobs: number;
  /** Redis memory of the range jobs' DeliverBatch jobs (range jobs removed on completion by then). */
  deliveryRedisMiB: number;
  /** Bare INSERT ... SELECT of the same rows, seconds. */
  baselineInsertSeconds: number;
  /** generate_series INSERT of the M subscribers themselves (PostgreSQL writing rows, no parsing), rows/s. */
  subscriberInsertRowsPerSecond: number;
}

export async function runFanOutBench(opts: {
  subscribers: number;
  redis: PrivateRedis;
}): Promise<FanOutBenchResult> {
  const m = opts.subscribers;
  const db = await createTestDatabase();
  const pg = new Client({ connectionString: db.url });
  await pg.connect();
  const ctx = await createBenchContext({
    NODE_ENV: 'production',
    DATABASE_URL: db.url,
    REDIS_URL: opts.redis.url,
    REDIS_PREFIX: `nlbench-fanout-${randomBytes(3).toString('hex')}`,
    SECRET_KEY: randomBytes(32).toString('hex'),
    PUBLIC_URL: 'https://news.example.test',
    MAIL_FROM: 'CRANK Call <crank@example.test>',
    LOG_LEVEL: 'warn',
  });
  try {
    const tIns = process.hrtime.bigint();
    await insertSubscribers(pg, 'fan', m);
    const subscriberInsertRowsPerSecond = Math.round(m / seconds(tIns));
    const editionId = await insertEdition(pg, '2091-01');
    const baselineEdition = await insertEdition(pg, '2091-02');
    await pg.query('VACUUM ANALYZE subscriber');
    await pg.query('CHECKPOINT');

    const tCount = process.hrtime.bigint();
    await pg.query(`SELECT count(*) FROM subscriber WHERE status = 'confirmed'`);
    const countSeconds = seconds(tCount);

    const jobs = ctx.get(JobQueue);
    const runner = ctx.get(CampaignRunner);
    const before = await opts.redis.usedMemory();
    const t0 = process.hrtime.bigint();
    const campaign = await ctx.get(CampaignService).create(editionId);
    if (!(await runner.start(campaign.id))) throw new Error(`campaign ${campaign.id} did not start`);
    await runner.fanOut(campaign.id);
    const startSeconds = seconds(t0);
    const after = await opts.redis.usedMemory();
    const campaignQueue = jobs.queue(QueueName.Campaign);
    const ranges = (await campaignQueue.getJobs(['waiting', 'prioritized'])).filter(
      (j): j is Job<{ campaignId: number; rangeId: number }> => (j?.name as JobName) === JobName.FanOutRange,
    );

    // The range jobs, as a worker's campaign queue would run them (concurrency 4); removed once done.
    const t1 = process.hrtime.bigint();
    let next = 0;
    let written = 0;
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (next < ranges.length) {
          const job = ranges[next++]!;
          // Not `written += await …`: that reads `written` before the await and loses the other loops' counts.
          const r = await runner.fanOutRange(job.data.campaignId, job.data.rangeId);
          written += r.written;
          await job.remove();
        }
      }),
    );
    const rangesSeconds = seconds(t1);
    if (written !== m) {
      const r = await pg.query<{ n: string; done: string }>(
        `SELECT count(*) AS n, count(done_at) AS done FROM campaign_range WHERE campaign_id = $1`,
        [campaign.id],
      );
      throw new Error(
        `range jobs wrote ${written} of ${m} deliveries (${ranges.length} range jobs found waiting; ` +
          `${r.rows[0]!.n} ranges, ${r.rows[0]!.done} done)`,
      );
    }
    const counts = await jobs.queue(QueueName.Delivery).getJobCounts('waiting', 'prioritized');
    const deliveryJobs = (counts.waiting ?? 0) + (counts.prioritized ?? 0);
    const afterRanges = await opts.redis.usedMemory();

    const c = await pg.query<{ id: number }>(
      `INSERT INTO campaign (edition_id, status, scheduled_at) VALUES ($1, 'cancelled', now()) RETURNING id`,
      [baselineEdition],
    );
    await pg.query('CHECKPOINT');
    const t2 = process.hrtime.bigint();
    await pg.query(
      `INSERT INTO delivery (campaign_id, subscriber_id) SELECT $1, id FROM subscriber WHERE status = 'confirmed'`,
      [c.rows[0]!.id],
    );
    const baselineInsertSeconds = seconds(t2);
    const batchSize = ctx.get(AppConfig).env.SEND_BATCH_SIZE;
    const mib = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;
    return {
      subscribers: m,
      seconds: startSeconds,
      jobs: ranges.length,
      batchSize,
      redisBytes: after - before,
      redisMiB: mib(after - before),
      redisBytesPerDelivery: Math.round(((after - before) / m) * 10) / 10,
      countSeconds,
      rangesSeconds,
      msPerRange: Math.round(((rangesSeconds * 1000 * 4) / Math.max(1, ranges.length)) * 10) / 10,
      deliveryJobs,
      deliveryRedisMiB: mib(afterRanges - before),
      baselineInsertSeconds,
      subscriberInsertRowsPerSecond,
    };
  } finally {
    await ctx.close();
    await pg.end();
    await db.drop();
  }
}
