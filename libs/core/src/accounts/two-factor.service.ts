import { AppConfig } from '@app/config';
import { Database } from '@app/database';
import { Injectable, Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { generateSecret, generateURI, verify } from 'otplib';
import { AccountsError } from './accounts.types';
import { keyedDigest, SecretBox } from './secret-box';
import { SessionRepository } from './session.repository';
import { type TwoFactorRecord, TwoFactorRepository } from './two-factor.repository';

export const RECOVERY_CODE_COUNT = 10;
/** 32 letters and digits without the look-alikes 0/o and 1/l: 5 bits a character, 50 bits a code. */
const RECOVERY_ALPHABET = 'abcdefghijkmnpqrstuvwxyz23456789';
const RECOVERY_LENGTH = 10;
/** One 30-second step either side of now: a phone clock a little off still works. */
const TOTP_TOLERANCE_SECONDS = 30;
const TOTP_CODE = /^\d{6}$/;
const RECOVERY_CODE = /^[a-z2-9]{10}$/;

export interface TwoFactorStatus {
  enabled: boolean;
  enabledAt: string | null;
  recoveryCodesLeft: number;
  resetAt: string | null;
}

/** A secret to enrol: shown once, as a QR code of `uri` and as text for typing it in. */
export interface Enrolment {
  secret: string;
  uri: string;
}

export type SecondFactorUsed = 'totp' | 'recovery-code';

function newRecoveryCode(): string {
  const bytes = randomBytes(RECOVERY_LENGTH);
  const code = [...bytes].map((b) => RECOVERY_ALPHABET[b & 31]).join('');
  return `${code.slice(0, 5)}-${code.slice(5)}`;
}

/** What the user typed, without spaces, dashes or case. */
function normalizeCode(code: string): string {
  return code.toLowerCase().replace(/[\s-]+/g, '');
}

/**
 * TOTP (RFC 6238, otplib: SHA-1, 6 digits, 30 s; what every authenticator app reads) as the console's
 * second factor, with ten single-use recovery codes. Secrets are encrypted at rest and shown only while
 * enrolling; an accepted time step is remembered so the same code cannot be used again; recovery codes are
 * kept as keyed digests and removed when used. API tokens never meet this: they are a factor of their own.
 */
@Injectable()
export class TwoFactorService {
  private readonly logger = new Logger(TwoFactorService.name);
  private readonly box: SecretBox;
  private readonly issuer: string;

  constructor(
    private readonly config: AppConfig,
    private readonly db: Database,
    private readonly repo: TwoFactorRepository,
    private readonly sessions: SessionRepository,
  ) {
    this.box = new SecretBox(config.secretKey, 'totp-secret');
    this.issuer = new URL(config.env.PUBLIC_URL).host;
  }

  /** Whether REQUIRE_2FA makes every console user enrol before their first session. */
  get required(): boolean {
    return this.config.env.REQUIRE_2FA;
  }

  async status(userId: number): Promise<TwoFactorStatus> {
    const r = await this.load(userId);
    return {
      enabled: r.totpSecret !== null,
      enabledAt: r.totpEnabledAt?.toISOString() ?? null,
      recoveryCodesLeft: r.totpSecret !== null ? Number(r.recoveryCodesLeft) : 0,
      resetAt: r.totpResetAt?.toISOString() ?? null,
    };
  }

  /** The secret to enrol (the unconfirmed one, else a fresh one). Refused while a factor is active. */
  async beginEnrolment(userId: number): Promise<Enrolment> {
    const r = await this.load(userId);
    if (r.totpSecret !== null) throw alreadyEnrolled();
    // the page drawn again (a mistyped code) shows the same secret: the app may have scanned it already
    const earlier = r.totpPendingSecret !== null ? this.box.open(r.totpPendingSecret) : undefined;
    const secret = earlier ?? generateSecret();
    if (earlier === undefined && !(await this.repo.setPending(userId, this.box.seal(secret))))
      throw alreadyEnrolled();
    return { secret, uri: generateURI({ issuer: this.issuer, label: r.email, secret }) };
  }

  /**
   * Confirms the enrolment with a code from the app; the answer is the recovery codes, in clear this once.
   */
  async confirmEnrolment(userId: number, code: string): Promise<string[]> {
    const r = await this.load(userId);
    if (r.totpSecret !== null) throw alreadyEnrolled();
    const secret = r.totpPendingSecret !== null ? this.box.open(r.totpPendingSecret) : undefined;
    if (secret === undefined || r.totpPendingSecret === null)
      throw new AccountsError('Start the set-up again: no QR code was shown for this account.', 'conflict');
    const step = await this.check(secret, normalizeCode(code));
    if (step === undefined)
      throw new AccountsError('That code is not right. Type the 6 digits your app shows now.', 'invalid');
    const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newRecoveryCode);
    const hashes = codes.map((c) => this.recoveryDigest(normalizeCode(c)));
    if (!(await this.repo.enable(userId, r.totpPendingSecret, step, hashes)))
      throw new AccountsError(
        'Start the set-up again: another set-up page replaced this QR code.',
        'conflict',
      );
    this.logger.log(`User ${userId} enrolled a second factor`);
    return codes;
  }

  /**
   * Checks a TOTP code or a recovery code; which one was used, or undefined (wrong, replayed, or no factor).
   * A code of a step already accepted is refused even within its window; a recovery code works once.
   */
  async verify(userId: number, code: string): Promise<SecondFactorUsed | undefined> {
    if (typeof code !== 'string' || code.length > 64) return undefined;
    const r = await this.repo.find(userId);
    if (!r || r.totpSecret === null) return undefined;
    const typed = normalizeCode(code);
    if (TOTP_CODE.test(typed)) {
      const secret = this.box.open(r.totpSecret);
      if (secret === undefined) {
        this.logger.error(`User ${userId}'s TOTP secret cannot be decrypted: was SECRET_KEY changed?`);
        return undefined;
      }
      const last = r.totpLastStep === null ? undefined : Number(r.totpLastStep);
      const step = await this.check(secret, typed, last);
      return step !== undefined && (await this.repo.acceptStep(userId, step)) ? 'totp' : undefined;
    }
    if (RECOVERY_CODE.test(typed) && (await this.repo.useRecoveryCode(userId, this.recoveryDigest(typed)))) {
      this.logger.warn(`User ${userId} signed in with a recovery code`);
      return 'recovery-code';
    }
    return undefined;
  }

  async isEnabled(userId: number): Promise<boolean> {
    return (await this.repo.find(userId))?.totpSecret != null;
  }

  /**
   * An admin's reset (lost phone): the second factor and recovery codes go, the user's sessions end, and the
   * reset is recorded (time and admin; null for the bootstrap token) and logged. The user enrols again, at
   * their next sign-in when REQUIRE_2FA is on.
   */
  async reset(userId: number, byUserId: number | null): Promise<TwoFactorStatus> {
    await this.db.transaction(async (tx) => {
      if (!(await this.repo.reset(userId, byUserId, tx)))
        throw new AccountsError('User not found', 'not-found');
      await this.sessions.deleteAllOf(userId, tx);
    });
    this.logger.warn(
      `Second factor of user ${userId} reset by ${byUserId === null ? 'the bootstrap token' : `user ${byUserId}`}`,
    );
    return this.status(userId);
  }

  private async load(userId: number): Promise<TwoFactorRecord> {
    const r = await this.repo.find(userId);
    if (!r) throw new AccountsError('User not found', 'not-found');
    return r;
  }

  /** The time step the code belongs to, or undefined; with `after`, steps up to it are refused. */
  private async check(secret: string, code: string, after?: number): Promise<number | undefined> {
    if (!TOTP_CODE.test(code)) return undefined;
    const result = await verify({
      secret,
      token: code,
      epochTolerance: TOTP_TOLERANCE_SECONDS,
      ...(after !== undefined ? { afterTimeStep: after } : {}),
    });
    return result.valid && 'timeStep' in result ? result.timeStep : undefined;
  }

  private recoveryDigest(normalized: string): string {
    return keyedDigest(this.config.secretKey, 'recovery-code', normalized);
  }
}

function alreadyEnrolled(): AccountsError {
  return new AccountsError('Two-factor sign-in is already set up for this account.', 'conflict');
}
