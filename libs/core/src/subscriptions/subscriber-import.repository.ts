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
}
