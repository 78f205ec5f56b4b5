/**
 * `npm run bench -- --huge`: one campaign to 1,000,000 confirmed subscribers end to end, DKIM-signed (RSA-2048)
 * as deployed, with 1 and then 2 worker processes: wall time from the campaign call to `completed`, the
 * fan-out's share of it, peak RSS of each worker, the peak of Redis memory above its level before the send
 * (INFO used_memory sampled every 250 ms) and the PostgreSQL size of the campaign's ledger (delivery table
 * with its indexes). Not in the default run: it takes tens of minutes on two cores.
 */
import { CampaignService } from '@app/core';
import { createTestDatabase } from '@app/testing';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { createBenchContext, insertEdition, insertSubscribers } from './bench.module';
import { benchDkimKey, dkimEnv, WORKER_ENTRY } from './campaign.bench';
import { peakRssMiB, seconds, sleep, spawnNode, startSmtpSink, stopChild, type PrivateRedis } from './infra';

export interface HugeCampaignRun {
  workers: number;
  signed: boolean;
  messages: number;
  /** From the campaign call to status `completed`. */
  wallSeconds: number;
  messagesPerSecond: number;
  /** From the campaign call to `fanned_out_at` (every delivery row written and its job enqueued). */
  fanOutSeconds: number;
  workerPeakRssMiB: number[];
  redisPeakMiB: number;
  /** Growth of the delivery table with its indexes for this campaign. */
  ledgerMiB: number;
}

export interface HugeCampaignBenchResult {
  subscribers: number;
  runs: HugeCampaignRun[];
}

const MiB = 2 ** 20;

export async function runHugeCampaignBench(opts: {
  subscribers: number;
  redis: PrivateRedis;
  workerCounts?: number[];
  signed?: boolean;
}): Promise<HugeCampaignBenchResult> {
  const n = opts.subscribers;
  const signed = opts.signed ?? true;
  const sink = await startSmtpSink();
  const db = await createTestDatabase();
  const pg = new Client({ connectionString: db.url });
  await pg.connect();
  const workers: ChildProcess[] = [];
  const env: Record<string, string> = {
    NODE_ENV: 'production',
    DATABASE_URL: db.url,
    REDIS_URL: opts.redis.url,
    REDIS_PREFIX: `nlbench-huge-${randomBytes(3).toString('hex')}`,
    SMTP_URL: sink.url,
    SMTP_POOL_SIZE: '10',
    SECRET_KEY: randomBytes(32).toString('hex'),
    ADMIN_API_TOKEN: `bench-admin-${randomBytes(12).toString('hex')}`,
    PUBLIC_URL: 'https://news.example.test',
    MAIL_FROM: 'CRANK Call <crank@example.test>',
    LOG_LEVEL: 'warn',
    WORKER_METRICS_PORT: '0',
    SEND_RATE_PER_SECOND: '1000000',
    ...(signed ? dkimEnv(benchDkimKey()) : {}),
  };
  const ctx = await createBenchContext(env);
  try {
    await insertSubscribers(pg, 'huge', n);
    const campaigns = ctx.get(CampaignService);
    const runs: HugeCampaignRun[] = [];
    for (const count of opts.workerCounts ?? [1, 2]) {
      const editionId = await insertEdition(pg, `2080-0${count}`);
      const started: ChildProcess[] = [];
      for (let i = 0; i < count; i++) {
        const w = await spawnNode(WORKER_ENTRY, { ...env, LOG_LEVEL: 'info' }, 'started');
        workers.push(w);
        started.push(w);
      }
      const ledgerBefore = await relationBytes(pg);
      const redisBefore = await opts.redis.usedMemory();
      let redisPeak = redisBefore;
      let sampling = true;
      const sampler = (async () => {
        while (sampling) {
          redisPeak = Math.max(redisPeak, await opts.redis.usedMemory());
          await sleep(250);
        }
      })();
      const t0 = process.hrtime.bigint();
      const c = await campaigns.create(editionId);
      let fanOutSeconds = NaN;
      for (;;) {
        const r = await pg.query<{ status: string; fanned: boolean }>(
          `SELECT status, fanned_out_at IS NOT NULL AS fanned FROM campaign WHERE id = $1`,
          [c.id],
        );
        const row = r.rows[0]!;
        if (row.fanned && Number.isNaN(fanOutSeconds)) fanOutSeconds = seconds(t0);
        if (row.status === 'completed') break;
        if (row.status !== 'running') throw new Error(`campaign ${c.id} is ${row.status}`);
        if (seconds(t0) > 4 * 3600) throw new Error(`campaign ${c.id} not completed after 4 h`);
        await sleep(250);
      }
      const wallSeconds = seconds(t0);
      sampling = false;
      await sampler;
      const counts = await pg.query<{ sent: number }>(
        `SELECT count(*) FILTER (WHERE status = 'sent')::int AS sent FROM delivery WHERE campaign_id = $1`,
        [c.id],
      );
      if (counts.rows[0]!.sent !== n)
        throw new Error(`campaign ${c.id}: ${counts.rows[0]!.sent} of ${n} sent`);
      const rss = started.map((w) => peakRssMiB(w.pid) ?? 0);
      for (const w of started) await stopChild(w);
      runs.push({
        workers: count,
        signed,
        messages: n,
        wallSeconds,
        messagesPerSecond: Math.round(n / wallSeconds),
        fanOutSeconds,
        workerPeakRssMiB: rss,
        redisPeakMiB: (redisPeak - redisBefore) / MiB,
        ledgerMiB: ((await relationBytes(pg)) - ledgerBefore) / MiB,
      });
    }
    return { subscribers: n, runs };
  } finally {
    for (const w of workers) await stopChild(w);
    await ctx.close();
    await pg.end();
    await db.drop();
    await sink.stop();
  }
}

async function relationBytes(pg: Client): Promise<number> {
  const r = await pg.query<{ b: string }>(`SELECT pg_total_relation_size('delivery')::text AS b`);
  return Number(r.rows[0]!.b);
}
