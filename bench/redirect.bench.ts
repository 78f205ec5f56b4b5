/**
 * Tracked-link redirect (issue 15): autocannon against the built API (a process of its own, TRACKING=aggregate)
 * asking GET /l/<token> for the links of a sent campaign, each request a real click (classified, buffered,
 * flushed every second to PostgreSQL and Redis). Baseline in the same run: GET /health/live of the same
 * process (the same middleware, no work).
 */
import autocannon from 'autocannon';
import { TokenService } from '@app/core';
import type { AppConfig } from '@app/config';
import { createTestDatabase } from '@app/testing';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { cpuSeconds, freePort, spawnNode, stopChild, type PrivateRedis } from './infra';
import { API_ENTRY, benchApiEnv, type HttpFigures } from './subscribe.bench';

export interface RedirectBenchResult {
  connections: number;
  durationSeconds: number;
  redirect: HttpFigures;
  baseline: HttpFigures;
  /** Clicks the report counts after the run (human + machine), against 302s answered. */
  clicksCounted: number;
  redirects: number;
  /**
   * Latency at a fixed offered rate (half the slower of the two saturated rates, for both routes): at
   * saturation p99 measures the queue that 10 connections build, not the route, on a machine where the load
   * generator shares the two cores.
   */
  paced: { rate: number; redirect: HttpFigures; baseline: HttpFigures };
}

const LINKS = Array.from({ length: 8 }, (_, i) => `https://example.org/story/${i}?ref=crank`);
const READERS = 5_000;

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

export async function runRedirectBench(opts: {
  redis: PrivateRedis;
  durationSeconds: number;
  connections?: number;
  profileDir?: string;
}): Promise<RedirectBenchResult> {
  const connections = opts.connections ?? 10;
  const db = await createTestDatabase();
  const secretKey = randomBytes(32).toString('hex');
  const pg = new Client({ connectionString: db.url });
  await pg.connect();
  const content = {
    publicationName: 'CRANK Call',
    slug: '2025-04',
    subject: 'CRANK Call | April 2025',
    description: 'Bench.',
    highlightsTitle: 'April 2025 Highlights',
    highlights: [
      {
        headline: 'Links',
        paragraphs: [LINKS.flatMap((href, i) => [`Story ${i} `, { text: 'here', href }, '. '])],
      },
    ],
    links: [],
    analysis: [],
    perspectives: [],
    mastheadTitle: 'CRANK Call',
    masthead: [],
  };
  const { rows } = await pg.query<{ id: number }>(
    `WITH e AS (
       INSERT INTO edition (publication_id, slug, subject, content, status)
       VALUES ((SELECT id FROM publication WHERE slug = 'crank-call'), '2025-04', 'CRANK Call | April 2025', $1::jsonb, 'sent')
       RETURNING id)
     INSERT INTO campaign (edition_id, status, started_at, finished_at) SELECT id, 'completed', now(), now() FROM e
     RETURNING id`,
    [JSON.stringify(content)],
  );
  const campaignId = rows[0]!.id;
  await pg.query(
    `INSERT INTO subscriber (email, status, consent_at, consent_source, confirmed_at)
     SELECT 'bench-' || g || '@example.org', 'confirmed', now(), 'bench', now() FROM generate_series(1, $1) g`,
    [READERS],
  );
  const deliveries = await pg.query<{ id: string }>(
    `INSERT INTO delivery (campaign_id, subscriber_id, status, sent_at)
     SELECT $1, id, 'sent', now() - interval '1 hour' FROM subscriber RETURNING id`,
    [campaignId],
  );
  const tokens = new TokenService({ secretKey } as AppConfig);
  const sentAt = Math.floor(Date.now() / 1000) - 3600;
  // One link per reader and request, readers in turn: each path a click a person could make.
  const paths = deliveries.rows.map(
    (d, i) =>
      `/l/${tokens.signLink({ campaignId, linkIndex: i % LINKS.length, deliveryId: Number(d.id), sentAt })}`,
  );
  const port = await freePort();
  const api = await spawnNode(
    API_ENTRY,
    {
      ...benchApiEnv({ port, databaseUrl: db.url, redis: opts.redis, secretKey }),
      TRACKING: 'aggregate',
      // One client address sends everything: the per-client limit would answer 429.
      CLICK_RATE_LIMIT: '1000000',
    },
    { httpGet: `http://127.0.0.1:${port}/health/live` },
    opts.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${opts.profileDir}`] : [],
  );
  const url = `http://127.0.0.1:${port}`;
  let i = 0;
  const run = (what: 'live' | 'redirect', duration: number, overallRate?: number) =>
    autocannon({
      url,
      connections,
      duration,
      ...(overallRate ? { overallRate } : {}),
      requests: [
        what === 'live'
          ? { method: 'GET', path: '/health/live' }
          : {
              method: 'GET',
              headers: { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0' },
              setupRequest: (req) => ({ ...req, path: paths[i++ % paths.length]! }),
            },
      ],
    });
  try {
    await run('live', 1); // warm-up
    await run('redirect', 1);
    const measured = async (what: 'live' | 'redirect', rate?: number) => {
      const cpu0 = cpuSeconds(api.pid);
      const r = await run(what, opts.durationSeconds, rate);
      return { r, f: figures(r, cpuSeconds(api.pid) - cpu0) };
    };
    const countNow = async () =>
      Number(
        (
          await pg.query<{ n: string }>(
            `SELECT coalesce(sum(human + machine), 0) AS n FROM campaign_click WHERE campaign_id = $1`,
            [campaignId],
          )
        ).rows[0]!.n,
      );
    const baseline = (await measured('live')).f;
    const before = await countNow(); // the warm-up's clicks (flushed during the baseline run)
    const { r, f: redirect } = await measured('redirect');
    const redirects = (r as unknown as { statusCodeStats?: Record<string, { count: number }> })
      .statusCodeStats?.['302']?.count;
    await new Promise((res) => setTimeout(res, 2500)); // one flush (1 s) and a margin
    const counted = (await countNow()) - before;
    const rate = Math.max(
      50,
      Math.round(Math.min(redirect.requestsPerSecond, baseline.requestsPerSecond) / 2 / 50) * 50,
    );
    const paced = {
      rate,
      baseline: (await measured('live', rate)).f,
      redirect: (await measured('redirect', rate)).f,
    };
    return {
      paced,
      connections,
      durationSeconds: opts.durationSeconds,
      redirect,
      baseline,
      clicksCounted: counted,
      redirects: redirects ?? redirect.requests - redirect.errors,
    };
  } finally {
    await stopChild(api);
    await pg.end();
    await db.drop();
  }
}
