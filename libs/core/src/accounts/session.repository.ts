import { Database, type Queryable, UserRole } from '@app/database';
import { Injectable } from '@nestjs/common';

/** A live session with its user, as a request is authenticated. */
export interface LiveSession {
  userId: number;
  email: string;
  role: UserRole;
  csrfToken: string;
  expiresAt: Date;
}

/** Console login sessions (user_session); only the SHA-256 of the cookie value is stored. */
@Injectable()
export class SessionRepository {
  constructor(private readonly db: Database) {}

  async insert(s: { tokenHash: string; userId: number; csrfToken: string; expiresAt: Date }): Promise<void> {
    await this.db.rows(
      `INSERT INTO user_session (token_hash, user_id, csrf_token, expires_at) VALUES ($1, $2, $3, $4)`,
      [s.tokenHash, s.userId, s.csrfToken, s.expiresAt],
    );
  }

  /** Expired sessions are useless: forgotten. */
  async deleteExpired(): Promise<void> {
    await this.db.rows(`DELETE FROM user_session WHERE expires_at < now()`);
  }

  /** The unexpired session with this hash, if its user is enabled. */
  findLive(tokenHash: string): Promise<LiveSession | undefined> {
    return this.db.one<LiveSession>(
      `SELECT u.id AS "userId", u.email, u.role, s.csrf_token AS "csrfToken", s.expires_at AS "expiresAt"
       FROM user_session s JOIN app_user u ON u.id = s.user_id
       WHERE s.token_hash = $1 AND s.expires_at > now() AND u.disabled_at IS NULL`,
      [tokenHash],
    );
  }

  async delete(tokenHash: string): Promise<void> {
    await this.db.rows(`DELETE FROM user_session WHERE token_hash = $1`, [tokenHash]);
  }

  /** Ends every session of the user. */
  async deleteAllOf(userId: number, tx?: Queryable): Promise<void> {
    await this.db.rows(`DELETE FROM user_session WHERE user_id = $1`, [userId], tx);
  }
}
