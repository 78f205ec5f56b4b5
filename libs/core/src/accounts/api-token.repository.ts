import { Database, type Queryable, UserRole } from '@app/database';
import { Injectable } from '@nestjs/common';

/** A row of api_token without its hash, camelCase. */
export interface ApiTokenRecord {
  id: number;
  userId: number;
  name: string;
  prefix: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
  expiresAt: Date | null;
}

/** A presented token that is not revoked and whose user is enabled, with its owner. */
export interface ActiveApiToken {
  tokenId: number;
  userId: number;
  email: string;
  role: UserRole;
  expiresAt: Date | null;
  /** By the database clock, as sessions are. */
  expired: boolean;
}

const TOKEN_COLUMNS = `id, user_id AS "userId", name, prefix, created_at AS "createdAt",
  last_used_at AS "lastUsedAt", revoked_at AS "revokedAt", expires_at AS "expiresAt"`;

/** Personal API tokens (api_token); only the SHA-256 of the token is stored. */
@Injectable()
export class ApiTokenRepository {
  constructor(private readonly db: Database) {}

  async insert(t: {
    userId: number;
    name: string;
    tokenHash: string;
    prefix: string;
    expiresAt: Date | null;
  }): Promise<ApiTokenRecord> {
    const row = await this.db.one<ApiTokenRecord>(
      `INSERT INTO api_token (user_id, name, token_hash, prefix, expires_at) VALUES ($1, $2, $3, $4, $5)
       RETURNING ${TOKEN_COLUMNS}`,
      [t.userId, t.name, t.tokenHash, t.prefix, t.expiresAt],
    );
    return row!;
  }

  /** One user's tokens, or everyone's when userId is undefined, oldest first. */
  list(userId?: number): Promise<ApiTokenRecord[]> {
    return this.db.rows<ApiTokenRecord>(
      `SELECT ${TOKEN_COLUMNS} FROM api_token WHERE $1::int IS NULL OR user_id = $1 ORDER BY id`,
      [userId ?? null],
    );
  }

  /** The token with this id, only if it belongs to `ownerId` when one is given. */
  find(id: number, ownerId?: number): Promise<ApiTokenRecord | undefined> {
    return this.db.one<ApiTokenRecord>(
      `SELECT ${TOKEN_COLUMNS} FROM api_token WHERE id = $1 AND ($2::int IS NULL OR user_id = $2)`,
      [id, ownerId ?? null],
    );
  }

  /** Revokes the token (an earlier revocation keeps its time); the token as it now is. */
  revoke(id: number): Promise<ApiTokenRecord | undefined> {
    return this.db.one<ApiTokenRecord>(
      `UPDATE api_token SET revoked_at = COALESCE(revoked_at, now()) WHERE id = $1 RETURNING ${TOKEN_COLUMNS}`,
      [id],
    );
  }

  /** Revokes every live token of the user. */
  async revokeAllOf(userId: number, tx?: Queryable): Promise<void> {
    await this.db.rows(
      `UPDATE api_token SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL`,
      [userId],
      tx,
    );
  }

  /** The unrevoked token with this hash, if its user is enabled (expired or not). */
  findActive(tokenHash: string): Promise<ActiveApiToken | undefined> {
    return this.db.one<ActiveApiToken>(
      `SELECT t.id AS "tokenId", u.id AS "userId", u.email, u.role, t.expires_at AS "expiresAt",
              t.expires_at IS NOT NULL AND t.expires_at <= now() AS expired
       FROM api_token t JOIN app_user u ON u.id = t.user_id
       WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND u.disabled_at IS NULL`,
      [tokenHash],
    );
  }

  /** Records a use, at most once a minute per token: last_used_at is for humans, not an audit log. */
  async touch(id: number): Promise<void> {
    await this.db.rows(
      `UPDATE api_token SET last_used_at = now()
        WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')`,
      [id],
    );
  }
}
