import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The total cap on confirmation emails to one pending address (issue 11): how many went out in the current
 * window, and when that window began (the first of them). Confirming clears both.
 */
export class ConfirmationCap1764500300000 implements MigrationInterface {
  name = 'ConfirmationCap1764500300000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE subscriber
        ADD COLUMN confirmation_count int NOT NULL DEFAULT 0,
        ADD COLUMN confirmation_window_at timestamptz;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE subscriber DROP COLUMN confirmation_count, DROP COLUMN confirmation_window_at;`,
    );
  }
}
