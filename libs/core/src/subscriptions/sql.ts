import type { DataSource, EntityManager } from 'typeorm';

/** TypeORM's postgres driver answers UPDATE/DELETE with [rows, rowCount] instead of rows. */
export async function updateReturning<T>(
  db: DataSource | EntityManager,
  sql: string,
  params: unknown[],
): Promise<T[]> {
  const result = await db.query<[T[], number]>(sql, params);
  return result[0];
}
