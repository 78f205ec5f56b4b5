import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 14: who sent an edition despite failed pre-send checks, and which (campaign.override_*); the
 * welcome line the editor sets for new readers (publication.welcome_line); the welcome message sent once
 * per subscriber (subscriber.welcome_sent_at).
 */
export class SendGateWelcome1764700300000 implements MigrationInterface {
  name = 'SendGateWelcome1764700300000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE campaign
        ADD COLUMN override_by int,
        ADD COLUMN override_checks jsonb,
        ADD COLUMN override_at timestamptz,
        ADD CONSTRAINT campaign_override_by_fkey FOREIGN KEY (override_by) REFERENCES app_user(id) ON DELETE SET NULL;
      ALTER TABLE publication ADD COLUMN welcome_line text NOT NULL DEFAULT '';
      ALTER TABLE subscriber ADD COLUMN welcome_sent_at timestamptz;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE subscriber DROP COLUMN welcome_sent_at;
      ALTER TABLE publication DROP COLUMN welcome_line;
      ALTER TABLE campaign DROP CONSTRAINT campaign_override_by_fkey,
        DROP COLUMN override_at, DROP COLUMN override_checks, DROP COLUMN override_by;
    `);
  }
}
