import { Database, type Queryable, UserRole } from '@app/database';
import { Injectable } from '@nestjs/common';

/** A row of app_user, camelCase. */
export interface UserRecord {
  id: number;
  email: string;
  passwordHash: string;
  role: UserRole;
  disabledAt: Date | null;
  createdAt: Date;
  /** A second factor (TOTP) is set up. */
  twoFactor: boolean;
}

const USER_COLUMNS = `id, email, password_hash AS "passwordHash", role, disabled_at AS "disabledAt",
  created_at AS "createdAt", totp_secret IS NOT NULL AS "twoFactor"`;

/** Console users (app_user). */
@Injectable()
export class UserRepository {
  constructor(private readonly db: Database) {}

  /** A new enabled user; throws PostgreSQL's unique violation (23505) when the address is taken. */
  async insert(user: { email: string; role: UserRole; passwordHash: string }): Promise<UserRecord> {
    const row = await this.db.one<UserRecord>(
      `INSERT INTO app_user (email, role, password_hash) VALUES ($1, $2, $3) RETURNING ${USER_COLUMNS}`,
      [user.email, user.role, user.passwordHash],
    );
    return row!;
  }

  all(): Promise<UserRecord[]> {
    return this.db.rows<UserRecord>(`SELECT ${USER_COLUMNS} FROM app_user ORDER BY id`);
  }

  findById(id: number): Promise<UserRecord | undefined> {
    return this.db.one<UserRecord>(`SELECT ${USER_COLUMNS} FROM app_user WHERE id = $1`, [id]);
  }

  /** By the normalized (lower-case) address. */
  findByEmail(email: string): Promise<UserRecord | undefined> {
    return this.db.one<UserRecord>(`SELECT ${USER_COLUMNS} FROM app_user WHERE email = $1`, [email]);
  }

  /** Locks the user's row for a change made in `tx`. */
  lock(id: number, tx: Queryable): Promise<UserRecord | undefined> {
    return this.db.one<UserRecord>(`SELECT ${USER_COLUMNS} FROM app_user WHERE id = $1 FOR UPDATE`, [id], tx);
  }

  /**
   * Locks every active admin but `exceptId` and counts them: two concurrent demotions of the last two admins
   * then see each other's change instead of both passing the check.
   */
  async lockOtherActiveAdmins(exceptId: number, tx: Queryable): Promise<number> {
    const rows = await this.db.rows(
      `SELECT id FROM app_user WHERE role = $1 AND disabled_at IS NULL AND id <> $2 FOR UPDATE`,
      [UserRole.Admin, exceptId],
      tx,
    );
    return rows.length;
  }

  /**
   * Changes what is given (undefined: unchanged). Disabling keeps the time of an earlier disabling;
   * enabling clears it. The user as it now is.
   */
  async update(
    id: number,
    change: { role?: UserRole; passwordHash?: string; disabled?: boolean },
    tx: Queryable,
  ): Promise<UserRecord> {
    const row = await this.db.one<UserRecord>(
      `UPDATE app_user SET role = COALESCE($2, role), password_hash = COALESCE($3, password_hash),
         disabled_at = CASE WHEN $4::boolean IS NULL THEN disabled_at
                            WHEN $4::boolean THEN COALESCE(disabled_at, now()) ELSE NULL END
       WHERE id = $1 RETURNING ${USER_COLUMNS}`,
      [id, change.role ?? null, change.passwordHash ?? null, change.disabled ?? null],
      tx,
    );
    return row!;
  }

  /** A stronger hash of the same password (parameters raised since it was stored). */
  async setPasswordHash(id: number, passwordHash: string): Promise<void> {
    await this.db.rows(`UPDATE app_user SET password_hash = $2 WHERE id = $1`, [id, passwordHash]);
  }

  /** Deletes the user; sessions and tokens go with it (ON DELETE CASCADE). */
  async delete(id: number, tx: Queryable): Promise<void> {
    await this.db.rows(`DELETE FROM app_user WHERE id = $1`, [id], tx);
  }
}
