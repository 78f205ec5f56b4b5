import { AppConfig } from '@app/config';
import { Injectable } from '@nestjs/common';
import { createHmac } from 'node:crypto';
import type { EntityManager } from 'typeorm';

/**
 * Addresses erased at their owner's request, kept only as an HMAC keyed with SECRET_KEY: enough to refuse
 * an import that would silently re-add the person, useless for recovering the address. (Changing SECRET_KEY
 * therefore forgets the list, like it kills every emailed link.)
 */
@Injectable()
export class SuppressionList {
  private readonly key: Buffer;

  constructor(config: AppConfig) {
    this.key = createHmac('sha256', config.secretKey).update('suppression-list').digest();
  }

  /** Case-insensitive, like the subscriber unique index. */
  hash(normalizedEmail: string): string {
    return createHmac('sha256', this.key).update(normalizedEmail.toLowerCase()).digest('hex');
  }

  async add(m: EntityManager, normalizedEmail: string, reason: string): Promise<void> {
    await m.query(
      `INSERT INTO suppression (email_hash, reason) VALUES ($1, $2) ON CONFLICT (email_hash) DO NOTHING`,
      [this.hash(normalizedEmail), reason],
    );
  }
}
