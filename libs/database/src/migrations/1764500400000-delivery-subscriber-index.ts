import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Erasure and a reader's data export look up a subscriber's deliveries. The only index starting with
 * subscriber_id was none: (campaign_id, subscriber_id) made both scan one index entry per delivery of every
 * campaign, growing with campaigns x subscribers.
 *
 * Built CONCURRENTLY so a deployment does not block the delivery ledger (a running send writes to it) for
 * the length of the build; that cannot run inside a transaction, hence `transaction = false` and one
 * statement per query. A build that failed half-way leaves an INVALID index behind; dropping it first makes
 * the migration safe to run again.
 */
export class DeliverySubscriberIndex1764500400000 implements MigrationInterface {
  name = 'DeliverySubscriberIndex1764500400000';
  transaction = false;

  async up(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX CONCURRENTLY IF EXISTS delivery_subscriber_id_idx`);
    await q.query(`CREATE INDEX CONCURRENTLY delivery_subscriber_id_idx ON delivery (subscriber_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX CONCURRENTLY IF EXISTS delivery_subscriber_id_idx`);
  }
}
