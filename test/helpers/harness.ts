import {
  createTestDatabase,
  deleteRedisPrefix,
  freePort,
  SmtpSink,
  testRedisPrefix,
  waitUntil,
} from '@app/testing';
import { testEnv } from '@app/testing/test-env';
import type { INestApplication, INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Client } from 'pg';
import { createApiApp } from '../../apps/api/src/bootstrap';
import { WorkerModule } from '../../apps/worker/src/worker.module';

export const ROOT = join(__dirname, '..', '..');
export const WORKER_ENTRY = join(ROOT, 'dist/apps/worker/apps/worker/src/main.js');
export const API_ENTRY = join(ROOT, 'dist/apps/api/apps/api/src/main.js');
export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface HarnessOptions {
  /** Real worker processes to start (built from dist by the Jest global setup). */
  workers?: number;
  /** Run the worker module inside the test process instead (faster; no kill tests). */
  inProcessWorker?: boolean;
  env?: Record<string, string>;
  /** A Redis of its own (e.g. a private redis-server a test restarts) instead of TEST_REDIS_URL. */
  redisUrl?: string;
  /**
   * A Redis Cluster instead (REDIS_CLUSTER_NODES, e.g. RedisClusterServers' `nodes`); the world's prefix then
   * carries a hash tag, as the service requires on a cluster.
   */
  redisClusterNodes?: string;
  /** Listen on this port (e.g. so PUBLIC_URL can point at the test server itself); default: any free port. */
  port?: number;
  /** Admin URL of another PostgreSQL server (e.g. a PrivatePostgres a test restarts) for this harness's database. */
  postgresUrl?: string;
}

/**
 * One isolated world per test file: its own database, Redis key prefix and SMTP sink, the real API
 * (in process, on a random port) and real workers.
 */
export class Harness {
  readonly smtp = new SmtpSink();
  readonly adminToken = `test-admin-${randomBytes(12).toString('hex')}`;
  readonly secretKey = randomBytes(32).toString('hex');
  prefix = testRedisPrefix();
  db!: { url: string; name: string; drop: () => Promise<void> };
  app!: INestApplication & NestExpressApplication;
  workerApp?: INestApplicationContext;
  baseUrl = '';
  readonly workers: ChildProcess[] = [];
  /** API processes started by spawnApi (further instances beside the in-process one). */
  readonly apis: ChildProcess[] = [];
  private pg?: Client;
  private extraEnv: Record<string, string> = {};
  redisUrl = REDIS_URL;
  redisClusterNodes: string | undefined;

  static async start(opts: HarnessOptions = {}): Promise<Harness> {
    const h = new Harness();
    await h.init(opts);
    return h;
  }

  env(): Record<string, string> {
    return {
      ...testEnv({
        databaseUrl: this.db.url,
        redisUrl: this.redisUrl,
        redisPrefix: this.prefix,
        smtpUrl: this.smtp.url,
        secretKey: this.secretKey,
      }),
      ADMIN_API_TOKEN: this.adminToken,
      ...(this.redisClusterNodes && { REDIS_CLUSTER_NODES: this.redisClusterNodes }),
      ...this.extraEnv,
    };
  }

  /**
   * Starts this world. `Harness.start(opts)` is `new Harness()` then `init(opts)`; the fixture builders
   * (helpers/scenarios.ts) construct the harness while Jest collects the tests and init it in beforeAll, so a
   * test file can name its harness at once.
   */
  async init(opts: HarnessOptions): Promise<void> {
    this.extraEnv = opts.env ?? {};
    this.redisUrl = opts.redisUrl ?? REDIS_URL;
    if (opts.redisClusterNodes) {
      this.redisClusterNodes = opts.redisClusterNodes;
      this.prefix = `{${this.prefix}}`;
      // REDIS_URL names no node on a cluster (only credentials); point it at a node for the harness's cleanup.
      this.redisUrl = `redis://${opts.redisClusterNodes.split(',')[0]!}`;
    }
    await this.smtp.start();
    this.db = await createTestDatabase(opts.postgresUrl);
    Object.assign(process.env, this.env());
    this.app = await createApiApp();
    await this.app.listen(opts.port ?? 0, '127.0.0.1');
    const addr = this.app.getHttpServer().address() as { port: number };
    this.baseUrl = `http://127.0.0.1:${addr.port}`;
    if (opts.inProcessWorker) await this.startInProcessWorker();
    for (let i = 0; i < (opts.workers ?? 0); i++) await this.spawnWorker();
  }

