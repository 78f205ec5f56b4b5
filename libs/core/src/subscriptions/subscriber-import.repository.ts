import { Database } from '@app/database';
import { Injectable } from '@nestjs/common';
import type { ConsentColumns } from './subscriber.repository';

/** One batch of valid CSV rows, as parallel arrays (unnest takes them in one parameter each). */
export interface ImportBatch {
  emails: string[];
  names: (string | null)[];
  /** SuppressionList hashes of the addresses. */
  hashes: string[];
  /** The CSV line of each row, for the report. */
  lines: number[];
}

/** What a batch did, row by row: a new subscriber's id, or the line of a suppressed address. */
export type ImportedRow = { kind: 'new' | 'suppressed'; id: number | null; line: number | null };

/** What one batch of a suppress import did. */
export interface SuppressedBatch {
  /** Pending or confirmed subscribers made unsubscribed. */
  unsubscribed: number;
  /** Unknown addresses added to the suppression list. */
  added: number;
  /** Unknown addresses that were on the list already. */
  listed: number;
}

/** The CSV import's writes: one statement per batch (the bench measures them). */
@Injectable()
export class SubscriberImportRepository {
  constructor(private readonly db: Database) {}

  /**
   * Inserts the batch's new addresses as `consent` subscribers with their 'imported' events, skipping
   * suppressed and existing ones, in one INSERT ... SELECT FROM unnest(...) ON CONFLICT DO NOTHING.
   * `optIn`: each new subscriber's confirmation window is claimed (its email is queued next).
   */
  insertBatch(
    b: ImportBatch,
    consent: 'pending' | 'confirmed',
    evidence: ConsentColumns,
    optIn: boolean,
    detail: string,
  ): Promise<ImportedRow[]> {
    return this.db.rows<ImportedRow>(
      // Each row's suppression lookup is made once, in `input`, and used both to skip the row and to report it.
      `WITH input AS MATERIALIZED (
         SELECT t.*, EXISTS (SELECT 1 FROM suppression s WHERE s.email_hash = t.hash) AS blocked
         FROM unnest($1::varchar[], $2::varchar[], $3::varchar[], $4::int[]) AS t(email, name, hash, line)
       ), ins AS (
         INSERT INTO subscriber (email, name, status, consent_at, consent_ip, consent_user_agent, consent_source,
                                 confirmed_at, confirmation_sent_at, confirmation_count, confirmation_window_at)
         SELECT i.email, i.name, $5::varchar, now(), $6, $7, $8,
                CASE WHEN $5::varchar = 'confirmed' THEN now() END, CASE WHEN $9::boolean THEN now() END,
                CASE WHEN $9::boolean THEN 1 ELSE 0 END, CASE WHEN $9::boolean THEN now() END
         FROM input i
         WHERE NOT i.blocked
         ORDER BY i.line
         ON CONFLICT (lower(email)) DO NOTHING
         RETURNING id
       ), ev AS (
         INSERT INTO subscriber_event (subscriber_id, type, to_status, ip, user_agent, source, detail)
         SELECT id, 'imported', $5::varchar, $6, $7, $8, $10 FROM ins
       )
       SELECT 'new' AS kind, id, NULL::int AS line FROM ins
       UNION ALL
       SELECT 'suppressed', NULL, line FROM input WHERE blocked`,
      [b.emails, b.names, b.hashes, b.lines, consent, ...evidence, optIn, detail],
    );
  }

  /** Releases the confirmation windows claimed for `ids` when their emails could not be queued. */
  async releaseConfirmations(ids: number[]): Promise<void> {
    await this.db.rows(
      `UPDATE subscriber SET confirmation_sent_at = NULL, confirmation_count = 0, confirmation_window_at = NULL
           WHERE id = ANY($1::int[])`,
      [ids],
    );
  }

  /**
   * A suppress import's batch, in one statement: each distinct address of the batch that is a pending or
   * confirmed subscriber becomes unsubscribed with an 'unsubscribed' event carrying `evidence` (ip,
   * user_agent, source, detail); each address that is no subscriber goes on the suppression list as its
   * keyed hash (`b.hashes`; the address itself is not stored). Subscribers already unsubscribed, bounced or
   * complained are left as they are. The UPDATE re-checks the status on the row it locks, so a concurrent
   * change is not overwritten by this snapshot's view of it.
   */
  async suppressBatch(b: ImportBatch, evidence: (string | null)[], reason: string): Promise<SuppressedBatch> {
    const row = await this.db.one<SuppressedBatch>(
      `WITH input AS MATERIALIZED (
         SELECT DISTINCT ON (lower(t.email)) t.email, t.hash, t.line
         FROM unnest($1::varchar[], $2::varchar[], $3::int[]) AS t(email, hash, line)
         ORDER BY lower(t.email), t.line
       ), matched AS MATERIALIZED (
         SELECT i.hash, s.id AS subscriber_id
         FROM input i LEFT JOIN subscriber s ON lower(s.email) = lower(i.email)
       ), upd AS (
         UPDATE subscriber s
            SET status = 'unsubscribed', unsubscribed_at = now(), updated_at = now()
           FROM matched m, subscriber old
          WHERE s.id = m.subscriber_id AND old.id = s.id AND s.status IN ('pending', 'confirmed')
         RETURNING s.id, old.status AS from_status
       ), ev AS (
         INSERT INTO subscriber_event (subscriber_id, type, from_status, to_status, ip, user_agent, source, detail)
         SELECT id, 'unsubscribed', from_status, 'unsubscribed', $4, $5, $6, $7 FROM upd
       ), sup AS (
         INSERT INTO suppression (email_hash, reason)
         SELECT hash, $8 FROM matched WHERE subscriber_id IS NULL
         ON CONFLICT (email_hash) DO NOTHING
         RETURNING 1
       )
       SELECT (SELECT count(*) FROM upd)::int AS unsubscribed,
              (SELECT count(*) FROM sup)::int AS added,
              ((SELECT count(*) FROM matched WHERE subscriber_id IS NULL) - (SELECT count(*) FROM sup))::int AS listed`,
      [b.emails, b.hashes, b.lines, ...evidence, reason],
    );
    return row!;
  }
}
