/**
 * Campaign throughput end to end: N confirmed subscribers in a fresh PostgreSQL database → CampaignService
 * (the same call as POST /api/admin/campaigns) → fan-out and DeliverBatch jobs on BullMQ → real worker
 * processes (dist/apps/worker) → SMTP → Postfix's smtp-sink. Once with 1 worker process, once with 2.
 *
 * Baselines against the same sink in the same run:
 *  - naive: nodemailer, pool of the same size, composing each message from html + text (edition rendered
 *    once, URLs spliced per recipient), no queue, no database;
 *  - smtp-source: Postfix's own load generator, same number of messages of the same size and sessions.
 * Every run is made unsigned and signed (DKIM_* set, RSA-2048, as every real deployment sends); the signed
 * naive sender uses nodemailer's DKIM option, and the machine's RSA-2048 signing rate on one core
 * (`crypto.sign` in a loop) is the physical floor of signing.
 */
import { CampaignMessageFactory, CampaignService, DeliveryRepository } from '@app/core';
import { compilePersonalizer, renderEdition } from '@app/email';
import { createTestDatabase } from '@app/testing';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createPrivateKey, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTransport } from 'nodemailer';
import { Client } from 'pg';
import { crankCallApril2025 } from '../test/fixtures/crank-call-2025-04.expected';
import { createBenchContext, insertEdition, insertSubscribers } from './bench.module';
import {
  cpuSeconds,
  peakRssMiB,
  ROOT,
  runSmtpSource,
  seconds,
  sleep,
  spawnNode,
  startSmtpSink,
  stopChild,
  type PrivateRedis,
} from './infra';

export const WORKER_ENTRY = join(ROOT, 'dist/apps/worker/apps/worker/src/main.js');
const POOL_SIZE = 10;
export const PROFILE_DIR = join(tmpdir(), 'nlbench-profiles');

export interface CampaignRun {
  workers: number;
  /** DKIM-signed (RSA-2048) or not. */
  signed: boolean;
  messages: number;
  /** From the first to the last `sent_at` in the ledger (each written about one round trip after the 250). */
  sendSeconds: number;
  messagesPerSecond: number;
  /** From the campaign call until the ledger shows every message sent (includes the fan-out). */
  wallSeconds: number;
  wallMessagesPerSecond: number;
  /** Peak RSS (VmHWM) of each worker process, MiB. */
  workerPeakRssMiB: number[];
  /** CPU time of the worker processes per message, µs (load-independent, unlike messages/s). */
  workerCpuUsPerMessage: number;
}

export interface CampaignBenchResult {
  subscribers: number;
  rawMessageBytes: number;
  smtpPoolSize: number;
  runs: CampaignRun[];
  naive: NaiveResult;
  naiveSigned: NaiveResult;
  smtpSource: { messagesPerSecond: number; seconds: number; sessions: number; cpuUsPerMessage: number };
  /** RSA-2048 PKCS#1 v1.5 SHA-256 signatures, one core, in this run: the floor of signing. */
  rsa: { signaturesPerSecond: number; usPerSignature: number };
}

interface NaiveResult {
  messagesPerSecond: number;
  seconds: number;
  cpuUsPerMessage: number;
}

/** A fresh RSA-2048 DKIM key for the run. */
export function benchDkimKey(): string {
  return generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  }).privateKey;
}

export const dkimEnv = (privateKey: string): Record<string, string> => ({
  DKIM_DOMAIN: 'example.test',
  DKIM_SELECTOR: 'bench',
  DKIM_PRIVATE_KEY: privateKey,
});

/** How many RSA-2048 signatures one core makes per second (synchronous crypto.sign in a loop). */
export function measureRsaSigning(
  privateKey: string,
  seconds = 2,
): { signaturesPerSecond: number; usPerSignature: number } {
  const data = Buffer.alloc(600, 'a'); // about the size of a canonical header block
  const key = createPrivateKey(privateKey);
  for (let i = 0; i < 20; i++) sign('sha256', data, key); // warm up
  let n = 0;
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  while (Number(process.hrtime.bigint() - t0) < seconds * 1e9) {
    sign('sha256', data, key);
    n++;
  }
  const cpu = process.cpuUsage(cpu0);
  return {
    signaturesPerSecond: Math.round(n / (Number(process.hrtime.bigint() - t0) / 1e9)),
    usPerSignature: Math.round((cpu.user + cpu.system) / n),
  };
}

