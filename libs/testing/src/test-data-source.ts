import { createDataSource } from '@app/database';
import type { DataSource } from 'typeorm';
import { createTestDatabase } from './test-database';

/**
 * For a spec that builds repositories or services by hand: a fresh migrated database and a small DataSource
 * on it, opened before the calling describe block's tests and dropped after them. Call it inside the
 * describe; the returned getter works inside tests and hooks.
 */
export function useTestDataSource(): () => DataSource {
  let db: Awaited<ReturnType<typeof createTestDatabase>> | undefined;
  let ds: DataSource | undefined;
  beforeAll(async () => {
    db = await createTestDatabase();
    ds = createDataSource(db.url, 2);
    await ds.initialize();
  });
  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
  });
  return () => {
    if (!ds) throw new Error('useTestDataSource: the database is open only inside tests and hooks');
    return ds;
  };
}
