import { Database } from '@app/database';
import { Injectable } from '@nestjs/common';

/** A row of `publication`. */
export interface PublicationRecord {
  id: number;
  slug: string;
  name: string;
  description: string;
}

/** The publications a deployment sends (one today: the initial migration writes it). */
@Injectable()
export class PublicationRepository {
  constructor(private readonly db: Database) {}

  /** Every publication, oldest first: the first is the one pages and confirmations speak for. */
  all(): Promise<PublicationRecord[]> {
    return this.db.rows<PublicationRecord>(`SELECT id, slug, name, description FROM publication ORDER BY id`);
  }

  /** publication.welcome_line, or undefined when there is no such publication. */
  async welcomeLine(id: number): Promise<string | undefined> {
    const row = await this.db.one<{ welcome_line: string }>(
      `SELECT welcome_line FROM publication WHERE id = $1`,
      [id],
    );
    return row?.welcome_line;
  }

  async setWelcomeLine(id: number, line: string): Promise<void> {
    await this.db.rows(`UPDATE publication SET welcome_line = $2 WHERE id = $1`, [id, line]);
  }
}
