import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What crash recovery of campaign sends needs: which worker process claimed a delivery (so a dead worker's
 * in-flight messages can be released without waiting for a long lease), when a retry is due (so a lost
 * retry job can be re-created with the right delay), and the heartbeat each worker process writes.
 */
export class DeliveryRecovery1764400000000 implements MigrationInterface {
  name = 'DeliveryRecovery1764400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE delivery
        ADD COLUMN claimed_by varchar(100),
        ADD COLUMN next_attempt_at timestamptz;

      CREATE TABLE worker_heartbeat (
        id varchar(100) PRIMARY KEY,
        host varchar(255) NOT NULL,
        pid int NOT NULL,
        started_at timestamptz NOT NULL DEFAULT now(),
        seen_at timestamptz NOT NULL DEFAULT now()
      );
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TABLE worker_heartbeat;
      ALTER TABLE delivery DROP COLUMN claimed_by, DROP COLUMN next_attempt_at;
    `);
  }
}
