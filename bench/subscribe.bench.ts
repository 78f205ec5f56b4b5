/**
 * Subscribe API: autocannon against the built API (a process of its own, real PostgreSQL and Redis) posting
 * JSON to POST /api/subscriptions, every request with a new address (each one a real new subscriber: row,
 * consent event, confirmation job). Baseline in the same run: GET /health/live of the same process, which
 * goes through the same middleware (helmet, request logging, metrics) but touches neither database nor
 * Redis.
 */
import autocannon from 'autocannon';
import { createTestDatabase } from '@app/testing';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { cpuSeconds, freePort, peakRssMiB, ROOT, spawnNode, stopChild, type PrivateRedis } from './infra';

export const API_ENTRY = join(ROOT, 'dist/apps/api/apps/api/src/main.js');

/**
 * The environment of an API process the bench measures: production mode on loopback, its own Redis prefix and
 * outbox, request logs off (LOG_LEVEL=warn: logging every request would weigh on the figures).
 */
export function benchApiEnv(opts: {
  port: number;
  databaseUrl: string;
  redis: PrivateRedis;
  secretKey: string;
}): Record<string, string> {
  return {
    NODE_ENV: 'production',
    PORT: String(opts.port),
    HOST: '127.0.0.1',
    DATABASE_URL: opts.databaseUrl,
    REDIS_URL: opts.redis.url,
    REDIS_PREFIX: `nlbench-api-${randomBytes(3).toString('hex')}`,
    SECRET_KEY: opts.secretKey,
    ADMIN_API_TOKEN: `bench-admin-${randomBytes(12).toString('hex')}`,
    PUBLIC_URL: 'https://news.example.test',
    MAIL_FROM: 'CRANK Call <crank@example.test>',
    OUTBOX_DIR: join(tmpdir(), `nlbench-outbox-${randomBytes(3).toString('hex')}`),
    LOG_LEVEL: 'warn',
  };
}

export interface HttpFigures {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  non2xx: number;
  errors: number;
  /** CPU time of the API process per request, µs (load-independent, unlike requests/s). */
  apiCpuUsPerRequest: number;
}

export interface SubscribeBenchResult {
  connections: number;
  durationSeconds: number;
  subscribe: HttpFigures;
  baseline: HttpFigures;
  subscribersCreated: number;
  apiPeakRssMiB: number | undefined;
}

function figures(r: autocannon.Result, cpu: number): HttpFigures {
  return {
    apiCpuUsPerRequest: Math.round((cpu * 1e6) / r.requests.total),
    requestsPerSecond: Math.round(r.requests.total / r.duration),
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    requests: r.requests.total,
    non2xx: r.non2xx,
    errors: r.errors + r.timeouts,
  };
}

export async function runSubscribeBench(opts: {
  redis: PrivateRedis;
  durationSeconds: number;
  connections?: number;
  /** Write a CPU profile of the API process to this directory. */
  profileDir?: string;
}): Promise<SubscribeBenchResult> {
  const connections = opts.connections ?? 10;
  const db = await createTestDatabase();
  const port = await freePort();
  const api = await spawnNode(
    API_ENTRY,
    {
      ...benchApiEnv({
        port,
        databaseUrl: db.url,
        redis: opts.redis,
        secretKey: randomBytes(32).toString('hex'),
      }),
      // One client address sends everything: the per-IP limit would answer 429 after 30 requests.
      THROTTLE_LIMIT: '1000000',
      // A one-second window, as in use (the limit counters are in Redis, one fixed window per client and route).
      THROTTLE_TTL_MS: '1000',
      // The bench measures the sign-up itself; a script would solve a proof-of-work challenge per sign-up.
      SUBSCRIBE_CHALLENGE: 'off',
    },
    { httpGet: `http://127.0.0.1:${port}/health/live` },
    opts.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${opts.profileDir}`] : [],
  );
  const url = `http://127.0.0.1:${port}`;
  const run = async (what: 'live' | 'subscribe', duration: number) => {
    const salt = randomBytes(4).toString('hex');
    let i = 0;
    return autocannon({
      url,
      connections,
      duration,
      requests: [
        what === 'live'
          ? { method: 'GET', path: '/health/live' }
          : {
              method: 'POST',
              path: '/api/subscriptions',
              headers: { 'content-type': 'application/json' },
              setupRequest: (req) => ({
                ...req,
                body: JSON.stringify({ email: `bench.${salt}.${i++}@example.org`, name: `Reader ${i}` }),
              }),
            },
      ],
    });
  };
  try {
    await run('live', 1); // warm-up: JIT, connection pools
    await run('subscribe', 1);
    const measured = async (what: 'live' | 'subscribe') => {
      const cpu0 = cpuSeconds(api.pid);
      const r = await run(what, opts.durationSeconds);
      return figures(r, cpuSeconds(api.pid) - cpu0);
    };
    const baseline = await measured('live');
    const subscribe = await measured('subscribe');
    const pg = new Client({ connectionString: db.url });
    await pg.connect();
    const created = await pg.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM subscriber WHERE email LIKE 'bench.%'`,
    );
    await pg.end();
    if (subscribe.non2xx > 0 || subscribe.errors > 0)
      throw new Error(`subscribe answered ${subscribe.non2xx} non-2xx and ${subscribe.errors} errors`);
    return {
      connections,
      durationSeconds: opts.durationSeconds,
      subscribe,
      baseline,
      subscribersCreated: created.rows[0]!.n,
      apiPeakRssMiB: peakRssMiB(api.pid),
    };
  } finally {
    await stopChild(api);
    await db.drop();
  }
}
