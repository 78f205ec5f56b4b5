import type { EditionContent } from '@app/content';
import { Database, type EditionStatus } from '@app/database';
import { Injectable } from '@nestjs/common';

/** What a campaign message is compiled from: the edition's content and its publication. */
export interface EditionToCompile {
  slug: string;
  subject: string;
  content: EditionContent;
  pub_name: string;
  pub_slug: string;
}

/** An edition a campaign (or the pre-send check) would send, with its status. */
export interface EditionForSend extends EditionToCompile {
  id: number;
  status: EditionStatus;
}

/**
 * The edition as its campaign sees it: what the message is built from, and the edition's status, which
 * follows the campaign's (the editions' own queries are EditionRepository's).
 */
@Injectable()
export class CampaignEditionRepository {
  constructor(private readonly db: Database) {}

  findForSend(editionId: number): Promise<EditionForSend | undefined> {
    return this.db.one<EditionForSend>(
      `SELECT e.id, e.status, e.slug, e.subject, e.content, p.name AS pub_name, p.slug AS pub_slug
       FROM edition e JOIN publication p ON p.id = e.publication_id WHERE e.id = $1`,
      [editionId],
    );
  }

  /** The publication's latest sent edition (by sending time), as a message is compiled from it. */
  findLatestSent(publicationId: number): Promise<EditionToCompile | undefined> {
    return this.db.one<EditionToCompile>(
      `SELECT e.slug, e.subject, e.content, p.name AS pub_name, p.slug AS pub_slug
         FROM edition e JOIN publication p ON p.id = e.publication_id
        WHERE e.publication_id = $1 AND e.status = 'sent'
        ORDER BY e.sent_at DESC NULLS LAST, e.slug DESC LIMIT 1`,
      [publicationId],
    );
  }

  /** The edition of a campaign, as its message is compiled. */
  findForCampaign(campaignId: number): Promise<EditionToCompile | undefined> {
    return this.db.one<EditionToCompile>(
      `SELECT e.slug, e.subject, e.content, p.name AS pub_name, p.slug AS pub_slug
         FROM campaign c JOIN edition e ON e.id = c.edition_id JOIN publication p ON p.id = e.publication_id
        WHERE c.id = $1`,
      [campaignId],
    );
  }

  /** Sets the status of the campaign's edition; `sent` also stamps sent_at the first time. */
  async setStatusByCampaign(campaignId: number, status: EditionStatus): Promise<void> {
    await this.db.rows(
      `UPDATE edition e SET status = $2::varchar, updated_at = now(),
              sent_at = CASE WHEN $2::varchar = 'sent' THEN coalesce(e.sent_at, now()) ELSE e.sent_at END
         FROM campaign c WHERE c.id = $1 AND e.id = c.edition_id`,
      [campaignId, status],
    );
  }
}
