/**
 * CSV import benchmark: POSTs a generated CSV of 100,000 rows (email,name plus an ignored column) to
 * /api/admin/subscribers/import on the real API (in process, real PostgreSQL and Redis, a throw-away database)
 * and reports rows per second, then imports the same file again (every row already there: the no-op path).
 *
 *   runCsvImportBench({ rows: 100_000 })  ->  { rowsPerSecond, seconds, reimportSeconds, ... }
 *
 * Needs PostgreSQL (TEST_DATABASE_BASE_URL, default postgres://postgres@127.0.0.1:5432/postgres) and Redis
 * (TEST_REDIS_URL, default redis://127.0.0.1:6379), like the tests.
 */
import { migrate } from '@app/database';
import { request } from 'node:http';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { Client } from 'pg';
import { Redis } from 'ioredis';
import { createApiApp } from '../apps/api/src/bootstrap';

export interface CsvImportBenchResult {
  rows: number;
  /** Wall time of the first import, request start to report, in seconds. */
  seconds: number;
  rowsPerSecond: number;
  imported: number;
  /** Wall time of importing the same file again (nothing new), in seconds. */
  reimportSeconds: number;
  /** The same rows written by PostgreSQL from generate_series (subscriber + event), rows/s. */
  baselineRowsPerSecond: number;
  /** CSV size in bytes. */
  bytes: number;
  /** Largest resident set size seen during the first import, in MiB (the process also generates the CSV). */
  peakRssMiB: number;
}

function csvStream(rows: number, salt: string): Readable {
  let i = -1;
  return new Readable({
    read() {
      // ~64 kB per push
      let chunk = '';
      while (chunk.length < 65536 && i < rows) {
        chunk +=
          i < 0
            ? 'email,name,signed_up\n'
            : `reader.${salt}.${i}@Example-${i % 97}.org,Reader ${i},2025-0${(i % 9) + 1}-01\n`;
        i++;
      }
      this.push(chunk === '' ? null : chunk);
    },
  });
}

function postCsv(port: number, token: string, body: Readable): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/api/admin/subscribers/import',
        headers: { 'Content-Type': 'text/csv', Authorization: `Bearer ${token}` },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    body.pipe(req);
  });
}

export async function runCsvImportBench(
  opts: { rows?: number; redisUrl?: string } = {},
): Promise<CsvImportBenchResult> {
  const rows = opts.rows ?? 100_000;
  const base = process.env.TEST_DATABASE_BASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const redisUrl = opts.redisUrl ?? process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
  const id = randomBytes(4).toString('hex');
  const dbUrl = new URL(base);
  dbUrl.pathname = `/nl_bench_csv_${id}`;
  const prefix = `nlbench:${id}`;
  const token = `bench-admin-${randomBytes(12).toString('hex')}`;
  await migrate(dbUrl.toString());
  Object.assign(process.env, {
    NODE_ENV: 'production',
    DATABASE_URL: dbUrl.toString(),
    REDIS_URL: redisUrl,
    REDIS_PREFIX: prefix,
    SECRET_KEY: randomBytes(32).toString('hex'),
    ADMIN_API_TOKEN: token,
    LOG_LEVEL: 'warn',
  });
  const app = await createApiApp();
  try {
    await app.listen(0, '127.0.0.1');
    const port = (app.getHttpServer().address() as { port: number }).port;
    let bytes = 0;
    const counted = csvStream(rows, id);
    counted.on('data', (c: Buffer | string) => (bytes += Buffer.byteLength(c)));
    let peakRss = process.memoryUsage().rss;
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
    const t0 = process.hrtime.bigint();
    const first = await postCsv(port, token, counted);
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    clearInterval(sampler);
    if (first.status !== 200) throw new Error(`import answered ${first.status}: ${first.body.slice(0, 500)}`);
    const report = JSON.parse(first.body) as { imported: number; invalid: number };
    if (report.imported !== rows)
      throw new Error(`imported ${report.imported} of ${rows}: ${first.body.slice(0, 500)}`);

    const t1 = process.hrtime.bigint();
    const second = await postCsv(port, token, csvStream(rows, id));
    const reimportSeconds = Number(process.hrtime.bigint() - t1) / 1e9;
    if (second.status !== 200) throw new Error(`re-import answered ${second.status}`);

    // Baseline: PostgreSQL writing the same rows (subscriber + its 'imported' event) from generate_series,
    // without HTTP, CSV parsing, validation or suppression hashing.
    const pg = new Client({ connectionString: dbUrl.toString() });
    await pg.connect();
    const t2 = process.hrtime.bigint();
    await pg.query(
      `WITH ins AS (
         INSERT INTO subscriber (email, name, status, consent_at, consent_source, confirmed_at)
         SELECT 'baseline.' || g || '@example-' || (g % 97) || '.org', 'Reader ' || g, 'confirmed', now(), 'bench', now()
           FROM generate_series(1, $1::int) g
         RETURNING id
       )
       INSERT INTO subscriber_event (subscriber_id, type, to_status, source, detail)
       SELECT id, 'imported', 'confirmed', 'bench', 'baseline' FROM ins`,
      [rows],
    );
    const baselineSeconds = Number(process.hrtime.bigint() - t2) / 1e9;
    await pg.end();
    return {
      rows,
      seconds,
      rowsPerSecond: Math.round(rows / seconds),
      imported: report.imported,
      reimportSeconds,
      baselineRowsPerSecond: Math.round(rows / baselineSeconds),
      bytes,
      peakRssMiB: Math.round(peakRss / 2 ** 20),
    };
  } finally {
    await app.close();
    const admin = new Client({ connectionString: base });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS "nl_bench_csv_${id}" WITH (FORCE)`);
    await admin.end();
    const r = new Redis(redisUrl, { maxRetriesPerRequest: 3 });
    const keys = await r.keys(`${prefix}:*`);
    if (keys.length) await r.del(...keys);
    r.disconnect();
  }
}