export async function runCampaignBench(opts: {
  subscribers: number;
  redis: PrivateRedis;
  profile?: boolean;
  workerCounts?: number[];
}): Promise<CampaignBenchResult> {
  const privateKey = benchDkimKey();
  const n = opts.subscribers;
  const sink = await startSmtpSink();
  const db = await createTestDatabase();
  const pg = new Client({ connectionString: db.url });
  await pg.connect();
  const workers: ChildProcess[] = [];
  const prefix = `nlbench-send-${randomBytes(3).toString('hex')}`;
  const env: Record<string, string> = {
    NODE_ENV: 'production',
    DATABASE_URL: db.url,
    REDIS_URL: opts.redis.url,
    REDIS_PREFIX: prefix,
    SMTP_URL: sink.url,
    SMTP_POOL_SIZE: String(POOL_SIZE),
    SECRET_KEY: randomBytes(32).toString('hex'),
    ADMIN_API_TOKEN: `bench-admin-${randomBytes(12).toString('hex')}`,
    PUBLIC_URL: 'https://news.example.test',
    MAIL_FROM: 'CRANK Call <crank@example.test>',
    LOG_LEVEL: 'warn',
    WORKER_METRICS_PORT: '0',
    // The default 5,000/s protects a real relay; the bench measures what the sender can do.
    SEND_RATE_PER_SECOND: '1000000',
    // BENCH_WORKER_<VAR>=value tries another setting, e.g. BENCH_WORKER_SEND_CONCURRENCY=8.
    ...Object.fromEntries(
      Object.entries(process.env)
        .filter(([k, v]) => k.startsWith('BENCH_WORKER_') && v !== undefined)
        .map(([k, v]) => [k.slice('BENCH_WORKER_'.length), v!]),
    ),
  };
  const ctx = await createBenchContext(env);
  try {
    await insertSubscribers(pg, 'reader', n);
    const campaigns = ctx.get(CampaignService);
    const ledger = ctx.get(DeliveryRepository);

    // The exact bytes one recipient gets, for smtp-source's message size.
    const sample = await ctx.get(CampaignMessageFactory).compileEdition(0, {
      slug: '2025-04',
      subject: crankCallApril2025.subject,
      content: crankCallApril2025,
      pub_name: 'CRANK Call',
      pub_slug: 'crank-call',
    });
    const rawMessageBytes = sample.build({
      email: 'reader-12345@example.test',
      subscriberId: 12345,
      subscriberUid: '1b4e28ba-2fa1-11d2-883f-0016d3cca427',
      deliveryId: 12345,
      messageId: '<c1.d12345.0a1b2c3d@example.test>',
    }).length;

    const runs: CampaignRun[] = [];
    let edition = 0;
    for (const count of opts.workerCounts ?? [1, 2])
      for (const signed of [false, true]) {
        const editionId = await insertEdition(pg, `20${70 + edition++}-0${count}`);
        const started: ChildProcess[] = [];
        const workerEnv = { ...env, ...(signed ? dkimEnv(privateKey) : {}), LOG_LEVEL: 'info' };
        for (let i = 0; i < count; i++) {
          const nodeArgs = opts.profile ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`] : [];
          if (opts.profile) mkdirSync(PROFILE_DIR, { recursive: true });
          const w = await spawnNode(WORKER_ENTRY, workerEnv, 'started', nodeArgs);
          workers.push(w);
          started.push(w);
        }
        const cpu0 = started.reduce((sum, w) => sum + cpuSeconds(w.pid), 0);
        const t0 = process.hrtime.bigint();
        const c = await campaigns.create(editionId);
        for (;;) {
          const counts = await ledger.countsByStatus(c.id);
          if (counts.failed + counts.bounced + counts.skipped > 0)
            throw new Error(`campaign ${c.id} did not send cleanly: ${JSON.stringify(counts)}`);
          if (counts.total === n && counts.sent === n) break;
          if (seconds(t0) > 600)
            throw new Error(`campaign ${c.id} not done after 600 s: ${JSON.stringify(counts)}`);
          await sleep(100);
        }
        const wallSeconds = seconds(t0);
        const span = await pg.query<{ s: number }>(
          `SELECT extract(epoch FROM max(sent_at) - min(sent_at))::float8 AS s FROM delivery WHERE campaign_id = $1`,
          [c.id],
        );
        const sendSeconds = span.rows[0]!.s;
        const rss = started.map((w) => peakRssMiB(w.pid) ?? 0);
        const cpu = started.reduce((sum, w) => sum + cpuSeconds(w.pid), 0) - cpu0;
        for (const w of started) await stopChild(w);
        runs.push({
          workers: count,
          signed,
          messages: n,
          sendSeconds,
          messagesPerSecond: Math.round(n / sendSeconds),
          wallSeconds,
          wallMessagesPerSecond: Math.round(n / wallSeconds),
          workerPeakRssMiB: rss,
          workerCpuUsPerMessage: Math.round((cpu * 1e6) / n),
        });
      }

    const naive = await runNaiveSender(sink.port, n);
    const naiveSigned = await runNaiveSender(sink.port, n, privateKey);
    const source = await runSmtpSource(sink.port, n, POOL_SIZE, rawMessageBytes);
    const naiveResult = (r: { seconds: number; cpuUs: number }): NaiveResult => ({
      seconds: r.seconds,
      messagesPerSecond: Math.round(n / r.seconds),
      cpuUsPerMessage: Math.round(r.cpuUs / n),
    });
    return {
      subscribers: n,
      rawMessageBytes,
      smtpPoolSize: POOL_SIZE,
      runs,
      naive: naiveResult(naive),
      naiveSigned: naiveResult(naiveSigned),
      rsa: measureRsaSigning(privateKey),
      smtpSource: {
        seconds: source.seconds,
        messagesPerSecond: Math.round(n / source.seconds),
        sessions: POOL_SIZE,
        cpuUsPerMessage: Math.round((source.cpuSeconds * 1e6) / n),
      },
    };
  } finally {
    for (const w of workers) await stopChild(w);
    await ctx.close();
    await pg.end();
    await db.drop();
    await sink.stop();
  }
}

/**
 * What a straightforward sender does: render the edition once, splice each recipient's links into html and
 * text, and let nodemailer compose and encode the MIME message for every recipient. Seconds for `n`.
 */
async function runNaiveSender(
  port: number,
  n: number,
  dkimPrivateKey?: string,
): Promise<{ seconds: number; cpuUs: number }> {
  const rendered = await renderEdition(crankCallApril2025, {
    sender: { name: 'CRANK Call', address: 'CRANK Call newsletter' },
    urls: { webUrl: 'https://news.example.test/archive/2025-04' },
  });
  const personalizer = compilePersonalizer(rendered);
  const transport = createTransport({
    pool: true,
    host: '127.0.0.1',
    port,
    maxConnections: POOL_SIZE,
    maxMessages: Infinity,
    dkim: dkimPrivateKey
      ? { domainName: 'example.test', keySelector: 'bench', privateKey: dkimPrivateKey }
      : undefined,
  });
  const send = async (i: number) => {
    const token = randomBytes(24).toString('base64url');
    const unsubscribeUrl = `https://news.example.test/unsubscribe?token=${token}`;
    const body = personalizer.render({
      unsubscribeUrl,
      preferencesUrl: `https://news.example.test/preferences?token=${token}`,
      webUrl: 'https://news.example.test/archive/2025-04',
    });
    await transport.sendMail({
      from: 'CRANK Call <crank@example.test>',
      to: `reader-${i}@example.test`,
      subject: crankCallApril2025.subject,
      html: body.html,
      text: body.text,
      headers: {
        'List-Id': 'CRANK Call <crank-call.news.example.test>',
        'List-Unsubscribe': `<${unsubscribeUrl}>, <mailto:crank@example.test?subject=unsubscribe>`,
        'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
      },
    });
  };
  await send(0); // connect and warm up
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  let next = 1;
  // A few messages per connection in flight, like a sender that keeps its pool busy.
  await Promise.all(
    Array.from({ length: POOL_SIZE * 4 }, async () => {
      while (next <= n) await send(next++);
    }),
  );
  const s = seconds(t0);
  const cpu = process.cpuUsage(cpu0);
  transport.close();
  return { seconds: s, cpuUs: cpu.user + cpu.system };
}
