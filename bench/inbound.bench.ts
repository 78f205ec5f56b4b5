/**
 * The inbound SMTP server's rate: N delivery status notifications sent over a pool of SMTP connections to a
 * real inbound process (dist/apps/inbound: each message committed to PostgreSQL before its 250, then a job)
 * and processed by a real worker process, until every one is out of `received`.
 *
 * Baselines in the same run, same message size and sessions: Postfix's smtp-source into Postfix's smtp-sink
 * (what SMTP itself costs on this machine; the sink stores nothing), and the bench's own client (nodemailer,
 * the same pool) into the same sink (what the client costs).
 */
import { AppConfig } from '@app/config';
import { VerpAddresses } from '@app/core';
import { createTestDatabase, freePort } from '@app/testing';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { createTransport } from 'nodemailer';
import { Client } from 'pg';
import { buildDsn } from '../test/helpers/dsn';
import { WORKER_ENTRY } from './campaign.bench';
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

export const INBOUND_ENTRY = join(ROOT, 'dist/apps/inbound/apps/inbound/src/main.js');
const POOL_SIZE = 10;
const DOMAIN = 'bounces.example.test';

export interface InboundBenchResult {
  messages: number;
  messageBytes: number;
  sessions: number;
  /** From the first send until every message was answered 250 (stored). */
  acceptedPerSecond: number;
  /** From the first send until every message was processed by the worker (out of `received`). */
  processedPerSecond: number;
  seconds: number;
  inboundCpuUsPerMessage: number;
  workerCpuUsPerMessage: number;
  inboundPeakRssMiB: number | undefined;
  smtpSource: { messagesPerSecond: number; cpuUsPerMessage: number };
  nodemailerToSink: { messagesPerSecond: number };
}

export async function runInboundBench(opts: {
  messages: number;
  redis: PrivateRedis;
}): Promise<InboundBenchResult> {
  const n = opts.messages;
  const db = await createTestDatabase();
  const pg = new Client({ connectionString: db.url });
  await pg.connect();
  const sink = await startSmtpSink();
  const port = await freePort();
  const env: Record<string, string> = {
    NODE_ENV: 'production',
    DATABASE_URL: db.url,
    REDIS_URL: opts.redis.url,
    REDIS_PREFIX: `nlbench-inbound-${randomBytes(3).toString('hex')}`,
    SMTP_URL: sink.url,
    SECRET_KEY: randomBytes(32).toString('hex'),
    ADMIN_API_TOKEN: `bench-admin-${randomBytes(12).toString('hex')}`,
    PUBLIC_URL: 'https://news.example.test',
    MAIL_FROM: 'CRANK Call <crank@example.test>',
    BOUNCE_DOMAIN: DOMAIN,
    INBOUND_HOST: '127.0.0.1',
    INBOUND_SMTP_PORT: String(port),
    INBOUND_MAX_CONNECTIONS_PER_CLIENT: String(POOL_SIZE * 2),
    LOG_LEVEL: 'info',
    WORKER_METRICS_PORT: '0',
  };
  const children: ChildProcess[] = [];
  try {
    const verp = new VerpAddresses(AppConfig.fromEnvironment(env));
    const messages = Array.from({ length: n }, (_, i) => {
      const to = verp.forDelivery(1_000_000 + i);
      return { to, raw: buildDsn({ to, failedRecipient: `reader-${i}@remote.example` }) };
    });
    const messageBytes = Buffer.byteLength(messages[0]!.raw);

    const inbound = await spawnNode(INBOUND_ENTRY, env, 'listening on');
    const worker = await spawnNode(WORKER_ENTRY, env, 'started');
    children.push(inbound, worker);

    const sendAll = async (toPort: number, list: { to: string; raw: string }[]) => {
      const transport = createTransport({
        pool: true,
        host: '127.0.0.1',
        port: toPort,
        ignoreTLS: true,
        maxConnections: POOL_SIZE,
        maxMessages: Infinity,
      });
      let next = 0;
      // A few messages per connection in flight, like a sender that keeps its pool busy.
      await Promise.all(
        Array.from({ length: POOL_SIZE * 4 }, async () => {
          while (next < list.length) {
            const m = list[next++]!;
            await transport.sendMail({
              envelope: { from: 'mailer-daemon@mx.remote.example', to: m.to },
              raw: m.raw,
            });
          }
        }),
      );
      transport.close();
    };

    const cpu0 = { inbound: cpuSeconds(inbound.pid), worker: cpuSeconds(worker.pid) };
    const t0 = process.hrtime.bigint();
    await sendAll(port, messages);
    const acceptedSeconds = seconds(t0);
    for (;;) {
      const r = await pg.query<{ received: number; total: number }>(
        `SELECT count(*) FILTER (WHERE status = 'received')::int AS received, count(*)::int AS total FROM inbound_message`,
      );
      if (r.rows[0]!.total !== n) throw new Error(`expected ${n} stored messages, found ${r.rows[0]!.total}`);
      if (r.rows[0]!.received === 0) break;
      if (seconds(t0) > 600)
        throw new Error(`inbound messages not processed after 600 s: ${r.rows[0]!.received} left`);
      await sleep(50);
    }
    const processedSeconds = seconds(t0);
    const inboundCpu = cpuSeconds(inbound.pid) - cpu0.inbound;
    const workerCpu = cpuSeconds(worker.pid) - cpu0.worker;
    const inboundPeakRssMiB = peakRssMiB(inbound.pid);
    for (const c of children) await stopChild(c);

    const s0 = process.hrtime.bigint();
    await sendAll(sink.port, messages);
    const nodemailerSeconds = seconds(s0);
    const source = await runSmtpSource(sink.port, n, POOL_SIZE, messageBytes);

    return {
      messages: n,
      messageBytes,
      sessions: POOL_SIZE,
      acceptedPerSecond: Math.round(n / acceptedSeconds),
      processedPerSecond: Math.round(n / processedSeconds),
      seconds: processedSeconds,
      inboundCpuUsPerMessage: Math.round((inboundCpu * 1e6) / n),
      workerCpuUsPerMessage: Math.round((workerCpu * 1e6) / n),
      inboundPeakRssMiB,
      smtpSource: {
        messagesPerSecond: Math.round(n / source.seconds),
        cpuUsPerMessage: Math.round((source.cpuSeconds * 1e6) / n),
      },
      nodemailerToSink: { messagesPerSecond: Math.round(n / nodemailerSeconds) },
    };
  } finally {
    for (const c of children) await stopChild(c);
    await pg.end();
    await db.drop();
    await sink.stop();
  }
}
