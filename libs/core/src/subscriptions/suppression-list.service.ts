import { AppConfig } from '@app/config';
import type { Queryable } from '@app/database';
import { Injectable } from '@nestjs/common';
import { createHmac } from 'node:crypto';
import { SuppressionRepository } from './suppression.repository';

/**
 * Addresses erased at their owner's request, kept only as an HMAC keyed with SECRET_KEY: enough to refuse
 * an import that would silently re-add the person, useless for recovering the address. (Changing SECRET_KEY
 * therefore forgets the list, like it kills every emailed link.)
 */
@Injectable()
export class SuppressionList {
  private readonly key: Buffer;

  constructor(
    config: AppConfig,
    private readonly suppressions: SuppressionRepository,
  ) {
    this.key = createHmac('sha256', config.secretKey).update('suppression-list').digest();
  }

  /** Case-insensitive, like the subscriber unique index. */
  hash(normalizedEmail: string): string {
    return createHmac('sha256', this.key).update(normalizedEmail.toLowerCase()).digest('hex');
  }

  async add(normalizedEmail: string, reason: string, tx?: Queryable): Promise<void> {
    await this.suppressions.add(this.hash(normalizedEmail), reason, tx);
  }
}
