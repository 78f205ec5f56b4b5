/**
 * Fan-out: a campaign to M confirmed subscribers (1,000,000 by default) is created and started through
 * CampaignService, then CampaignRunner.fanOut (what the FanOutCampaign job runs) is timed until every
 * delivery row is written and every DeliverBatch job is in Redis. No worker runs, so nothing is consumed.
 * Redis memory is INFO used_memory of the bench's private Redis before and after.
 *
 * Baseline: one bare `INSERT INTO delivery ... SELECT` of the same rows for a second campaign in the same
 * database (the cost of writing the ledger alone, no paging, no jobs).
 */
import { AppConfig } from '@app/config';
import { CampaignRunner, CampaignService } from '@app/core';
import { JobQueue, QueueName } from '@app/queue';
import { createTestDatabase } from '@app/testing';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { createBenchContext, insertEdition, insertSubscribers } from './bench.module';
import { seconds, type PrivateRedis } from './infra';

export interface FanOutBenchResult {
  subscribers: number;
  seconds: number;
  rowsPerSecond: number;
  jobs: number;
  batchSize: number;
  redisBytes: number;
  redisMiB: number;
  redisBytesPerDelivery: number;
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
    await pg.query('CHECKPOINT');

    const before = await opts.redis.usedMemory();
    const campaign = await ctx.get(CampaignService).create(editionId);
    const t0 = process.hrtime.bigint();
    const { written } = await ctx.get(CampaignRunner).fanOut(campaign.id);
    const fanOutSeconds = seconds(t0);
    const after = await opts.redis.usedMemory();
    if (written !== m) throw new Error(`fan-out wrote ${written} of ${m} deliveries`);
    const counts = await ctx.get(JobQueue).queue(QueueName.Delivery).getJobCounts('waiting', 'prioritized');
    const jobs = (counts.waiting ?? 0) + (counts.prioritized ?? 0);

    const c = await pg.query<{ id: number }>(
      `INSERT INTO campaign (edition_id, status, scheduled_at) VALUES ($1, 'cancelled', now()) RETURNING id`,
      [baselineEdition],
    );
    await pg.query('CHECKPOINT');
    const t1 = process.hrtime.bigint();
    await pg.query(
      `INSERT INTO delivery (campaign_id, subscriber_id) SELECT $1, id FROM subscriber WHERE status = 'confirmed'`,
      [c.rows[0]!.id],
    );
    const baselineInsertSeconds = seconds(t1);
    const batchSize = ctx.get(AppConfig).env.SEND_BATCH_SIZE;
    return {
      subscribers: m,
      seconds: fanOutSeconds,
      rowsPerSecond: Math.round(m / fanOutSeconds),
      jobs,
      batchSize,
      redisBytes: after - before,
      redisMiB: Math.round(((after - before) / 2 ** 20) * 10) / 10,
      redisBytesPerDelivery: Math.round(((after - before) / m) * 10) / 10,
      baselineInsertSeconds,
      subscriberInsertRowsPerSecond,
    };
  } finally {
    await ctx.close();
    await pg.end();
    await db.drop();
  }
}
