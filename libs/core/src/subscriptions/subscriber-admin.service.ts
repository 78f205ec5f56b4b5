import { Database, SubscriberStatus } from '@app/database';
import { Injectable } from '@nestjs/common';
import { decodeCursor, encodeCursor } from '../common/keyset-cursor';
import { checkName } from './email-address';
import { SubscriberNotFoundError, SubscriptionInputError } from './subscription.errors';
import { type SubscriberClick, subscriberClick, SubscriptionService } from './subscription.service';
import { SubscriberDeliveryRepository } from './subscriber-delivery.repository';
import { type SubscriberEventRecord, SubscriberEventRepository } from './subscriber-event.repository';
import { type ChangeEvidence, consentEvidence } from './subscriber-events';
import { type SubscriberFilter, SubscriberSearchRepository } from './subscriber-search.repository';
import { type SubscriberRecord, SubscriberRepository } from './subscriber.repository';

export interface SubscriberListQuery extends SubscriberFilter {
  cursor?: string;
  limit?: number;
}

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 500;
const EXPORT_BATCH = 2000;
/** The admin's view of one subscriber shows the latest events of its history. */
const HISTORY_SHOWN = 100;

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
    private readonly db: Database,
    private readonly subscribers: SubscriberRepository,
    private readonly search: SubscriberSearchRepository,
    private readonly events: SubscriberEventRepository,
    private readonly subscriptions: SubscriptionService,
    private readonly deliveries: SubscriberDeliveryRepository,
  ) {}

  async list(q: SubscriberListQuery): Promise<{ items: SubscriberRecord[]; nextCursor: string | null }> {
    const limit = Math.min(Math.max(q.limit ?? DEFAULT_PAGE_SIZE, 1), MAX_PAGE_SIZE);
    const before = q.cursor ? decodeCursor(q.cursor) : undefined;
    const rows = await this.search.page(q, before, limit + 1);
    const more = rows.length > limit;
    const items = more ? rows.slice(0, limit) : rows;
    const last = items[items.length - 1];
    return { items, nextCursor: more && last ? encodeCursor(last.id) : null };
  }

  /** How many (not erased) subscribers are in each status; every status is present, zero if none. */
  async countByStatus(): Promise<Record<SubscriberStatus, number>> {
    const rows = await this.search.countByStatus();
    const out = Object.fromEntries(Object.values(SubscriberStatus).map((s) => [s, 0])) as Record<
      SubscriberStatus,
      number
    >;
    for (const r of rows) if (Object.hasOwn(out, r.status)) out[r.status] = r.n;
    return out;
  }

  async get(
    id: number,
  ): Promise<{ subscriber: SubscriberRecord; events: SubscriberEventRecord[]; clicks: SubscriberClick[] }> {
    const subscriber = await this.subscribers.findById(id);
    if (!subscriber || subscriber.erasedAt) throw new SubscriberNotFoundError(id);
    const events = await this.events.latest(id, HISTORY_SHOWN);
    // Only TRACKING=individual records clicks per reader; in the other modes this is empty.
    const clicks = (await this.deliveries.latestClicksOf(id, HISTORY_SHOWN)).map(subscriberClick);
    return { subscriber, events, clicks };
  }

  /**
   * Name and status changes by an admin. Setting `confirmed` is the admin asserting consent; setting
   * `pending` does not send anything.
   */
  async patch(
    id: number,
    changes: { name?: string | null; status?: SubscriberStatus },
    ev: ChangeEvidence,
  ): Promise<SubscriberRecord> {
    await this.db.transaction(async (tx) => {
      const cur = await this.subscribers.lock(id, tx);
      if (!cur) throw new SubscriberNotFoundError(id);
      if (changes.name !== undefined) {
        const name = checkName(changes.name);
        if (!name.ok) throw new SubscriptionInputError(name.reason);
        if (name.name !== cur.name) {
          await this.subscribers.setName(id, name.name, tx);
          await this.events.record(id, 'name_changed', {}, ev, tx);
        }
      }
      if (changes.status !== undefined && changes.status !== cur.status) {
        const to = changes.status;
        await this.subscribers.setStatusByAdmin(id, to, consentEvidence(ev), tx);
        await this.events.record(id, 'status_changed', { from: cur.status, to }, ev, tx);
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
      const rows = await this.search.batchAfter(filter, after, EXPORT_BATCH);
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
}
