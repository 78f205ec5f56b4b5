import { ApiToken, Session, User, UserRole } from '@app/database';
import { Injectable } from '@nestjs/common';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { DataSource, type EntityManager, IsNull } from 'typeorm';
import {
  AccountsError,
  API_TOKEN_NAME_MAX_LENGTH,
  API_TOKEN_PREFIX,
  type ApiTokenLookup,
  type ApiTokenView,
  type AuthenticatedUser,
  type CreatedApiToken,
  isRole,
  type NewSession,
  SESSION_TTL_MS,
  type SessionInfo,
  type UserView,
} from './accounts.types';
import { checkEmail } from '../subscriptions/email-address';
import { hashPassword, needsRehash, passwordProblem, verifyPasswordHash } from './password.hasher';

export function sha256Hex(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

/** Constant-time string comparison (via digests, so lengths leak nothing either). */
export function safeEqual(a: string, b: string): boolean {
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

function toUserView(u: User): UserView {
  return {
    id: u.id,
    email: u.email,
    role: u.role,
    disabled: u.disabledAt !== null,
    createdAt: u.createdAt.toISOString(),
  };
}

function toTokenView(t: ApiToken): ApiTokenView {
  return {
    id: t.id,
    userId: t.userId,
    name: t.name,
    prefix: t.prefix,
    createdAt: t.createdAt.toISOString(),
    lastUsedAt: t.lastUsedAt?.toISOString() ?? null,
    revokedAt: t.revokedAt?.toISOString() ?? null,
    expiresAt: t.expiresAt?.toISOString() ?? null,
  };
}

/**
 * Console users, their login sessions and personal API tokens.
 * Secrets (session cookies, API tokens) are 32 random bytes; only their SHA-256 is stored, so a database
 * leak does not hand out working credentials. Constructed by Nest, or directly with a DataSource (CLI).
 */
@Injectable()
export class AccountsService {
  /** A real hash of a random password, so a login for an unknown email costs the same as a wrong password. */
  private dummyHash?: Promise<string>;

  constructor(private readonly ds: DataSource) {}

  // ---- users ----

  async createUser(input: { email: string; role: string; password: string }): Promise<UserView> {
    // The subscriber rules (no control, zero-width or look-alike characters, ASCII domain); class-validator's
    // isEmail accepts those and throws on a lone UTF-16 surrogate.
    const checked = checkEmail(normalizeEmail(input.email));
    if (!checked.ok) throw new AccountsError('A valid email address is required', 'invalid');
    const email = checked.email;
    if (!isRole(input.role)) throw new AccountsError('Role must be one of admin, editor, ops', 'invalid');
    const problem = passwordProblem(input.password);
    if (problem) throw new AccountsError(problem, 'invalid');
    const passwordHash = await hashPassword(input.password);
    try {
      const saved = await this.ds
        .getRepository(User)
        .save(
          this.ds.getRepository(User).create({ email, role: input.role, passwordHash, disabledAt: null }),
        );
      return toUserView(saved);
    } catch (e) {
      if ((e as { code?: string }).code === '23505') {
        throw new AccountsError('A user with this email address already exists', 'conflict');
      }
      throw e;
    }
  }

  async listUsers(): Promise<UserView[]> {
    const users = await this.ds.getRepository(User).find({ order: { id: 'ASC' } });
    return users.map(toUserView);
  }

  async getUser(id: number): Promise<UserView> {
    const u = await this.ds.getRepository(User).findOneBy({ id });
    if (!u) throw new AccountsError('User not found', 'not-found');
    return toUserView(u);
  }

  /**
   * Changes role, password or disabled state. A password change or disabling ends the user's sessions and
   * revokes every API token they hold: a token made before a password change (perhaps by whoever knew the old
   * password) must not outlive it, and re-enabling a user does not bring old tokens back.
   * Refuses to leave the service without an active admin.
   */
  async updateUser(
    id: number,
    change: { role?: string; password?: string; disabled?: boolean },
  ): Promise<UserView> {
    const newRole = change.role;
    if (newRole !== undefined && !isRole(newRole)) {
      throw new AccountsError('Role must be one of admin, editor, ops', 'invalid');
    }
    if (change.password !== undefined) {
      const problem = passwordProblem(change.password);
      if (problem) throw new AccountsError(problem, 'invalid');
    }
    const passwordHash = change.password !== undefined ? await hashPassword(change.password) : undefined;
    return this.ds.transaction(async (m) => {
      const u = await m.getRepository(User).findOne({ where: { id }, lock: { mode: 'pessimistic_write' } });
      if (!u) throw new AccountsError('User not found', 'not-found');
      const losesAdmin =
        u.role === UserRole.Admin &&
        u.disabledAt === null &&
        ((newRole !== undefined && newRole !== UserRole.Admin) || change.disabled === true);
      if (losesAdmin) await this.assertAnotherActiveAdmin(m, u.id);
      if (newRole !== undefined) u.role = newRole;
      if (change.disabled !== undefined) u.disabledAt = change.disabled ? (u.disabledAt ?? new Date()) : null;
      if (passwordHash) u.passwordHash = passwordHash;
      await m.getRepository(User).save(u);
      if (passwordHash || change.disabled === true) {
        await m.getRepository(Session).delete({ userId: u.id });
        await m
          .getRepository(ApiToken)
          .update({ userId: u.id, revokedAt: IsNull() }, { revokedAt: () => 'now()' });
      }
      return toUserView(u);
    });
  }

  /** Deletes the user with their sessions and tokens (ON DELETE CASCADE). */
  async deleteUser(id: number): Promise<void> {
    await this.ds.transaction(async (m) => {
      const u = await m.getRepository(User).findOne({ where: { id }, lock: { mode: 'pessimistic_write' } });
      if (!u) throw new AccountsError('User not found', 'not-found');
      if (u.role === UserRole.Admin && u.disabledAt === null) await this.assertAnotherActiveAdmin(m, u.id);
      await m.getRepository(User).delete({ id });
    });
  }

  private async assertAnotherActiveAdmin(m: EntityManager, exceptId: number): Promise<void> {
    // lock every active admin row so two concurrent demotions cannot both pass this check
    const admins = await m
      .getRepository(User)
      .createQueryBuilder('u')
      .setLock('pessimistic_write')
      .where('u.role = :role AND u.disabled_at IS NULL AND u.id <> :id', {
        role: UserRole.Admin,
        id: exceptId,
      })
      .getMany();
    if (admins.length === 0)
      throw new AccountsError('The last active admin cannot be removed, disabled or demoted', 'conflict');
  }

  /**
   * The user for this email and password, or undefined. Unknown, disabled and wrong-password cases take the
   * same path (a full scrypt run each) so neither the answer nor its timing tells whether an account exists.
   */
  async verifyPassword(email: string, password: string): Promise<AuthenticatedUser | undefined> {
    if (typeof email !== 'string' || typeof password !== 'string' || password.length > 1024) return undefined;
    const u = await this.ds.getRepository(User).findOneBy({ email: normalizeEmail(email).slice(0, 254) });
    if (!u || u.disabledAt !== null) {
      await verifyPasswordHash(password, await this.getDummyHash());
      return undefined;
    }
    if (!(await verifyPasswordHash(password, u.passwordHash))) return undefined;
    if (needsRehash(u.passwordHash)) {
      await this.ds.getRepository(User).update({ id: u.id }, { passwordHash: await hashPassword(password) });
    }
    return { userId: u.id, email: u.email, role: u.role };
  }

  private getDummyHash(): Promise<string> {
    this.dummyHash ??= hashPassword(randomBytes(24).toString('base64url'));
    return this.dummyHash;
  }

  // ---- sessions ----

  async createSession(userId: number, now = new Date()): Promise<NewSession> {
    const user = await this.ds.getRepository(User).findOneBy({ id: userId });
    if (!user || user.disabledAt !== null) throw new AccountsError('User not found', 'not-found');
    const token = randomBytes(32).toString('base64url');
    const csrfToken = randomBytes(32).toString('base64url');
    const expiresAt = new Date(now.getTime() + SESSION_TTL_MS);
    await this.ds
      .getRepository(Session)
      .insert({ tokenHash: sha256Hex(token), userId, csrfToken, expiresAt });
    // housekeeping piggybacks on logins: expired rows are useless and logins are rare
    await this.ds.getRepository(Session).createQueryBuilder().delete().where('expires_at < now()').execute();
    return { token, csrfToken, expiresAt, userId, email: user.email, role: user.role };
  }

  /** The live session for a cookie value, or undefined (unknown, expired, or its user disabled). */
  async findSession(token: string): Promise<SessionInfo | undefined> {
    if (!token || token.length > 128) return undefined;
    const row = await this.ds
      .getRepository(Session)
      .createQueryBuilder('s')
      .innerJoin(User, 'u', 'u.id = s.user_id')
      .select([
        's.csrf_token AS csrf',
        's.expires_at AS expires',
        'u.id AS uid',
        'u.email AS email',
        'u.role AS role',
      ])
      .where('s.token_hash = :h AND s.expires_at > now() AND u.disabled_at IS NULL', { h: sha256Hex(token) })
      .getRawOne<{ csrf: string; expires: Date; uid: number; email: string; role: UserRole }>();
    if (!row) return undefined;
    return { userId: row.uid, email: row.email, role: row.role, csrfToken: row.csrf, expiresAt: row.expires };
  }

  async deleteSession(token: string): Promise<void> {
    if (!token) return;
    await this.ds.getRepository(Session).delete({ tokenHash: sha256Hex(token) });
  }

  // ---- personal API tokens ----

  /**
   * A new token for the user, optionally expiring at `expiresAt` (which must be in the future). Callers
   * make sure the request comes from a console session: a token cannot mint tokens.
   */
  async createApiToken(
    userId: number,
    name: string,
    expiresAt: Date | null = null,
  ): Promise<CreatedApiToken> {
    const label = name.trim();
    if (!label || label.length > API_TOKEN_NAME_MAX_LENGTH)
      throw new AccountsError(`Token name must be 1 to ${API_TOKEN_NAME_MAX_LENGTH} characters`, 'invalid');
    if (expiresAt !== null) {
      if (Number.isNaN(expiresAt.getTime()) || expiresAt.getUTCFullYear() > 9999)
        throw new AccountsError('expiresAt must be a valid date and time', 'invalid');
      if (expiresAt.getTime() <= Date.now())
        throw new AccountsError('expiresAt must be in the future', 'invalid');
    }
    const user = await this.ds.getRepository(User).findOneBy({ id: userId });
    if (!user || user.disabledAt !== null) throw new AccountsError('User not found', 'not-found');
    const token = API_TOKEN_PREFIX + randomBytes(32).toString('base64url');
    const repo = this.ds.getRepository(ApiToken);
    const saved = await repo.save(
      repo.create({
        userId,
        name: label,
        tokenHash: sha256Hex(token),
        prefix: token.slice(0, 12),
        lastUsedAt: null,
        revokedAt: null,
        expiresAt,
      }),
    );
    return { ...toTokenView(saved), token };
  }

  /** One user's tokens, or everyone's when userId is undefined (admins). */
  async listApiTokens(userId?: number): Promise<ApiTokenView[]> {
    const rows = await this.ds
      .getRepository(ApiToken)
      .find({ where: userId === undefined ? {} : { userId }, order: { id: 'ASC' } });
    return rows.map(toTokenView);
  }

  /** Revokes a token; with `ownerId`, only if it belongs to that user (otherwise it "does not exist"). */
  async revokeApiToken(id: number, ownerId?: number): Promise<ApiTokenView> {
    const repo = this.ds.getRepository(ApiToken);
    const t = await repo.findOneBy(ownerId === undefined ? { id } : { id, userId: ownerId });
    if (!t) throw new AccountsError('Token not found', 'not-found');
    if (t.revokedAt === null) {
      await repo.update({ id, revokedAt: IsNull() }, { revokedAt: new Date() });
      t.revokedAt = (await repo.findOneByOrFail({ id })).revokedAt;
    }
    return toTokenView(t);
  }

  /**
   * The owner of a live (not revoked, not expired, user not disabled) API token, and records its use; or
   * why the token does not work. Only a genuine, unrevoked token of an enabled user is told apart as
   * expired: anything else is 'unknown'.
   */
  async findApiToken(token: string): Promise<ApiTokenLookup> {
    if (!token.startsWith(API_TOKEN_PREFIX) || token.length > 128) return { ok: false, reason: 'unknown' };
    const row = await this.ds
      .getRepository(ApiToken)
      .createQueryBuilder('t')
      .innerJoin(User, 'u', 'u.id = t.user_id')
      .select(['t.id AS tid', 'u.id AS uid', 'u.email AS email', 'u.role AS role', 't.expires_at AS expires'])
      // the database clock decides expiry, as it does for sessions
      .addSelect('t.expires_at IS NOT NULL AND t.expires_at <= now()', 'expired')
      .where('t.token_hash = :h AND t.revoked_at IS NULL AND u.disabled_at IS NULL', { h: sha256Hex(token) })
      .getRawOne<{
        tid: number;
        uid: number;
        email: string;
        role: UserRole;
        expires: Date | null;
        expired: boolean;
      }>();
    if (!row) return { ok: false, reason: 'unknown' };
    if (row.expired) return { ok: false, reason: 'expired', expiredAt: new Date(row.expires!).toISOString() };
    // at most one write a minute per token: last_used_at is for humans, not an audit log
    await this.ds.query(
      `UPDATE api_token SET last_used_at = now()
        WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')`,
      [row.tid],
    );
    return { ok: true, owner: { tokenId: row.tid, userId: row.uid, email: row.email, role: row.role } };
  }
}
