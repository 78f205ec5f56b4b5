/**
 * `npm run bench`: runs every benchmark and prints a table; writes bench/results/latest.json.
 * Each figure is reported next to a baseline measured in the same run, and the ratio is the headline
 * (absolute figures on a shared machine are noisy).
 *
 *   npm run bench                 20,000-message campaigns, 1M fan-out, 100k CSV rows
 *   npm run bench -- --large      100,000-message campaigns
 *   npm run bench -- --smoke      a few hundred of everything, in seconds (keeps the bench from rotting)
 *   npm run bench -- --only=campaign,fanout,subscribe,redirect,csv,render,inbound   a subset
 *   npm run bench -- --inbound=5000   the inbound SMTP server with this many DSNs instead of 3,000
 *   npm run bench -- --campaign=5000  campaigns of this many messages (a loaded machine)
 *   npm run bench -- --workers=1  campaign runs with these worker process counts only (default 1,2)
 *   npm run bench -- --fanout=200000  fan-out of this many subscribers instead of 1,000,000
 *   npm run bench -- --profile    worker and API processes write CPU profiles (.cpuprofile) to $TMPDIR/nlbench-profiles
 *   npm run bench -- --huge       adds (or with --only=huge, runs alone) a 1,000,000-subscriber DKIM-signed campaign
 *                                 end to end with 1 and 2 workers (--huge=200000 for another size); tens of minutes
 *
 * Campaign runs are made unsigned and DKIM-signed (RSA-2048, as deployed), each with its same-run baselines.
 */
import './bench-env';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { PROFILE_DIR, runCampaignBench, type CampaignBenchResult } from './campaign.bench';
import { runCsvImportBench, type CsvImportBenchResult } from './csv-import.bench';
import { runFanOutBench, type FanOutBenchResult } from './fanout.bench';
import { runHugeCampaignBench, type HugeCampaignBenchResult } from './huge-campaign.bench';
import { runInboundBench, type InboundBenchResult } from './inbound.bench';
import { ensurePostfixTools, ROOT, startPrivateRedis } from './infra';
import { runRedirectBench, type RedirectBenchResult } from './redirect.bench';
import { runRenderBench, type RenderBenchResult } from './render.bench';
import { runSubscribeBench, type SubscribeBenchResult } from './subscribe.bench';

interface Row {
  measure: string;
  ours: string;
  baseline: string;
  ratio: string;
  target: string;
}

const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const ratio = (a: number, b: number) => {
  const r = a / b;
  return r >= 0.1 ? `${r.toFixed(2)}×` : `1/${fmt(1 / r)}`;
};

function versions(): Record<string, string> {
  const out: Record<string, string> = { node: process.version };
  for (const p of ['@nestjs/core', 'bullmq', 'ioredis', 'typeorm', 'pg', 'nodemailer', 'autocannon']) {
    try {
      out[p] = (
        JSON.parse(readFileSync(join(ROOT, 'node_modules', p, 'package.json'), 'utf8')) as { version: string }
      ).version;
    } catch {
      out[p] = 'missing';
    }
  }
  return out;
}

