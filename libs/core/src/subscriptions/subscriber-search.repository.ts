import { Database, SubscriberStatus } from '@app/database';
import { Injectable } from '@nestjs/common';
import { SUBSCRIBER_COLUMNS, type SubscriberRecord } from './subscriber.repository';

/** Which subscribers an admin list or export covers. Erased subscribers are never part of it. */
export interface SubscriberFilter {
  /** Exact address, case-insensitive. */
  email?: string;
  status?: SubscriberStatus;
  /** Substring of the address or the name, case-insensitive. */
  search?: string;
}

function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/**
 * The WHERE clause of a filter plus an id bound, and its parameters: only the conditions in use are written,
 * so the planner sees a plain query (an address lookup uses the lower(email) index).
 */
function where(f: SubscriberFilter, id: { op: '<' | '>'; value: number } | undefined) {
  const conditions = ['erased_at IS NULL'];
  const params: unknown[] = [];
  const param = (v: unknown) => `$${params.push(v)}`;
  if (f.email) conditions.push(`lower(email) = lower(${param(f.email.trim())})`);
  if (f.status) conditions.push(`status = ${param(f.status)}`);
  if (f.search) {
    const pattern = param(`%${escapeLike(f.search.trim())}%`);
    conditions.push(`(email ILIKE ${pattern} ESCAPE '\\' OR name ILIKE ${pattern} ESCAPE '\\')`);
  }
  if (id) conditions.push(`id ${id.op} ${param(id.value)}`);
  return { sql: conditions.join(' AND '), params, param };
}

/** Many subscribers at once: the admin's pages, the CSV export and the counts. */
@Injectable()
export class SubscriberSearchRepository {
  constructor(private readonly db: Database) {}

  /** Up to `limit` matching subscribers with an id below `beforeId` (all when undefined), newest first. */
  page(f: SubscriberFilter, beforeId: number | undefined, limit: number): Promise<SubscriberRecord[]> {
    const w = where(f, beforeId === undefined ? undefined : { op: '<', value: beforeId });
    return this.db.rows<SubscriberRecord>(
      `SELECT ${SUBSCRIBER_COLUMNS} FROM subscriber WHERE ${w.sql} ORDER BY id DESC LIMIT ${w.param(limit)}`,
      w.params,
    );
  }

  /** Up to `limit` matching subscribers with an id above `afterId`, oldest first (keyset batches). */
  batchAfter(f: SubscriberFilter, afterId: number, limit: number): Promise<SubscriberRecord[]> {
    const w = where(f, { op: '>', value: afterId });
    return this.db.rows<SubscriberRecord>(
      `SELECT ${SUBSCRIBER_COLUMNS} FROM subscriber WHERE ${w.sql} ORDER BY id ASC LIMIT ${w.param(limit)}`,
      w.params,
    );
  }

  /** How many (not erased) subscribers are in each status that has any. */
  countByStatus(): Promise<{ status: SubscriberStatus; n: number }[]> {
    return this.db.rows(
      `SELECT status, count(*)::int AS n FROM subscriber WHERE erased_at IS NULL GROUP BY status`,
    );
  }

  /** Confirmed subscribers: the same criterion the campaign fan-out writes deliveries for. */
  async countConfirmed(): Promise<number> {
    const row = await this.db.one<{ n: number }>(
      `SELECT count(*)::int AS n FROM subscriber WHERE status = 'confirmed'`,
    );
    return row?.n ?? 0;
  }
}
