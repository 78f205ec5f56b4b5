import { migrate } from '@app/database';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

const BASE = process.env.TEST_DATABASE_BASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/**
 * A fresh, migrated database per test file so runs never collide. `baseUrl` picks another server (e.g. a
 * PrivatePostgres a test restarts); the default is TEST_DATABASE_BASE_URL or the shared local server.
 */
export async function createTestDatabase(baseUrl: string = BASE): Promise<{
  url: string;
  name: string;
  drop: () => Promise<void>;
}> {
  const name = `nl_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  const u = new URL(baseUrl);
  u.pathname = `/${name}`;
  const url = u.toString();
  await migrate(url);
  return {
    url,
    name,
    drop: async () => {
      const admin = new URL(baseUrl);
      admin.pathname = '/postgres';
      const c = new Client({ connectionString: admin.toString() });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

/** A Redis key prefix unique to this run; `cleanup` deletes its keys. */
export function testRedisPrefix(): string {
  return `nltest:${process.pid}:${randomBytes(3).toString('hex')}`;
}
