import type { EditionStatus } from '@app/database';
import type { EditionContent } from '@app/email';
import { NotFoundException } from '@nestjs/common';
import { type Queryable, queryRows } from './query-rows';

/** An edition with what its campaign message is compiled from (content and publication). */
export interface EditionForSend {
  id: number;
  status: EditionStatus;
  slug: string;
  subject: string;
  content: EditionContent;
  pub_name: string;
  pub_slug: string;
}

/** Loads the edition a campaign (or the pre-send check) would send; 404 if there is none. */
export async function loadEditionForSend(q: Queryable, editionId: number): Promise<EditionForSend> {
  const [edition] = await queryRows<EditionForSend>(
    q,
    `SELECT e.id, e.status, e.slug, e.subject, e.content, p.name AS pub_name, p.slug AS pub_slug
       FROM edition e JOIN publication p ON p.id = e.publication_id WHERE e.id = $1`,
    [editionId],
  );
  if (!edition) throw new NotFoundException(`Edition ${editionId} does not exist`);
  return edition;
}
