import { Database, type Queryable } from '@app/database';
import { Injectable } from '@nestjs/common';

/** Keyed hashes of erased addresses (see SuppressionList). Imports check them inside their own statement. */
@Injectable()
export class SuppressionRepository {
  constructor(private readonly db: Database) {}

  async add(emailHash: string, reason: string, tx?: Queryable): Promise<void> {
    await this.db.rows(
      `INSERT INTO suppression (email_hash, reason) VALUES ($1, $2) ON CONFLICT (email_hash) DO NOTHING`,
      [emailHash, reason],
      tx,
    );
  }
}
