import { Database, type Queryable } from '@app/database';
import { Injectable } from '@nestjs/common';

/** A user's second factor as stored (secrets still encrypted). */
export interface TwoFactorRecord {
  userId: number;
  email: string;
  totpSecret: string | null;
  totpPendingSecret: string | null;
  totpEnabledAt: Date | null;
  /** bigint, as pg returns it. */
  totpLastStep: string | null;
  recoveryCodesLeft: number;
  totpResetAt: Date | null;
  totpResetBy: number | null;
}

/** The two-factor columns of app_user. Every write that consumes something is one conditional UPDATE. */
@Injectable()
export class TwoFactorRepository {
  constructor(private readonly db: Database) {}

  find(userId: number): Promise<TwoFactorRecord | undefined> {
    return this.db.one<TwoFactorRecord>(
      `SELECT id AS "userId", email, totp_secret AS "totpSecret", totp_pending_secret AS "totpPendingSecret",
              totp_enabled_at AS "totpEnabledAt", totp_last_step AS "totpLastStep",
              cardinality(recovery_code_hashes) AS "recoveryCodesLeft", totp_reset_at AS "totpResetAt",
              totp_reset_by AS "totpResetBy"
         FROM app_user WHERE id = $1`,
      [userId],
    );
  }

  /** Stores a secret being enrolled (replacing an earlier unconfirmed one); not while a factor is active. */
  async setPending(userId: number, encryptedSecret: string): Promise<boolean> {
    const rows = await this.db.rows(
      `UPDATE app_user SET totp_pending_secret = $2 WHERE id = $1 AND totp_secret IS NULL RETURNING id`,
      [userId, encryptedSecret],
    );
    return rows.length === 1;
  }

  /**
   * Makes the pending secret the active one, if it is still the one the code was checked against (a second
   * enrolment page opened meanwhile replaced it) and no factor is active yet.
   */
  async enable(
    userId: number,
    pendingSecret: string,
    step: number,
    recoveryHashes: string[],
  ): Promise<boolean> {
    const rows = await this.db.rows(
      `UPDATE app_user SET totp_secret = totp_pending_secret, totp_pending_secret = NULL, totp_enabled_at = now(),
              totp_last_step = $3, recovery_code_hashes = $4
        WHERE id = $1 AND totp_secret IS NULL AND totp_pending_secret = $2 RETURNING id`,
      [userId, pendingSecret, step, recoveryHashes],
    );
    return rows.length === 1;
  }

  /** Records an accepted time step; false when this step (or a later one) was already used: a replay. */
  async acceptStep(userId: number, step: number): Promise<boolean> {
    const rows = await this.db.rows(
      `UPDATE app_user SET totp_last_step = $2
        WHERE id = $1 AND totp_secret IS NOT NULL AND (totp_last_step IS NULL OR totp_last_step < $2) RETURNING id`,
      [userId, step],
    );
    return rows.length === 1;
  }

  /** Removes one unused recovery code; false when it is not (or no longer) among the user's codes. */
  async useRecoveryCode(userId: number, hash: string): Promise<boolean> {
    const rows = await this.db.rows(
      `UPDATE app_user SET recovery_code_hashes = array_remove(recovery_code_hashes, $2)
        WHERE id = $1 AND totp_secret IS NOT NULL AND $2 = ANY(recovery_code_hashes) RETURNING id`,
      [userId, hash],
    );
    return rows.length === 1;
  }

  /** Removes the second factor and its recovery codes, recording when and by whom. */
  async reset(userId: number, byUserId: number | null, tx: Queryable): Promise<boolean> {
    const rows = await this.db.rows(
      `UPDATE app_user SET totp_secret = NULL, totp_pending_secret = NULL, totp_enabled_at = NULL,
              totp_last_step = NULL, recovery_code_hashes = '{}', totp_reset_at = now(), totp_reset_by = $2
        WHERE id = $1 RETURNING id`,
      [userId, byUserId],
      tx,
    );
    return rows.length === 1;
  }
}
