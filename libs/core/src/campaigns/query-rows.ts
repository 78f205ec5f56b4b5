/** Anything with TypeORM's `query` (a DataSource or a transaction's EntityManager). */
export interface Queryable {
  query<T = unknown>(sql: string, parameters?: unknown[]): Promise<T>;
}

/**
 * The rows of a statement, whatever its kind: TypeORM's postgres driver answers UPDATE and DELETE (with or
 * without RETURNING) as `[rows, affectedCount]`, and everything else as the rows.
 */
export async function queryRows<T>(q: Queryable, sql: string, parameters: unknown[] = []): Promise<T[]> {
  const result = await q.query<unknown>(sql, parameters);
  if (
    Array.isArray(result) &&
    result.length === 2 &&
    Array.isArray(result[0]) &&
    typeof result[1] === 'number'
  ) {
    return result[0] as T[];
  }
  return result as T[];
}
