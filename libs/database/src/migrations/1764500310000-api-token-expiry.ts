import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Personal API tokens may expire (issue 11): null means the token works until it is revoked. */
export class ApiTokenExpiry1764500310000 implements MigrationInterface {
  name = 'ApiTokenExpiry1764500310000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE api_token ADD COLUMN expires_at timestamptz;`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE api_token DROP COLUMN expires_at;`);
  }
}
