import { AppConfig, ConfigModule, envSchema } from '@app/config';
import { DatabaseModule } from '@app/database';
import { MailerModule } from '@app/mailer';
import { QueueModule } from '@app/queue';
import type { ModuleMetadata, Type } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { deleteRedisPrefix } from './redis-cleanup';
import { SmtpSink } from './smtp-sink';
import { createTestDatabase, testRedisPrefix } from './test-database';
import { testEnv } from './test-env';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface ServiceWorldOptions {
  /** The modules under test, e.g. `[CampaignWorkerModule]`. */
  imports: NonNullable<ModuleMetadata['imports']>;
  /** Environment on top of the world's own (database, Redis prefix, SMTP sink, secrets). */
  env?: Record<string, string>;
}

/**
 * Services against the real things, without HTTP or worker processes (the immich "medium" tests): a fresh
 * migrated database, a Redis key prefix of its own for the queues, the in-process SMTP sink as the mail
 * transport, and a Nest testing module of ConfigModule (with this world's AppConfig), DatabaseModule,
 * QueueModule, MailerModule and the modules under test. Lifecycle hooks are not run (no init): timers such
 * as the campaign watchdog stay off, and nothing consumes the queues — a test runs jobs itself.
 */
export class ServiceWorld {
  readonly smtp = new SmtpSink();
  readonly prefix = testRedisPrefix();
  readonly redisUrl = REDIS_URL;
  db!: { url: string; name: string; drop: () => Promise<void> };
  config!: AppConfig;
  module!: TestingModule;
  private pg?: Client;

  static async start(opts: ServiceWorldOptions): Promise<ServiceWorld> {
    const w = new ServiceWorld();
    try {
      await w.init(opts);
    } catch (err) {
      await w.stop();
      throw err;
    }
    return w;
  }

  private async init(opts: ServiceWorldOptions): Promise<void> {
    await this.smtp.start();
    this.db = await createTestDatabase();
    this.config = new AppConfig(
      envSchema.parse({
        ...testEnv({
          databaseUrl: this.db.url,
          redisUrl: this.redisUrl,
          redisPrefix: this.prefix,
          smtpUrl: this.smtp.url,
          secretKey: randomBytes(32).toString('hex'),
        }),
        ...opts.env,
      }),
    );
    this.module = await Test.createTestingModule({
      imports: [ConfigModule, DatabaseModule, QueueModule, MailerModule, ...opts.imports],
    })
      .overrideProvider(AppConfig)
      .useValue(this.config)
      .setLogger({ log() {}, warn() {}, error: (m: unknown) => console.error(m), debug() {}, verbose() {} })
      .compile();
  }

  /** A provider of the module under test (or of its imports). */
  get<T>(type: Type<T>): T {
    return this.module.get(type, { strict: false });
  }

  /** Raw SQL on the world's database, for arranging and inspecting what the services see. */
  async query<T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> {
    if (!this.pg) {
      this.pg = new Client({ connectionString: this.db.url });
      await this.pg.connect();
    }
    return (await this.pg.query(sql, params)).rows as T[];
  }

  async stop(): Promise<void> {
    await this.module?.close();
    await this.pg?.end();
    await this.smtp.stop();
    await deleteRedisPrefix(this.redisUrl, this.prefix);
    await this.db?.drop();
  }
}
