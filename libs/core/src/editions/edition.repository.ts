import type { EditionContent } from '@app/content';
import { Database, type EditionStatus, type Queryable } from '@app/database';
import { Injectable } from '@nestjs/common';

/** A row of `edition`, camelCase (the entity's field names). */
export interface EditionRecord {
  id: number;
  publicationId: number;
  slug: string;
  subject: string;
  content: EditionContent;
  status: EditionStatus;
  sentAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

const EDITION_COLUMNS = `id, publication_id AS "publicationId", slug, subject, content, status,
  sent_at AS "sentAt", created_at AS "createdAt", updated_at AS "updatedAt"`;

/** What an edit of a draft did. */
export type DraftUpdate = 'updated' | 'not-a-draft' | 'month-taken';

/** PostgreSQL's unique_violation. */
const UNIQUE_VIOLATION = '23505';

/** Editions (a month has at most one per publication; only a draft may be replaced or edited). */
@Injectable()
export class EditionRepository {
  constructor(private readonly db: Database) {}

  /**
   * Saves `content` as its month's draft in the publication, in one statement: inserts, or replaces the
   * month's existing draft. The edition's id, or undefined when that month is scheduled, sending or sent
   * (never overwritten).
   */
  async upsertDraft(
    publicationId: number,
    content: EditionContent,
    tx?: Queryable,
  ): Promise<number | undefined> {
    const row = await this.db.one<{ id: number }>(
      `INSERT INTO edition (publication_id, slug, subject, content, status)
       VALUES ($1, $2, $3, $4, 'draft')
       ON CONFLICT (publication_id, slug) DO UPDATE
         SET subject = EXCLUDED.subject, content = EXCLUDED.content, updated_at = now()
         WHERE edition.status = 'draft'
       RETURNING id`,
      [publicationId, content.slug, content.subject, JSON.stringify(content)],
      tx,
    );
    return row?.id;
  }

  /** Replaces a draft's content (its month may change, if that month is free in the publication). */
  async updateDraft(id: number, content: EditionContent): Promise<DraftUpdate> {
    try {
      const row = await this.db.one(
        `UPDATE edition SET slug = $2, subject = $3, content = $4, updated_at = now()
         WHERE id = $1 AND status = 'draft' RETURNING id`,
        [id, content.slug, content.subject, JSON.stringify(content)],
      );
      return row ? 'updated' : 'not-a-draft';
    } catch (err) {
      if ((err as { code?: string }).code === UNIQUE_VIOLATION) return 'month-taken';
      throw err;
    }
  }

  findById(id: number): Promise<EditionRecord | undefined> {
    return this.db.one<EditionRecord>(`SELECT ${EDITION_COLUMNS} FROM edition WHERE id = $1`, [id]);
  }

  /** The publication's edition of that month, if any. */
  findByMonth(publicationId: number, slug: string): Promise<EditionRecord | undefined> {
    return this.db.one<EditionRecord>(
      `SELECT ${EDITION_COLUMNS} FROM edition WHERE publication_id = $1 AND slug = $2`,
      [publicationId, slug],
    );
  }

  /** Every edition, newest month first. */
  all(): Promise<EditionRecord[]> {
    return this.db.rows<EditionRecord>(`SELECT ${EDITION_COLUMNS} FROM edition ORDER BY slug DESC, id DESC`);
  }

  /** Sent editions, newest month first (the public archive). */
  allSent(): Promise<EditionRecord[]> {
    return this.db.rows<EditionRecord>(
      `SELECT ${EDITION_COLUMNS} FROM edition WHERE status = 'sent' ORDER BY slug DESC, id DESC`,
    );
  }

  /** The sent edition of a month (the first, should two publications have one). */
  findSentByMonth(slug: string): Promise<EditionRecord | undefined> {
    return this.db.one<EditionRecord>(
      `SELECT ${EDITION_COLUMNS} FROM edition WHERE slug = $1 AND status = 'sent' ORDER BY id LIMIT 1`,
      [slug],
    );
  }
}
