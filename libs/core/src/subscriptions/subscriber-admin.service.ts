import { Subscriber, SubscriberEvent, SubscriberStatus } from '@app/database';
import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import type { DataSource, Repository } from 'typeorm';
import { checkName } from './email-address';
import { SubscriberNotFoundError, SubscriptionInputError } from './subscription.errors';
import { SubscriptionService } from './subscription.service';
import { type ChangeEvidence, consentEvidence, recordEvent } from './subscriber-events';

export interface SubscriberFilter {
  /** Exact address, case-insensitive. */
  email?: string;
  status?: SubscriberStatus;
  /** Substring of the address or the name, case-insensitive. */
  search?: string;
}

export interface SubscriberListQuery extends SubscriberFilter {
  cursor?: string;
  limit?: number;
}

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 500;
const EXPORT_BATCH = 2000;

/** Keyset pages, newest first: the cursor is the last id seen, so a page costs the same at any depth. */
export function encodeCursor(id: number): string {
  return Buffer.from(`s:${id}`).toString('base64url');
}

export function decodeCursor(cursor: string): number {
  const m = /^s:(\d{1,10})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  const id = m ? Number(m[1]) : NaN;
  if (!Number.isSafeInteger(id)) throw new SubscriptionInputError('cursor is invalid');
  return id;
}

function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

const EXPORT_COLUMNS = [
  'id',
  'email',
  'name',
  'status',
  'consent_at',
  'consent_source',
  'confirmed_at',
  'unsubscribed_at',
  'created_at',
] as const;

/**
 * One CSV field. Cells a spreadsheet would run as a formula (=, +, -, @, tab, CR first) get a leading
 * apostrophe, because names come from the public sign-up form (OWASP "CSV injection").
 */
