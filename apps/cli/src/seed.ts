import type { AppConfig } from '@app/config';
import { CRANK_CALL_2025_04_DRAFT, parseDraft, upsertDraftEdition } from '@app/core/editions';
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
 * The April 2025 CRANK Call as a draft edition, so a newcomer sees a real issue at once. Re-running replaces
 * the draft; once that month is scheduled or sent it is left alone.
 */
export const crankCallAprilSeeder: Seeder = {
  name: 'crank-call-2025-04 draft',
  async run({ ds, log }) {
    const content = parseDraft(CRANK_CALL_2025_04_DRAFT);
    const rows: { status: string }[] = await ds.query(`SELECT status FROM edition WHERE slug = $1`, [
      content.slug,
    ]);
    if (rows.some((r) => r.status !== 'draft')) {
      log(`edition ${content.slug} is ${rows[0]?.status ?? 'not a draft'}: left as it is`);
      return;
    }
    const id = await upsertDraftEdition(ds.manager, content);
    log(`edition ${content.slug} (“${content.subject}”) saved as draft #${id}`);
  },
};

/** What `npm run seed` loads, in order. */
export const SEEDERS: Seeder[] = [crankCallAprilSeeder];
