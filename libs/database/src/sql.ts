import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';

/** Anything that runs SQL: the pool (a DataSource) or one transaction's EntityManager. */
export interface Queryable {
  query<T = unknown>(sql: string, parameters?: unknown[]): Promise<T>;
}

/**
 * A statement: its text, or `{ name, text }` for a named prepared statement (parsed and planned once per
 * pooled connection; TypeORM hands the object to pg's client.query untouched). Use a name only where
 * planning was measured to cost more than running, and change the name whenever the text changes.
 */
export type Statement = string | { name: string; text: string };

/**
 * The rows of a statement, whatever its kind: TypeORM's postgres driver answers UPDATE and DELETE (with or
 * without RETURNING) as `[rows, affectedCount]`, and everything else as the rows.
 */
export async function queryRows<T>(q: Queryable, sql: Statement, parameters: unknown[] = []): Promise<T[]> {
  const result = await q.query<unknown>(sql as string, parameters);
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

/**
 * The one way repositories reach PostgreSQL: raw SQL through `rows`, transactions through `transaction`.
 * A repository method that must join a caller's transaction takes its `tx` and passes it on.
 */
@Injectable()
export class Database {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /** The rows of one statement, on `tx` when given, else on the pool. */
  rows<T>(sql: Statement, parameters: unknown[] = [], tx?: Queryable): Promise<T[]> {
    return queryRows<T>(tx ?? this.ds, sql, parameters);
  }

  /** The first row, or undefined. */
  async one<T>(sql: Statement, parameters: unknown[] = [], tx?: Queryable): Promise<T | undefined> {
    return (await this.rows<T>(sql, parameters, tx))[0];
  }

  /** Runs `fn` in one transaction (READ COMMITTED): committed if it resolves, rolled back if it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.ds.transaction((m) => fn(m));
  }
}