export function csvField(v: string | number | Date | null | undefined): string {
  if (v === null || v === undefined) return '';
  let s = v instanceof Date ? v.toISOString() : String(v);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Subscriber management for the admin API. Erased subscribers are invisible here. */
@Injectable()
export class SubscriberAdminService {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    @InjectRepository(Subscriber) private readonly subscribers: Repository<Subscriber>,
    @InjectRepository(SubscriberEvent) private readonly events: Repository<SubscriberEvent>,
    private readonly subscriptions: SubscriptionService,
  ) {}

  async list(q: SubscriberListQuery): Promise<{ items: Subscriber[]; nextCursor: string | null }> {
    const limit = Math.min(Math.max(q.limit ?? DEFAULT_PAGE_SIZE, 1), MAX_PAGE_SIZE);
    const qb = this.filtered(q)
      .orderBy('s.id', 'DESC')
      .limit(limit + 1);
    if (q.cursor) qb.andWhere('s.id < :after', { after: decodeCursor(q.cursor) });
    const rows = await qb.getMany();
    const more = rows.length > limit;
    const items = more ? rows.slice(0, limit) : rows;
    const last = items[items.length - 1];
    return { items, nextCursor: more && last ? encodeCursor(last.id) : null };
  }

  /** How many (not erased) subscribers are in each status; every status is present, zero if none. */
  async countByStatus(): Promise<Record<SubscriberStatus, number>> {
    const rows: { status: SubscriberStatus; n: number }[] = await this.ds.query(
      `SELECT status, count(*)::int AS n FROM subscriber WHERE erased_at IS NULL GROUP BY status`,
    );
    const out = Object.fromEntries(Object.values(SubscriberStatus).map((s) => [s, 0])) as Record<
      SubscriberStatus,
      number
    >;
    for (const r of rows) if (Object.hasOwn(out, r.status)) out[r.status] = r.n;
    return out;
  }

  async get(id: number): Promise<{ subscriber: Subscriber; events: SubscriberEvent[] }> {
    const subscriber = await this.subscribers.findOneBy({ id });
    if (!subscriber || subscriber.erasedAt) throw new SubscriberNotFoundError(id);
    const events = await this.events.find({ where: { subscriberId: id }, order: { id: 'DESC' }, take: 100 });
    return { subscriber, events };
  }

  /**
   * Name and status changes by an admin. Setting `confirmed` is the admin asserting consent; setting
   * `pending` does not send anything.
   */
  async patch(
    id: number,
    changes: { name?: string | null; status?: SubscriberStatus },
    ev: ChangeEvidence,
  ): Promise<Subscriber> {
    await this.ds.transaction(async (m) => {
      const rows: { status: SubscriberStatus; name: string | null }[] = await m.query(
        `SELECT status, name FROM subscriber WHERE id = $1 AND erased_at IS NULL FOR UPDATE`,
        [id],
      );
      const cur = rows[0];
      if (!cur) throw new SubscriberNotFoundError(id);
      if (changes.name !== undefined) {
        const name = checkName(changes.name);
        if (!name.ok) throw new SubscriptionInputError(name.reason);
        if (name.name !== cur.name) {
          await m.query(`UPDATE subscriber SET name = $2, updated_at = now() WHERE id = $1`, [id, name.name]);
          await recordEvent(m, id, 'name_changed', {}, ev);
        }
      }
      if (changes.status !== undefined && changes.status !== cur.status) {
        const to = changes.status;
        await m.query(
          `UPDATE subscriber SET status = $2::varchar, updated_at = now(),
             confirmed_at = CASE WHEN $2::varchar = 'confirmed' THEN now() ELSE confirmed_at END,
             confirmation_count = CASE WHEN $2::varchar = 'confirmed' THEN 0 ELSE confirmation_count END,
             confirmation_window_at = CASE WHEN $2::varchar = 'confirmed' THEN NULL ELSE confirmation_window_at END,
             unsubscribed_at = CASE WHEN $2::varchar = 'unsubscribed' THEN now() ELSE unsubscribed_at END,
             consent_at = CASE WHEN $2::varchar = 'confirmed' THEN now() ELSE consent_at END,
             consent_ip = CASE WHEN $2::varchar = 'confirmed' THEN $3 ELSE consent_ip END,
             consent_user_agent = CASE WHEN $2::varchar = 'confirmed' THEN $4 ELSE consent_user_agent END,
             consent_source = CASE WHEN $2::varchar = 'confirmed' THEN $5 ELSE consent_source END
           WHERE id = $1`,
          [id, to, ...consentEvidence(ev)],
        );
        await recordEvent(m, id, 'status_changed', { from: cur.status, to }, ev);
      }
    });
    return (await this.get(id)).subscriber;
  }

  async erase(id: number, ev: Pick<ChangeEvidence, 'source'>): Promise<void> {
    await this.subscriptions.erase(id, ev);
  }

  /**
   * The CSV export, as chunks of text. Reads keyset batches (never the whole table) and yields between
   * them, so a consumer that stops reading stops the queries too.
   */
  async *exportCsv(filter: SubscriberFilter = {}): AsyncGenerator<string> {
    yield `${EXPORT_COLUMNS.join(',')}\r\n`;
    let after = 0;
    for (;;) {
      const rows = await this.filtered(filter)
        .andWhere('s.id > :after', { after })
        .orderBy('s.id', 'ASC')
        .limit(EXPORT_BATCH)
        .getMany();
      if (rows.length === 0) return;
      let chunk = '';
      for (const s of rows) {
        chunk += `${[
          s.id,
          s.email,
          s.name,
          s.status,
          s.consentAt,
          s.consentSource,
          s.confirmedAt,
          s.unsubscribedAt,
          s.createdAt,
        ]
          .map(csvField)
          .join(',')}\r\n`;
      }
      yield chunk;
      after = rows[rows.length - 1]!.id;
      if (rows.length < EXPORT_BATCH) return;
    }
  }

  private filtered(f: SubscriberFilter) {
    const qb = this.subscribers.createQueryBuilder('s').where('s.erasedAt IS NULL');
    if (f.email) qb.andWhere('lower(s.email) = lower(:email)', { email: f.email.trim() });
    if (f.status) qb.andWhere('s.status = :status', { status: f.status });
    if (f.search) {
      qb.andWhere(`(s.email ILIKE :pattern ESCAPE '\\' OR s.name ILIKE :pattern ESCAPE '\\')`, {
        pattern: `%${escapeLike(f.search.trim())}%`,
      });
    }
    return qb;
  }
}
