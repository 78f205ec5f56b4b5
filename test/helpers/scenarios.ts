import { PrivatePostgres, PrivateRedis, RedisClusterServers } from '@app/testing';
import type { ChildProcess } from 'node:child_process';
import request from 'supertest';
import * as fixtures from '../campaign.fixtures';
import { CAMPAIGN_TEST_ENV, type CampaignBody, showWorkerLogs } from '../campaign.fixtures';
import { MailQueueWatch } from '../subscriptions.helpers';
import {
  consoleGet,
  consoleLogin,
  consolePost,
  type ConsoleRole,
  type ConsoleSession,
} from './console-session';
import { Harness, type HarnessOptions } from './harness';

/**
 * Fixture builders, one per scenario of the e2e files. Each is called inside `describe` (it registers the
 * beforeAll that starts its world and the afterAll that stops it) and returns at once objects the tests can
 * name: the harness is constructed at once and started in beforeAll, sessions are filled in at sign-in. A
 * file's own beforeAll/afterAll, registered after the builder, run after the world's.
 *
 *   const { h } = campaignWorld({ workers: 1, redis: 'private' });
 */

type Env = Record<string, string>;

/** Starting a world spawns processes (workers, private servers) and may run initdb: more than a test's minute. */
const WORLD_HOOK_TIMEOUT_MS = 120_000;

interface World {
  start(): Promise<void>;
  stop(): Promise<void>;
}

function registered<W extends World>(world: W): W {
  beforeAll(() => world.start(), WORLD_HOOK_TIMEOUT_MS);
  afterAll(() => world.stop(), WORLD_HOOK_TIMEOUT_MS);
  return world;
}

export interface CampaignWorldOptions {
  /** Real worker processes started with the world (a test may spawn more with `spawnWorker`). */
  workers?: number;
  /** The worker module inside the test process instead (no kill tests). */
  inProcessWorker?: boolean;
  /**
   * 'private': a redis-server of its own that the test may crash and restart (`world.redis`); 'cluster': a
   * three-master Redis Cluster of its own (`world.redisCluster`), which the API and workers use in cluster mode.
   */
  redis?: 'shared' | 'private' | 'cluster';
  /** 'private': a PostgreSQL cluster of its own that the test may stop and restart (`world.postgres`). */
  postgres?: 'shared' | 'private';
  /**
   * Environment on top of CAMPAIGN_TEST_ENV; a function when it depends on what an earlier beforeAll of the
   * file made (a temporary directory).
   */
  env?: Env | (() => Env);
}

/**
 * Campaign sends: the API, real workers (none, or `workers`), the SMTP sink, CAMPAIGN_TEST_ENV, the worker
 * logs shown with CAMPAIGN_TEST_DEBUG=1, and optionally Redis or PostgreSQL servers of the world's own; with
 * the fixtures of campaign.fixtures.ts bound to its harness (audiences, editions, campaigns, what arrived).
 */
export class CampaignWorld implements World {
  readonly h = new Harness();
  private readonly privateRedis?: PrivateRedis;
  private readonly privateCluster?: RedisClusterServers;
  private readonly privatePostgres?: PrivatePostgres;
  private started = false;
  private editions = 0;

  constructor(private readonly opts: CampaignWorldOptions) {
    if (opts.redis === 'private') this.privateRedis = new PrivateRedis();
    if (opts.redis === 'cluster') this.privateCluster = new RedisClusterServers(3);
    if (opts.postgres === 'private') this.privatePostgres = new PrivatePostgres();
  }

  /** The world's own redis-server (`redis: 'private'`), started in beforeAll. */
  get redis(): PrivateRedis {
    if (!this.privateRedis)
      throw new Error("campaignWorld: ask for redis: 'private' to get a Redis of its own");
    return this.privateRedis;
  }

  /** The world's own Redis Cluster (`redis: 'cluster'`), started in beforeAll. */
  get redisCluster(): RedisClusterServers {
    if (!this.privateCluster)
      throw new Error("campaignWorld: ask for redis: 'cluster' to get a Redis Cluster");
    return this.privateCluster;
  }

  /** The world's own PostgreSQL cluster (`postgres: 'private'`), started in beforeAll. */
  get postgres(): PrivatePostgres {
    if (!this.privatePostgres) {
      throw new Error("campaignWorld: ask for postgres: 'private' to get a PostgreSQL of its own");
    }
    return this.privatePostgres;
  }

  async start(): Promise<void> {
    await this.privateRedis?.start();
    await this.privateCluster?.start();
    await this.privatePostgres?.start();
    const env = typeof this.opts.env === 'function' ? this.opts.env() : this.opts.env;
    const opts: HarnessOptions = {
      workers: this.opts.workers ?? 0,
      inProcessWorker: this.opts.inProcessWorker ?? false,
      env: { ...CAMPAIGN_TEST_ENV, ...env },
    };
    if (this.privateRedis) opts.redisUrl = this.privateRedis.url;
    if (this.privateCluster) opts.redisClusterNodes = this.privateCluster.nodes;
    if (this.privatePostgres) opts.postgresUrl = this.privatePostgres.url;
    await this.h.init(opts);
    this.started = true;
    showWorkerLogs(this.h);
  }

  async stop(): Promise<void> {
    try {
      if (this.started) await this.h.stop();
    } finally {
      // Never leave a private server running, even after a failed test.
      await this.privateRedis?.destroy();
      await this.privateCluster?.destroy();
      await this.privatePostgres?.destroy();
    }
  }

