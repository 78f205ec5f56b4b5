import { Database, type Queryable } from '@app/database';
import { Injectable } from '@nestjs/common';
import { type ChangeEvidence, eventEvidence, type SubscriberEventType } from './subscriber-events';

/** A row of subscriber_event, camelCase (the entity's field names). */
export interface SubscriberEventRecord {
  id: number;
  subscriberId: number;
  type: string;
  fromStatus: string | null;
  toStatus: string | null;
  ip: string | null;
  userAgent: string | null;
  source: string | null;
  detail: string | null;
  /** The campaign an unsubscribe came from (issue 15). */
  campaignId: number | null;
  createdAt: Date;
}

/** One event as the reader's data export and the admin API show it (the admin API adds `detail`). */
export type SubscriberHistoryEntry = Pick<
  SubscriberEventRecord,
  'type' | 'fromStatus' | 'toStatus' | 'ip' | 'userAgent' | 'source'
> & { at: string };

export function historyEntry(e: SubscriberEventRecord): SubscriberHistoryEntry {
  return {
    at: e.createdAt.toISOString(),
    type: e.type,
    fromStatus: e.fromStatus,
    toStatus: e.toStatus,
    ip: e.ip,
    userAgent: e.userAgent,
    source: e.source,
  };
}

const EVENT_COLUMNS = `id, subscriber_id AS "subscriberId", type, from_status AS "fromStatus",
  to_status AS "toStatus", ip, user_agent AS "userAgent", source, detail, campaign_id AS "campaignId", created_at AS "createdAt"`;

/** A subscriber's history (subscriber_event is append-only, except erasure). */
@Injectable()
export class SubscriberEventRepository {
  constructor(private readonly db: Database) {}

  /** Appends one event with its evidence (clipped to the columns' sizes). */
  async record(
    subscriberId: number,
    type: SubscriberEventType,
    change: { from?: string | null; to?: string | null },
    ev: ChangeEvidence,
    tx?: Queryable,
  ): Promise<void> {
    await this.db.rows(
      `INSERT INTO subscriber_event (subscriber_id, type, from_status, to_status, ip, user_agent, source, detail,
         campaign_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [
        subscriberId,
        type,
        change.from ?? null,
        change.to ?? null,
        ...eventEvidence(ev),
        ev.campaignId ?? null,
      ],
      tx,
    );
  }

  /** Whether a confirmation email was recorded as sent at or after `since`. */
  async confirmationSentSince(subscriberId: number, since: Date): Promise<boolean> {
    const rows = await this.db.rows(
      `SELECT 1 FROM subscriber_event
       WHERE subscriber_id = $1 AND type = 'confirmation_sent' AND created_at >= $2 LIMIT 1`,
      [subscriberId, since],
    );
    return rows.length > 0;
  }

  /** The latest `limit` events, newest first (the admin's view). */
  latest(subscriberId: number, limit: number): Promise<SubscriberEventRecord[]> {
    return this.db.rows<SubscriberEventRecord>(
      `SELECT ${EVENT_COLUMNS} FROM subscriber_event WHERE subscriber_id = $1 ORDER BY id DESC LIMIT $2`,
      [subscriberId, limit],
    );
  }

  /** The whole history, oldest first (the reader's data export). */
  history(subscriberId: number): Promise<SubscriberEventRecord[]> {
    return this.db.rows<SubscriberEventRecord>(
      `SELECT ${EVENT_COLUMNS} FROM subscriber_event WHERE subscriber_id = $1 ORDER BY id`,
      [subscriberId],
    );
  }

  /** Erasure: the history goes with the person. */
  async deleteAll(subscriberId: number, tx?: Queryable): Promise<void> {
    await this.db.rows(`DELETE FROM subscriber_event WHERE subscriber_id = $1`, [subscriberId], tx);
  }
}
