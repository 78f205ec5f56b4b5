import type { AppConfig } from '@app/config';
import { CRANK_CALL_2025_04_DRAFT, EditionRepository, parseDraft } from '@app/core/editions';
import { PublicationRepository, PublicationService } from '@app/core/publication';
import { Database, EditionStatus } from '@app/database';
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
  async run({ ds, config, log }) {
    const content = parseDraft(CRANK_CALL_2025_04_DRAFT);
    const db = new Database(ds);
    const publication = await new PublicationService(new PublicationRepository(db), config).findByName(
      content.publicationName,
    );
    if (!publication) {
      log(`no publication is named “${content.publicationName}”: nothing seeded`);
      return;
    }
    const editions = new EditionRepository(db);
    const existing = await editions.findByMonth(publication.id, content.slug);
    const id =
      existing && existing.status !== EditionStatus.Draft
        ? undefined
        : await editions.upsertDraft(publication.id, content);
    if (id === undefined) {
      log(`edition ${content.slug} is ${existing?.status ?? 'not a draft'}: left as it is`);
      return;
    }
    log(`edition ${content.slug} (“${content.subject}”) saved as draft #${id}`);
  },
};

/** What `npm run seed` loads, in order. */
export const SEEDERS: Seeder[] = [crankCallAprilSeeder];
