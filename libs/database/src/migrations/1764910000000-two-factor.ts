import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Two-factor sign-in (issue 17). The TOTP secret is stored encrypted (AES-256-GCM under a key derived from
 * SECRET_KEY); a secret being enrolled waits in `totp_pending_secret` until the user proves their app has it.
 * `totp_last_step` is the last accepted time step, so a code cannot be used twice. Recovery codes are kept
 * as HMAC-SHA-256 digests; using one removes it. An admin's reset is recorded (when, by whom).
 */
export class TwoFactor1764910000000 implements MigrationInterface {
  name = 'TwoFactor1764910000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE app_user
      ADD COLUMN totp_secret text,
      ADD COLUMN totp_pending_secret text,
      ADD COLUMN totp_enabled_at timestamptz,
      ADD COLUMN totp_last_step bigint,
      ADD COLUMN recovery_code_hashes text[] NOT NULL DEFAULT '{}',
      ADD COLUMN totp_reset_at timestamptz,
      ADD COLUMN totp_reset_by int;`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE app_user
      DROP COLUMN totp_secret,
      DROP COLUMN totp_pending_secret,
      DROP COLUMN totp_enabled_at,
      DROP COLUMN totp_last_step,
      DROP COLUMN recovery_code_hashes,
      DROP COLUMN totp_reset_at,
      DROP COLUMN totp_reset_by;`);
  }
}
