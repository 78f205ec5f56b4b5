import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 16: the check job asked "did any delivery of this campaign change in the last 10 s?" with
 * max(updated_at) over all of the campaign's ledger rows, every 5 s: 0.6 s of PostgreSQL per check on a
 * 1,000,000-recipient campaign. The jobs that move the ledger now stamp the campaign instead (at most once a
 * second), and the check reads that one row.
 */
export class CampaignProgress1765000000000 implements MigrationInterface {
  name = 'CampaignProgress1765000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE campaign ADD COLUMN progressed_at timestamptz;`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE campaign DROP COLUMN progressed_at;`);
  }
}
