import { UserRole } from '@app/database';
import { DomainError, type DomainErrorKind } from '../common/domain.errors';

export { UserRole };
export const ROLES: readonly UserRole[] = [UserRole.Admin, UserRole.Editor, UserRole.Ops];

export function isRole(v: unknown): v is UserRole {
  return typeof v === 'string' && (ROLES as readonly string[]).includes(v);
}

/** Console sessions end 12 hours after login, whatever the activity (absolute, not sliding). */
export const SESSION_TTL_MS = 12 * 3600 * 1000;

/** The size of api_token.name: a longer (trimmed) name is refused. */
export const API_TOKEN_NAME_MAX_LENGTH = 100;

/** Personal API tokens start with this, so a leaked one is recognisable (secret scanners, logs). */
export const API_TOKEN_PREFIX = 'nlt_';

export interface UserView {
  id: number;
  email: string;
  role: UserRole;
  disabled: boolean;
  createdAt: string;
  /** Two-factor sign-in (TOTP) is set up. */
  twoFactor: boolean;
}

export interface ApiTokenView {
  id: number;
  userId: number;
  name: string;
  /** First characters of the token, to recognise it in a list. */
  prefix: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
  /** When the token stops working; null: never (until revoked). */
  expiresAt: string | null;
}

export interface CreatedApiToken extends ApiTokenView {
  /** The secret itself: returned once, never stored. */
  token: string;
}

/** Who a session cookie or API token belongs to. */
export interface AuthenticatedUser {
  userId: number;
  email: string;
  role: UserRole;
}

/** What a presented API token is: its owner, or why it does not work. */
export type ApiTokenLookup =
  | { ok: true; owner: AuthenticatedUser & { tokenId: number } }
  | { ok: false; reason: 'unknown' }
  | { ok: false; reason: 'expired'; expiredAt: string };

export interface SessionInfo extends AuthenticatedUser {
  csrfToken: string;
  expiresAt: Date;
}

export interface NewSession extends SessionInfo {
  /** Goes into the cookie; only its SHA-256 is stored. */
  token: string;
}

export type AccountsErrorKind = Extract<DomainErrorKind, 'invalid' | 'conflict' | 'not-found' | 'forbidden'>;

/** A refusal the caller can show as it is (each surface maps `kind` to its status, like every DomainError). */
export class AccountsError extends DomainError {
  constructor(
    message: string,
    readonly kind: AccountsErrorKind,
  ) {
    super(message);
  }
}
