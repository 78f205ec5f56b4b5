import { createTestDatabase } from '@app/testing';
import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { createDataSource, ensureDatabase } from './data-source';

type Db = Awaited<ReturnType<typeof createTestDatabase>>;

/** Every column, constraint and index of `tables`, one line each, as PostgreSQL itself prints them. */
async function catalog(ds: DataSource, tables: string[]): Promise<string[]> {
  const columns = await ds.query<Record<string, string | number | null>[]>(
    `SELECT table_name, column_name, data_type, character_maximum_length AS len, is_nullable, column_default,
            is_identity, identity_generation
       FROM information_schema.columns
      WHERE table_schema = 'public' AND table_name = ANY($1)`,
    [tables],
  );
  const constraints = await ds.query<{ t: string; name: string; def: string }[]>(
    `SELECT conrelid::regclass::text AS t, conname AS name, pg_get_constraintdef(oid) AS def
       FROM pg_constraint
      WHERE connamespace = 'public'::regnamespace AND conrelid::regclass::text = ANY($1)`,
    [tables],
  );
  const indexes = await ds.query<{ name: string; def: string }[]>(
    `SELECT indexname AS name, indexdef AS def FROM pg_indexes WHERE schemaname = 'public' AND tablename = ANY($1)`,
    [tables],
  );
  return [
    ...columns.map(
      (c) =>
        `column ${c.table_name}.${c.column_name} ${c.data_type}(${c.len ?? ''}) nullable=${c.is_nullable} ` +
        `default=${c.column_default ?? ''} identity=${c.is_identity}${c.identity_generation ? ` ${c.identity_generation}` : ''}`,
    ),
    ...constraints.map((c) => `constraint ${c.t}.${c.name} ${c.def}`),
    ...indexes.map((i) => `index ${i.name} ${i.def}`),
  ].sort();
}

/**
 * The migrations are the schema; the entities must describe the same one, or TypeORM's tooling (and any
 * reader of the entities) works from a wrong picture of it.
 */
describe('entities and migrations', () => {
  let migrated: Db;
  let ds: DataSource;

  beforeAll(async () => {
    migrated = await createTestDatabase();
    ds = createDataSource(migrated.url, 2);
    await ds.initialize();
  });

  afterAll(async () => {
    await ds?.destroy();
    await migrated?.drop();
  });

  /** Indexes TypeORM cannot express (on expressions), declared on the entities with `synchronize: false`. */
  const unsynchronized = (): string[] =>
    ds.entityMetadatas.flatMap((m) => m.indices.filter((i) => !i.synchronize).map((i) => i.name));

  it('synchronize would change nothing on the migrated database', async () => {
    // The SQL `synchronize` would run: a missing foreign key, CHECK, unique constraint, index, length,
    // nullability or default on an entity shows up here as a DROP, CREATE or ALTER.
    const sql = await ds.driver.createSchemaBuilder().log();
    expect(sql.upQueries.map((q) => q.query)).toEqual([]);
  });

  it('the schema built from the entities alone is the migrated one, constraint for constraint', async () => {
    // The schema builder matches indexes, checks and constraints by name only (not their columns' order, a
    // partial index's WHERE or a CHECK's expression). So build a second database from the entities and
    // compare both as PostgreSQL prints them.
    const tables = ds.entityMetadatas.map((m) => m.tableName);
    const url = new URL(migrated.url);
    url.pathname = `${url.pathname}_entities`;
    await ensureDatabase(url.toString());
    const fromEntities = createDataSource(url.toString(), 2);
    try {
      await fromEntities.initialize();
      await fromEntities.synchronize();
      const skip = new Set(unsynchronized());
      const want = (await catalog(ds, tables)).filter((l) => !skip.has(l.split(' ')[1] ?? ''));
      expect(await catalog(fromEntities, tables)).toEqual(want);
    } finally {
      await fromEntities.destroy();
      const admin = new URL(migrated.url);
      admin.pathname = '/postgres';
      const c = new Client({ connectionString: admin.toString() });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS "${url.pathname.slice(1)}" WITH (FORCE)`);
      await c.end();
    }
  });

  it('every index declared with synchronize: false exists in the migrated database', async () => {
    const names = unsynchronized();
    expect(names).toContain('subscriber_email_lower_uq');
    const found = await ds.query<{ indexname: string }[]>(
      `SELECT indexname FROM pg_indexes WHERE schemaname = 'public' AND indexname = ANY($1)`,
      [names],
    );
    expect(found.map((r) => r.indexname).sort()).toEqual([...names].sort());
  });
});
