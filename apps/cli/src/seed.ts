import type { AppConfig } from '@app/config';
import type { DataSource } from 'typeorm';

export interface SeedContext {
  ds: DataSource;
  config: AppConfig;
  log: (line: string) => void;
}

/** A seeder must be safe to run twice (check before inserting). */
export interface Seeder {
  name: string;
  run(ctx: SeedContext): Promise<void>;
}

/**
 * What `npm run seed` loads, in order.
 * TODO(editions, issue 3): add the April 2025 CRANK Call draft seeder here
 * (test/fixtures/crank-call-2025-04.txt through the draft parser, stored as a draft edition).
 */
export const SEEDERS: Seeder[] = [];
