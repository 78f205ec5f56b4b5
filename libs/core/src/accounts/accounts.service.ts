import { Database, type Queryable, UserRole } from '@app/database';
import { Injectable } from '@nestjs/common';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
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
import { type ApiTokenRecord, ApiTokenRepository } from './api-token.repository';
import { hashPassword, needsRehash, passwordProblem, verifyPasswordHash } from './password.hasher';
import { SessionRepository } from './session.repository';
import { type UserRecord, UserRepository } from './user.repository';

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

function toUserView(u: UserRecord): UserView {
  return {
    id: u.id,
    email: u.email,
    role: u.role,
    disabled: u.disabledAt !== null,
    createdAt: u.createdAt.toISOString(),
    twoFactor: u.twoFactor,
  };
}

function toTokenView(t: ApiTokenRecord): ApiTokenView {
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
 * leak does not hand out working credentials. Constructed by Nest, or directly with its repositories (CLI).
 */
@Injectable()
export class AccountsService {
  /** A real hash of a random password, so a login for an unknown email costs the same as a wrong password. */
  private dummyHash?: Promise<string>;

  constructor(
    private readonly db: Database,
    private readonly users: UserRepository,
    private readonly sessions: SessionRepository,
    private readonly tokens: ApiTokenRepository,
  ) {}

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
      return toUserView(await this.users.insert({ email, role: input.role, passwordHash }));
    } catch (e) {
      if ((e as { code?: string }).code === '23505') {
        throw new AccountsError('A user with this email address already exists', 'conflict');
      }
      throw e;
    }
  }

  async listUsers(): Promise<UserView[]> {
    return (await this.users.all()).map(toUserView);
  }

  async getUser(id: number): Promise<UserView> {
    const u = await this.users.findById(id);
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
    return this.db.transaction(async (tx) => {
      const u = await this.users.lock(id, tx);
      if (!u) throw new AccountsError('User not found', 'not-found');
      const losesAdmin =
        u.role === UserRole.Admin &&
        u.disabledAt === null &&
        ((newRole !== undefined && newRole !== UserRole.Admin) || change.disabled === true);
      if (losesAdmin) await this.assertAnotherActiveAdmin(u.id, tx);
      const updated = await this.users.update(
        id,
        { role: newRole, passwordHash, disabled: change.disabled },
        tx,
      );
      if (passwordHash || change.disabled === true) {
        await this.sessions.deleteAllOf(u.id, tx);
        await this.tokens.revokeAllOf(u.id, tx);
      }
      return toUserView(updated);
    });
  }

  /** Deletes the user with their sessions and tokens (ON DELETE CASCADE). */
  async deleteUser(id: number): Promise<void> {
    await this.db.transaction(async (tx) => {
      const u = await this.users.lock(id, tx);
      if (!u) throw new AccountsError('User not found', 'not-found');
      if (u.role === UserRole.Admin && u.disabledAt === null) await this.assertAnotherActiveAdmin(u.id, tx);
      await this.users.delete(id, tx);
    });
  }

  private async assertAnotherActiveAdmin(exceptId: number, tx: Queryable): Promise<void> {
    // every other active admin row is locked, so two concurrent demotions cannot both pass this check
    if ((await this.users.lockOtherActiveAdmins(exceptId, tx)) === 0)
      throw new AccountsError('The last active admin cannot be removed, disabled or demoted', 'conflict');
  }

  /**
   * The user for this email and password, or undefined. Unknown, disabled and wrong-password cases take the
   * same path (a full scrypt run each) so neither the answer nor its timing tells whether an account exists.
   */
  async verifyPassword(email: string, password: string): Promise<AuthenticatedUser | undefined> {
    if (typeof email !== 'string' || typeof password !== 'string' || password.length > 1024) return undefined;
    const u = await this.users.findByEmail(normalizeEmail(email).slice(0, 254));
    if (!u || u.disabledAt !== null) {
      await verifyPasswordHash(password, await this.getDummyHash());
      return undefined;
    }
    if (!(await verifyPasswordHash(password, u.passwordHash))) return undefined;
    if (needsRehash(u.passwordHash)) {
      await this.users.setPasswordHash(u.id, await hashPassword(password));
    }
    return { userId: u.id, email: u.email, role: u.role };
  }

  private getDummyHash(): Promise<string> {
    this.dummyHash ??= hashPassword(randomBytes(24).toString('base64url'));
    return this.dummyHash;
  }

  // ---- sessions ----

  async createSession(userId: number, now = new Date()): Promise<NewSession> {
    const user = await this.users.findById(userId);
    if (!user || user.disabledAt !== null) throw new AccountsError('User not found', 'not-found');
    const token = randomBytes(32).toString('base64url');
    const csrfToken = randomBytes(32).toString('base64url');
    const expiresAt = new Date(now.getTime() + SESSION_TTL_MS);
    await this.sessions.insert({ tokenHash: sha256Hex(token), userId, csrfToken, expiresAt });
    // housekeeping piggybacks on logins: expired rows are useless and logins are rare
    await this.sessions.deleteExpired();
    return { token, csrfToken, expiresAt, userId, email: user.email, role: user.role };
  }

  /** The live session for a cookie value, or undefined (unknown, expired, or its user disabled). */
  async findSession(token: string): Promise<SessionInfo | undefined> {
    if (!token || token.length > 128) return undefined;
    return this.sessions.findLive(sha256Hex(token));
  }

  async deleteSession(token: string): Promise<void> {
    if (!token) return;
    await this.sessions.delete(sha256Hex(token));
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
    const user = await this.users.findById(userId);
    if (!user || user.disabledAt !== null) throw new AccountsError('User not found', 'not-found');
    const token = API_TOKEN_PREFIX + randomBytes(32).toString('base64url');
    const saved = await this.tokens.insert({
      userId,
      name: label,
      tokenHash: sha256Hex(token),
      prefix: token.slice(0, 12),
      expiresAt,
    });
    return { ...toTokenView(saved), token };
  }

  /** One user's tokens, or everyone's when userId is undefined (admins). */
  async listApiTokens(userId?: number): Promise<ApiTokenView[]> {
    return (await this.tokens.list(userId)).map(toTokenView);
  }

  /** Revokes a token; with `ownerId`, only if it belongs to that user (otherwise it "does not exist"). */
  async revokeApiToken(id: number, ownerId?: number): Promise<ApiTokenView> {
    const t = await this.tokens.find(id, ownerId);
    if (!t) throw new AccountsError('Token not found', 'not-found');
    if (t.revokedAt !== null) return toTokenView(t);
    // Deleted with its user in the meantime: it does not exist any more.
    const revoked = await this.tokens.revoke(id);
    if (!revoked) throw new AccountsError('Token not found', 'not-found');
    return toTokenView(revoked);
  }

  /**
   * The owner of a live (not revoked, not expired, user not disabled) API token, and records its use; or
   * why the token does not work. Only a genuine, unrevoked token of an enabled user is told apart as
   * expired: anything else is 'unknown'.
   */
  async findApiToken(token: string): Promise<ApiTokenLookup> {
    if (!token.startsWith(API_TOKEN_PREFIX) || token.length > 128) return { ok: false, reason: 'unknown' };
    const row = await this.tokens.findActive(sha256Hex(token));
    if (!row) return { ok: false, reason: 'unknown' };
    if (row.expired) return { ok: false, reason: 'expired', expiredAt: row.expiresAt!.toISOString() };
    await this.tokens.touch(row.tokenId);
    return {
      ok: true,
      owner: { tokenId: row.tokenId, userId: row.userId, email: row.email, role: row.role },
    };
  }
}