  async startInProcessWorker(): Promise<void> {
    const app = await NestFactory.createApplicationContext(WorkerModule, { logger: ['error', 'warn'] });
    await app.init();
    this.workerApp = app;
  }

  /** Starts a real worker process and resolves once it reports it is ready. */
  async spawnWorker(extraEnv: Record<string, string> = {}): Promise<ChildProcess> {
    const child = spawn(process.execPath, [WORKER_ENTRY], {
      env: { ...process.env, ...this.env(), LOG_LEVEL: 'info', ...extraEnv },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.workers.push(child);
    let output = '';
    child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    await new Promise<void>((resolve, reject) => {
      const onData = (d: Buffer) => {
        output += d.toString();
        if (output.includes('started')) {
          child.stdout?.off('data', onData);
          child.stdout?.resume();
          resolve();
        }
      };
      child.stdout?.on('data', onData);
      child.once('exit', (code) => reject(new Error(`worker exited with ${code}: ${output.slice(-2000)}`)));
    });
    return child;
  }

  /**
   * Starts another API instance as a real process (built from dist by the Jest global setup) on a port of its
   * own, sharing this world's database and Redis prefix; resolves with its base URL once it listens.
   */
  async spawnApi(extraEnv: Record<string, string> = {}): Promise<{ url: string; child: ChildProcess }> {
    const port = await freePort();
    const child = spawn(process.execPath, [API_ENTRY], {
      // LOG_LEVEL info: the start banner ("… listening on …", logged at info) is how we know it is up.
      env: {
        ...process.env,
        ...this.env(),
        PORT: String(port),
        HOST: '127.0.0.1',
        LOG_LEVEL: 'info',
        ...extraEnv,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.apis.push(child);
    let output = '';
    await new Promise<void>((resolve, reject) => {
      const onData = (d: Buffer) => {
        output = (output + d.toString()).slice(-20000);
        if (output.includes('listening')) resolve();
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', onData);
      child.once('exit', (code) => reject(new Error(`API exited with ${code}: ${output.slice(-2000)}`)));
    });
    // keep draining the pipes so a chatty process never blocks on a full pipe
    child.stdout?.removeAllListeners('data').resume();
    child.stderr?.removeAllListeners('data').resume();
    return { url: `http://127.0.0.1:${port}`, child };
  }

  async query<T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> {
    if (!this.pg) {
      const client = new Client({ connectionString: this.db.url });
      // A test may restart PostgreSQL: forget the dead connection (and do not crash) so the next query reconnects.
      client.on('error', () => {
        if (this.pg === client) this.pg = undefined;
      });
      this.pg = client;
      await client.connect();
    }
    const r = await this.pg.query(sql, params);
    return r.rows as T[];
  }

  waitUntil = waitUntil;

  async stop(): Promise<void> {
    for (const w of [...this.workers, ...this.apis]) {
      if (w.exitCode === null && w.signalCode === null) {
        const exited = new Promise((r) => w.once('exit', r));
        w.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 10000))]);
        if (w.exitCode === null) w.kill('SIGKILL');
      }
    }
    await this.workerApp?.close();
    await this.app?.close();
    await this.pg?.end();
    await this.smtp.stop();
    await deleteRedisPrefix(this.redisUrl, this.prefix);
    await this.db?.drop();
  }
}