  /** Starts another real worker process (its logs shown with CAMPAIGN_TEST_DEBUG=1). */
  async spawnWorker(env: Env = {}): Promise<ChildProcess> {
    const worker = await this.h.spawnWorker(env);
    showWorkerLogs(this.h);
    return worker;
  }

  /** Admin API requests with the bootstrap token. */
  readonly api = fixtures.adminApi(this.h);

  /** `n` confirmed readers `<tag>-<i>@example.test`, the only confirmed ones (see campaign.fixtures). */
  seedAudience(tag: string, n: number): Promise<void> {
    return fixtures.seedAudience(this.h, tag, n);
  }

  /**
   * A draft edition of the April 2025 content under `slug`, or else a month of its own: 2025-04, then
   * 2025-03, 2025-02...
   */
  createEdition(slug = this.nextMonth()): Promise<number> {
    return fixtures.createEdition(this.h, slug);
  }

  private nextMonth(): string {
    return new Date(Date.UTC(2025, 3 - this.editions++, 1)).toISOString().slice(0, 7);
  }

  /** POST /api/admin/campaigns (201 expected), now or at `scheduledAt`. */
  startCampaign(editionId: number, scheduledAt?: string): Promise<CampaignBody> {
    return fixtures.startCampaign(this.h, editionId, scheduledAt);
  }

  getCampaign(id: number): Promise<CampaignBody> {
    return fixtures.getCampaign(this.h, id);
  }

  /** Polls the campaign until `done` holds (default: 90 s). */
  waitForCampaign(
    id: number,
    done: (c: CampaignBody) => boolean,
    what: string,
    timeoutMs?: number,
  ): Promise<CampaignBody> {
    return fixtures.waitForCampaign(this.h, id, done, what, timeoutMs);
  }

  /** Messages the SMTP sink received, per recipient address of one audience. */
  receivedBy(tag: string): ReturnType<typeof fixtures.receivedBy> {
    return fixtures.receivedBy(this.h, tag);
  }
}

export function campaignWorld(opts: CampaignWorldOptions = {}): CampaignWorld {
  return registered(new CampaignWorld(opts));
}

export interface ReaderWorldOptions {
  /** Real worker processes (they send the confirmation emails); default 1. */
  workers?: number;
  /** On top of THROTTLE_LIMIT=100000 (many requests come from one client; rate limiting is tested apart). */
  env?: Env;
}

/** Readers' flows: the API, a worker for the confirmation emails, the SMTP sink and a watch on the mail queue. */
export class ReaderWorld implements World {
  readonly h = new Harness();
  readonly mail = new MailQueueWatch(this.h);
  private started = false;

  constructor(private readonly opts: ReaderWorldOptions) {}

  /** A request to the API under test. */
  readonly api = () => request(this.h.baseUrl);

  async start(): Promise<void> {
    await this.h.init({
      workers: this.opts.workers ?? 1,
      env: { THROTTLE_LIMIT: '100000', ...this.opts.env },
    });
    this.started = true;
  }

  async stop(): Promise<void> {
    await this.mail.close();
    if (this.started) await this.h.stop();
  }
}

export function readerWorld(opts: ReaderWorldOptions = {}): ReaderWorld {
  return registered(new ReaderWorld(opts));
}

export interface ConsoleWorldOptions<R extends ConsoleRole> {
  /** One signed-in console user per role, created through the admin API (see consoleLogin). */
  roles: readonly R[];
  inProcessWorker?: boolean;
  /** On top of TRUST_PROXY=true (each sign-in comes from an address of its own). */
  env?: Env;
}

/** The console signed in: the API with TRUST_PROXY, one session per role, and the page and form requests. */
export class ConsoleWorld<R extends ConsoleRole> implements World {
  readonly h = new Harness();
  /** The sessions, filled in by sign-in in beforeAll (the objects exist at once, so they can be destructured). */
  readonly sessions = {} as Record<R, ConsoleSession>;
  private started = false;

  constructor(private readonly opts: ConsoleWorldOptions<R>) {
    for (const role of opts.roles) this.sessions[role] = {} as ConsoleSession;
  }

  /** A request to the API under test. */
  readonly api = () => request(this.h.baseUrl);
  /** A console page as a signed-in user (Accept: text/html). */
  readonly get = (s: { cookie: string }, path: string) => consoleGet(this.h, s, path);
  /** A urlencoded console form post, with the session's CSRF token unless `withCsrf` is false. */
  readonly post = (
    s: { cookie: string; csrf: string },
    path: string,
    form: Record<string, string> = {},
    withCsrf = true,
  ) => consolePost(this.h, s, path, form, withCsrf);

  async start(): Promise<void> {
    await this.h.init({
      inProcessWorker: this.opts.inProcessWorker ?? false,
      env: { TRUST_PROXY: 'true', ...this.opts.env },
    });
    this.started = true;
    for (const role of this.opts.roles) Object.assign(this.sessions[role], await consoleLogin(this.h, role));
  }

  async stop(): Promise<void> {
    if (this.started) await this.h.stop();
  }
}

export function consoleWorld<R extends ConsoleRole>(opts: ConsoleWorldOptions<R>): ConsoleWorld<R> {
  return registered(new ConsoleWorld(opts));
}
