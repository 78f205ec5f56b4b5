import { ConfigModule } from '@app/config';
import { CampaignsModule } from '@app/core';
import { DatabaseModule } from '@app/database';
import { QueueModule } from '@app/queue';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { INestApplicationContext } from '@nestjs/common';
import { Client } from 'pg';
import { crankCallApril2025 } from '../test/fixtures/crank-call-2025-04.expected';

/**
 * The campaign services as the API uses them (create and start a campaign, run a fan-out), without any
 * queue processor: the bench process drives campaigns, worker processes send them.
 */
@Module({ imports: [ConfigModule, DatabaseModule, QueueModule, CampaignsModule] })
class BenchModule {}

/** Reads process.env at creation, like the apps: set the environment first. */
export async function createBenchContext(env: Record<string, string>): Promise<INestApplicationContext> {
  Object.assign(process.env, env);
  const ctx = await NestFactory.createApplicationContext(BenchModule, { logger: ['error', 'warn'] });
  await ctx.init();
  return ctx;
}

/** `n` confirmed subscribers `<tag>-<i>@example.test`, written by PostgreSQL itself in 100k-row statements. */
export async function insertSubscribers(db: Client, tag: string, n: number): Promise<void> {
  for (let from = 1; from <= n; from += 100_000) {
    const to = Math.min(n, from + 99_999);
    await db.query(
      `INSERT INTO subscriber (email, status, consent_at, consent_source, confirmed_at)
       SELECT $1 || '-' || g || '@example.test', 'confirmed', now(), 'bench', now()
         FROM generate_series($2::int, $3::int) g`,
      [tag, from, to],
    );
  }
  await db.query('ANALYZE subscriber');
}

/** A draft edition with the real April 2025 content under its own month slug (YYYY-MM). */
export async function insertEdition(db: Client, slug: string): Promise<number> {
  const content = { ...crankCallApril2025, slug };
  const r = await db.query<{ id: number }>(
    `INSERT INTO edition (publication_id, slug, subject, content, status)
     VALUES ((SELECT id FROM publication WHERE slug = 'crank-call'), $1, $2, $3::jsonb, 'draft') RETURNING id`,
    [slug, crankCallApril2025.subject, JSON.stringify(content)],
  );
  return r.rows[0]!.id;
}
