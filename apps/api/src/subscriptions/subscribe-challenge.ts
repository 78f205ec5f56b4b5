import { AppConfig } from '@app/config';
import { BadRequestException, Injectable, Logger, ServiceUnavailableException } from '@nestjs/common';
import { type Challenge, createChallenge, randomInt, type Solution, verifySolution } from 'altcha-lib';
import { deriveKey } from 'altcha-lib/algorithms/pbkdf2';
import { createHmac } from 'node:crypto';
import { LimitMetrics } from '../limits/limit-metrics';
import { LimitStore, LimitStoreUnavailableError } from '../limits/limit-store';

/** The form field (and JSON property) that carries the solved challenge, the widget's default name. */
export const CHALLENGE_FIELD = 'altcha';
/** Where the widget (and a script) fetches a challenge. */
export const CHALLENGE_PATH = '/api/subscriptions/challenge';
const ALGORITHM = 'PBKDF2/SHA-256';

export const CHALLENGE_MISSING =
  'Please let the anti-robot check finish (it needs JavaScript) and submit again.';
const CHALLENGE_INVALID = 'The anti-robot check did not verify: please reload the page and try again.';
const CHALLENGE_EXPIRED = 'The anti-robot check has expired: please reload the page and try again.';
const CHALLENGE_REPLAYED = 'This anti-robot check was already used: please reload the page and try again.';

/** A submitted challenge that is refused; the message says what the reader or the script should do. */
export class ChallengeRefusedError extends BadRequestException {}

/**
 * The subscribe forms' proof of work (ALTCHA, altcha-lib): no third party, no cookie. The server hands out
 * challenges signed with a key derived from SECRET_KEY (so every API instance verifies every other's); the
 * reader's browser (the `altcha` widget) finds the counter whose PBKDF2 key starts with the signed prefix,
 * which costs it up to SUBSCRIBE_CHALLENGE_MAX_NUMBER × SUBSCRIBE_CHALLENGE_COST iterations and the server one
 * HMAC to check (deterministic mode: the key is signed at creation). Each solved challenge is accepted once:
 * its signature is remembered in Redis until the challenge expires, so a solved payload cannot be replayed by
 * a bot to sign up thousands of addresses.
 */
@Injectable()
export class SubscribeChallenge {
  private readonly logger = new Logger(SubscribeChallenge.name);
  private readonly signatureSecret: string;
  private readonly keySecret: string;

  constructor(
    private readonly config: AppConfig,
    private readonly store: LimitStore,
    private readonly metrics: LimitMetrics,
  ) {
    const derive = (label: string) => createHmac('sha256', config.secretKey).update(label).digest('hex');
    this.signatureSecret = derive('altcha-challenge-signature');
    this.keySecret = derive('altcha-challenge-key');
  }

  get enabled(): boolean {
    return this.config.env.SUBSCRIBE_CHALLENGE === 'pow';
  }

  /** A fresh challenge for the widget or a script. */
  create(): Promise<Challenge> {
    const { SUBSCRIBE_CHALLENGE_COST: cost, SUBSCRIBE_CHALLENGE_MAX_NUMBER: max } = this.config.env;
    return createChallenge({
      algorithm: ALGORITHM,
      cost,
      // at least half the maximum, so no challenge is nearly free
      counter: randomInt(Math.floor(max / 2), max),
      deriveKey,
      expiresAt: new Date(Date.now() + this.config.env.SUBSCRIBE_CHALLENGE_TTL_MS),
      hmacSignatureSecret: this.signatureSecret,
      hmacKeySignatureSecret: this.keySecret,
    });
  }

  /**
   * Accepts a solved challenge (the widget's base64 JSON payload) once; throws ChallengeRefusedError (400)
   * when it is missing, forged, wrong, expired or used before, ServiceUnavailableException (503) when Redis
   * cannot record it.
   */
  async accept(payload: unknown): Promise<void> {
    if (typeof payload !== 'string' || payload === '') throw new ChallengeRefusedError(CHALLENGE_MISSING);
    const parsed = decodePayload(payload);
    if (!parsed) throw new ChallengeRefusedError(CHALLENGE_INVALID);
    const { challenge, solution } = parsed;
    if (challenge.parameters.algorithm !== ALGORITHM) throw new ChallengeRefusedError(CHALLENGE_INVALID);
    const result = await verifySolution({
      challenge,
      solution,
      deriveKey,
      hmacSignatureSecret: this.signatureSecret,
      hmacKeySignatureSecret: this.keySecret,
    }).catch(() => undefined);
    if (result?.expired) throw new ChallengeRefusedError(CHALLENGE_EXPIRED);
    if (!result?.verified) throw new ChallengeRefusedError(CHALLENGE_INVALID);
    const expiresAt = challenge.parameters.expiresAt; // seconds; signed, so a client cannot extend it
    const rememberMs = Math.max(1000, (expiresAt ?? 0) * 1000 - Date.now() + 1000);
    let first: boolean;
    try {
      first = await this.store.claimOnce('challenge', challenge.signature ?? '', rememberMs);
    } catch (err) {
      if (!(err instanceof LimitStoreUnavailableError)) throw err;
      this.metrics.storeErrors.inc({ use: 'challenge' });
      this.logger.error(`a solved challenge could not be recorded: ${err.message}`);
      throw new ServiceUnavailableException(
        'Sign-up is unavailable for a moment (the anti-robot check cannot be recorded). Please try again shortly.',
      );
    }
    if (!first) throw new ChallengeRefusedError(CHALLENGE_REPLAYED);
  }
}

/** The widget's payload: base64 of {"challenge": {...}, "solution": {...}}; undefined when it is not that. */
function decodePayload(payload: string): { challenge: Challenge; solution: Solution } | undefined {
  if (payload.length > 4096) return undefined;
  try {
    const v = JSON.parse(Buffer.from(payload, 'base64').toString('utf8')) as unknown;
    if (typeof v !== 'object' || v === null) return undefined;
    const { challenge, solution } = v as { challenge?: Challenge; solution?: Solution };
    const params = challenge?.parameters;
    if (
      typeof params?.nonce !== 'string' ||
      typeof params.salt !== 'string' ||
      typeof params.keyPrefix !== 'string' ||
      typeof challenge?.signature !== 'string' ||
      typeof solution?.counter !== 'number' ||
      typeof solution.derivedKey !== 'string'
    ) {
      return undefined;
    }
    return { challenge, solution };
  } catch {
    return undefined;
  }
}