function table(rows: Row[]): string {
  const head: Row = {
    measure: 'Measure',
    ours: 'Ours',
    baseline: 'Baseline (same run)',
    ratio: 'Ratio',
    target: 'Target',
  };
  const keys = Object.keys(head) as (keyof Row)[];
  const all = [head, ...rows];
  const w = keys.map((k) => Math.max(...all.map((r) => r[k].length)));
  const line = (r: Row) => `| ${keys.map((k, i) => r[k].padEnd(w[i]!)).join(' | ')} |`;
  return [line(head), `|${w.map((n) => '-'.repeat(n + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

function workerCounts(args: string[]): number[] | undefined {
  return args
    .find((a) => a.startsWith('--workers='))
    ?.slice('--workers='.length)
    .split(',')
    .map(Number);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const smoke = args.includes('--smoke');
  const large = args.includes('--large');
  const profile = args.includes('--profile');
  const only = args
    .find((a) => a.startsWith('--only='))
    ?.slice('--only='.length)
    .split(',');
  const want = (name: string) => !only || only.includes(name);
  const hugeArg = args.find((a) => a === '--huge' || a.startsWith('--huge='));
  const wantHuge = hugeArg !== undefined || only?.includes('huge') === true;
  const started = Date.now();

  const redis = await startPrivateRedis();
  let campaign: CampaignBenchResult | undefined;
  let fanOut: FanOutBenchResult | undefined;
  let subscribe: SubscribeBenchResult | undefined;
  let csv: CsvImportBenchResult | undefined;
  let render: RenderBenchResult | undefined;
  let inbound: InboundBenchResult | undefined;
  let redirect: RedirectBenchResult | undefined;
  let huge: HugeCampaignBenchResult | undefined;
  const skipped: string[] = [];
  try {
    if (want('campaign')) {
      if (ensurePostfixTools()) {
        campaign = await runCampaignBench({
          subscribers:
            Number(args.find((a) => a.startsWith('--campaign='))?.slice('--campaign='.length) ?? 0) ||
            (smoke ? 300 : large ? 100_000 : 20_000),
          redis,
          profile,
          workerCounts: workerCounts(args),
        });
      } else {
        skipped.push('campaign (Postfix smtp-sink/smtp-source unavailable)');
      }
    }
    const fanOutSize = Number(args.find((a) => a.startsWith('--fanout='))?.slice('--fanout='.length) ?? 0);
    if (want('fanout'))
      fanOut = await runFanOutBench({ subscribers: fanOutSize || (smoke ? 2_000 : 1_000_000), redis });
    if (want('subscribe'))
      subscribe = await runSubscribeBench({
        redis,
        durationSeconds: smoke ? 2 : 10,
        profileDir: profile ? PROFILE_DIR : undefined,
      });
    if (want('redirect'))
      redirect = await runRedirectBench({
        redis,
        durationSeconds: smoke ? 2 : 10,
        profileDir: profile ? PROFILE_DIR : undefined,
      });
    if (want('csv')) csv = await runCsvImportBench({ rows: smoke ? 2_000 : 100_000, redisUrl: redis.url });
    if (want('render'))
      render = await runRenderBench(smoke ? { renderRuns: 3, recipientRuns: 500 } : undefined);
    if (want('inbound')) {
      if (ensurePostfixTools()) {
        const count = Number(args.find((a) => a.startsWith('--inbound='))?.slice('--inbound='.length) ?? 0);
        inbound = await runInboundBench({ messages: count || (smoke ? 200 : 3_000), redis });
      } else {
        skipped.push('inbound (Postfix smtp-sink/smtp-source unavailable)');
      }
    }
    if (wantHuge) {
      if (ensurePostfixTools()) {
        const size = Number(hugeArg?.split('=')[1] ?? 0);
        huge = await runHugeCampaignBench({
          subscribers: size || (smoke ? 2_000 : 1_000_000),
          redis,
          workerCounts: workerCounts(args),
        });
      } else {
        skipped.push('huge (Postfix smtp-sink/smtp-source unavailable)');
      }
    }
  } finally {
    await redis.stop();
  }

  const rows: Row[] = [];
  if (campaign) {
    const c = campaign;
    const unsignedRun = (workers: number) => c.runs.find((r) => r.workers === workers && !r.signed);
    for (const r of c.runs) {
      const label = `Campaign send, ${fmt(c.subscribers)} msgs, ${r.workers} worker process${r.workers > 1 ? 'es' : ''}, ${r.signed ? 'DKIM-signed (RSA-2048)' : 'unsigned'}`;
      const naive = r.signed ? c.naiveSigned : c.naive;
      rows.push({
        measure: `${label} (msg/s)`,
        ours: fmt(r.messagesPerSecond),
        baseline: `naive nodemailer${r.signed ? ' + its DKIM' : ''} ${fmt(naive.messagesPerSecond)}`,
        ratio: ratio(r.messagesPerSecond, naive.messagesPerSecond),
        target: '≥ 3×',
      });
      rows.push({
        measure: `  same, against Postfix smtp-source (unsigned)`,
        ours: fmt(r.messagesPerSecond),
        baseline: `smtp-source ${fmt(c.smtpSource.messagesPerSecond)}`,
        ratio: ratio(r.messagesPerSecond, c.smtpSource.messagesPerSecond),
        target: r.signed ? '' : '≥ 0.8×',
      });
      const u = unsignedRun(r.workers);
      if (r.signed && u) {
        rows.push({
          measure: `  same, signed ÷ unsigned (same workers)`,
          ours: fmt(r.messagesPerSecond),
          baseline: `unsigned ${fmt(u.messagesPerSecond)}`,
          ratio: ratio(r.messagesPerSecond, u.messagesPerSecond),
          target: '≥ 0.6×',
        });
        rows.push({
          measure: `  same, against RSA-2048 signing on one core`,
          ours: fmt(r.messagesPerSecond),
          baseline: `crypto.sign ${fmt(c.rsa.signaturesPerSecond)}/s`,
          ratio: ratio(r.messagesPerSecond, c.rsa.signaturesPerSecond),
          target: '',
        });
      }
      rows.push({
        measure: `  same, wall time incl. fan-out (msg/s)`,
        ours: fmt(r.wallMessagesPerSecond),
        baseline: '',
        ratio: '',
        target: '',
      });
      rows.push({
        measure: `  worker CPU per message (µs; ratio naive ÷ ours)`,
        ours: fmt(r.workerCpuUsPerMessage),
        baseline: `naive ${fmt(naive.cpuUsPerMessage)}`,
        ratio: ratio(naive.cpuUsPerMessage, r.workerCpuUsPerMessage),
        target: '',
      });
      if (r.signed && u) {
        const bound = u.workerCpuUsPerMessage + c.rsa.usPerSignature + 100;
        rows.push({
          measure: `  worker CPU per message vs unsigned + 1 RSA + 100 µs`,
          ours: fmt(r.workerCpuUsPerMessage),
          baseline: `${fmt(u.workerCpuUsPerMessage)} + ${fmt(c.rsa.usPerSignature)} + 100 = ${fmt(bound)}`,
          ratio: ratio(r.workerCpuUsPerMessage, bound),
          target: '≤ 1.00×',
        });
      } else {
        rows.push({
          measure: `  worker CPU per message vs smtp-source (µs)`,
          ours: fmt(r.workerCpuUsPerMessage),
          baseline: `smtp-source ${fmt(c.smtpSource.cpuUsPerMessage)}`,
          ratio: ratio(r.workerCpuUsPerMessage, c.smtpSource.cpuUsPerMessage),
          target: '',
        });
      }
      rows.push({
        measure: `  worker peak RSS (MiB)`,
        ours: r.workerPeakRssMiB.join(' + '),
        baseline: '',
        ratio: '',
        target: '≤ 250',
      });
    }
    rows.push({
      measure: `RSA-2048 signature, crypto.sign, one core (µs)`,
      ours: fmt(c.rsa.usPerSignature),
      baseline: `${fmt(c.rsa.signaturesPerSecond)} signatures/s`,
      ratio: '',
      target: '',
    });
  }
  if (huge) {
    for (const r of huge.runs) {
      rows.push({
        measure: `Campaign ${fmt(huge.subscribers)} subscribers end to end, ${r.workers} worker${r.workers > 1 ? 's' : ''}, ${r.signed ? 'signed' : 'unsigned'} (s to completed)`,
        ours: fmt(r.wallSeconds, 1),
        baseline: `${fmt(r.messagesPerSecond)} msg/s`,
        ratio: '',
        target: '',
      });
      rows.push({
        measure: `  fan-out done after (s)`,
        ours: fmt(r.fanOutSeconds, 1),
        baseline: '',
        ratio: '',
        target: '≤ 1 s',
      });
      rows.push({
        measure: `  worker peak RSS (MiB)`,
        ours: r.workerPeakRssMiB.join(' + '),
        baseline: '',
        ratio: '',
        target: '≤ 250',
      });
      rows.push({
        measure: `  Redis peak memory above idle (MiB)`,
        ours: fmt(r.redisPeakMiB, 1),
        baseline: '',
        ratio: '',
        target: '≤ 50 MB',
      });
      rows.push({
        measure: `  PostgreSQL ledger (delivery + indexes, MiB)`,
        ours: fmt(r.ledgerMiB, 0),
        baseline: '',
        ratio: '',
        target: '',
      });
    }
  }
  if (redirect) {
    const d = redirect;
    rows.push({
      measure: `GET /l/<token> (tracked link, 302), ${d.connections} connections (req/s)`,
      ours: fmt(d.redirect.requestsPerSecond),
      baseline: `GET /health/live ${fmt(d.baseline.requestsPerSecond)}`,
      ratio: ratio(d.redirect.requestsPerSecond, d.baseline.requestsPerSecond),
      target: '≥ 0.7×',
    });
    rows.push({
      measure: `  latency p50 / p99 at saturation (ms)`,
      ours: `${d.redirect.p50Ms} / ${d.redirect.p99Ms}`,
      baseline: `${d.baseline.p50Ms} / ${d.baseline.p99Ms}`,
      ratio: ratio(d.redirect.p99Ms, d.baseline.p99Ms),
      target: '',
    });
    rows.push({
      measure: `  latency p50 / p99 at a fixed ${fmt(d.paced.rate)} req/s (ms)`,
      ours: `${d.paced.redirect.p50Ms} / ${d.paced.redirect.p99Ms}`,
      baseline: `${d.paced.baseline.p50Ms} / ${d.paced.baseline.p99Ms}`,
      ratio: ratio(d.paced.redirect.p99Ms, d.paced.baseline.p99Ms),
      target: 'p99 < 20',
    });
    rows.push({
      measure: `  API CPU per request (µs)`,
      ours: fmt(d.redirect.apiCpuUsPerRequest),
      baseline: fmt(d.baseline.apiCpuUsPerRequest),
      ratio: ratio(d.redirect.apiCpuUsPerRequest, d.baseline.apiCpuUsPerRequest),
      target: '',
    });
    rows.push({
      measure: `  clicks counted after the run / 302s answered`,
      ours: fmt(d.clicksCounted),
      baseline: fmt(d.redirects),
      ratio: ratio(d.clicksCounted, d.redirects),
      target: '1.00',
    });
  }
  if (fanOut) {
    rows.push({
      measure: `Campaign start, ${fmt(fanOut.subscribers)} recipients: snapshot + ${fmt(fanOut.jobs)} range jobs enqueued (s)`,
      ours: fmt(fanOut.seconds, 2),
      baseline: `bare INSERT…SELECT ${fmt(fanOut.baselineInsertSeconds, 2)}`,
      ratio: ratio(fanOut.seconds, fanOut.baselineInsertSeconds),
      target: '≤ 1 s (1M)',
    });
    rows.push({
      measure: `  count(*) of the confirmed subscribers alone (s)`,
      ours: fmt(fanOut.countSeconds, 2),
      baseline: '',
      ratio: '',
      target: '',
    });
    rows.push({
      measure: `  Redis memory of its jobs (MiB)`,
      ours: fmt(fanOut.redisMiB, 2),
      baseline: `${fmt(fanOut.redisBytesPerDelivery, 2)} bytes/recipient`,
      ratio: '',
      target: '≤ 50 MB (1M)',
    });
    rows.push({
      measure: `  then all range jobs, 4 at a time: ledger + ${fmt(fanOut.deliveryJobs)} DeliverBatch jobs (s)`,
      ours: fmt(fanOut.rangesSeconds, 2),
      baseline: `bare INSERT…SELECT ${fmt(fanOut.baselineInsertSeconds, 2)}`,
      ratio: ratio(fanOut.rangesSeconds, fanOut.baselineInsertSeconds),
      target: '',
    });
    rows.push({
      measure: `  one range job (ms), Redis with the DeliverBatch jobs (MiB)`,
      ours: `${fmt(fanOut.msPerRange, 1)}, ${fmt(fanOut.deliveryRedisMiB, 1)}`,
      baseline: '',
      ratio: '',
      target: '',
    });
  }
  if (subscribe) {
    const s = subscribe;
    rows.push({
      measure: `POST /api/subscriptions, ${s.connections} connections (req/s)`,
      ours: fmt(s.subscribe.requestsPerSecond),
      baseline: `GET /health/live ${fmt(s.baseline.requestsPerSecond)}`,
      ratio: ratio(s.subscribe.requestsPerSecond, s.baseline.requestsPerSecond),
      target: '≥ 3,000',
    });
    rows.push({
      measure: `  latency p50 / p99 (ms)`,
      ours: `${s.subscribe.p50Ms} / ${s.subscribe.p99Ms}`,
      baseline: `${s.baseline.p50Ms} / ${s.baseline.p99Ms}`,
      ratio: ratio(s.subscribe.p99Ms, s.baseline.p99Ms),
      target: 'p99 < 25',
    });
    rows.push({
      measure: `  API CPU per request (µs)`,
      ours: fmt(s.subscribe.apiCpuUsPerRequest),
      baseline: fmt(s.baseline.apiCpuUsPerRequest),
      ratio: ratio(s.subscribe.apiCpuUsPerRequest, s.baseline.apiCpuUsPerRequest),
      target: '',
    });
    rows.push({
      measure: `  API peak RSS (MiB)`,
      ours: String(s.apiPeakRssMiB ?? '?'),
      baseline: '',
      ratio: '',
      target: '',
    });
  }
  if (csv) {
    rows.push({
      measure: `CSV import, ${fmt(csv.rows)} rows (rows/s)`,
      ours: fmt(csv.rowsPerSecond),
      baseline: `SQL-only INSERT of the rows ${fmt(csv.baselineRowsPerSecond)}`,
      ratio: ratio(csv.rowsPerSecond, csv.baselineRowsPerSecond),
      target: '≥ 50,000',
    });
    rows.push({
      measure: `  re-import of the same file (s)`,
      ours: fmt(csv.reimportSeconds, 2),
      baseline: `first import ${fmt(csv.seconds, 2)}`,
      ratio: ratio(csv.reimportSeconds, csv.seconds),
      target: '',
    });
  }
  if (render) {
    rows.push({
      measure: 'Render the edition once, html + text (ms)',
      ours: fmt(render.renderMedianMs, 2),
      baseline: '',
      ratio: '',
      target: '',
    });
    rows.push({
      measure: '  personalize one recipient (µs)',
      ours: fmt(render.personalizeMedianUs, 2),
      baseline: `render once ${fmt(render.renderMedianMs * 1000)} µs`,
      ratio: ratio(render.personalizeMedianUs, render.renderMedianMs * 1000),
      target: '',
    });
    rows.push({
      measure: '  build one raw MIME message (µs)',
      ours: fmt(render.mimeBuildMedianUs, 2),
      baseline: campaign ? `naive compose+send ${fmt(1e6 / campaign.naive.messagesPerSecond)} µs/msg` : '',
      ratio: campaign ? ratio(render.mimeBuildMedianUs, 1e6 / campaign.naive.messagesPerSecond) : '',
      target: '',
    });
  }

  if (inbound) {
    const b = inbound;
    rows.push({
      measure: `Inbound SMTP, ${fmt(b.messages)} DSNs, ${b.sessions} sessions: processed (msg/s)`,
      ours: fmt(b.processedPerSecond),
      baseline: `smtp-source → smtp-sink ${fmt(b.smtpSource.messagesPerSecond)}`,
      ratio: ratio(b.processedPerSecond, b.smtpSource.messagesPerSecond),
      target: '',
    });
    rows.push({
      measure: `  stored and answered 250 (msg/s)`,
      ours: fmt(b.acceptedPerSecond),
      baseline: `same client → smtp-sink ${fmt(b.nodemailerToSink.messagesPerSecond)}`,
      ratio: ratio(b.acceptedPerSecond, b.nodemailerToSink.messagesPerSecond),
      target: '',
    });
    rows.push({
      measure: `  CPU per message: inbound + worker (µs)`,
      ours: `${fmt(b.inboundCpuUsPerMessage)} + ${fmt(b.workerCpuUsPerMessage)}`,
      baseline: `smtp-source ${fmt(b.smtpSource.cpuUsPerMessage)}`,
      ratio: '',
      target: '',
    });
    rows.push({
      measure: `  inbound peak RSS (MiB)`,
      ours: String(b.inboundPeakRssMiB ?? '?'),
      baseline: '',
      ratio: '',
      target: '',
    });
  }

  const machine = {
    cpus: cpus().length,
    cpu: cpus()[0]?.model,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    loadAverageNote: 'shared machine: absolute figures are noisy, ratios are measured in the same run',
  };
  console.log(
    `\nBenchmarks (${smoke ? 'smoke' : large ? 'large' : 'default'}), ${machine.cpus} CPUs, Node ${process.version}, ` +
      `${((Date.now() - started) / 1000).toFixed(0)} s\n`,
  );
  console.log(table(rows));
  for (const s of skipped) console.log(`skipped: ${s}`);

  const out = {
    at: new Date().toISOString(),
    mode: smoke ? 'smoke' : large ? 'large' : 'default',
    machine,
    versions: versions(),
    skipped,
    table: rows,
    campaign,
    fanOut,
    subscribe,
    csv,
    render,
    inbound,
    huge,
  };
  const dir = join(ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, smoke ? 'smoke.json' : only ? 'partial.json.tmp' : 'latest.json');
  writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`);
  console.log(`\nwritten: ${file}`);
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
