import { randomBytes, scrypt, type ScryptOptions, timingSafeEqual } from 'node:crypto';

/**
 * scrypt with N=2^16, r=8, p=1 (64 MiB, about 0.2 s on a 2-core VM): memory-hard, built into Node, so no
 * native addon. The parameters travel inside the stored string, so they can be raised later without
 * invalidating existing hashes (`needsRehash` says when to upgrade one at the next login).
 */
export const SCRYPT_PARAMS = { N: 2 ** 16, r: 8, p: 1, keyLength: 32, saltLength: 16 } as const;

export const PASSWORD_MIN_LENGTH = 12;
/** Long enough for any passphrase, short enough that hashing it cannot be used to burn CPU. */
export const PASSWORD_MAX_LENGTH = 1024;

const FORMAT = /^scrypt\$N=(\d+),r=(\d+),p=(\d+)\$([A-Za-z0-9_-]+)\$([A-Za-z0-9_-]+)$/;

function scryptAsync(
  password: string,
  salt: Buffer,
  keyLength: number,
  opts: ScryptOptions,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFKC'), salt, keyLength, opts, (err, key) =>
      err ? reject(err) : resolve(key),
    );
  });
}

function options(N: number, r: number, p: number): ScryptOptions {
  // Node's default maxmem (32 MiB) is below what N=2^16, r=8 needs (128 * N * r = 64 MiB).
  return { N, r, p, maxmem: 128 * N * r + 16 * 1024 * 1024 };
}

/** `scrypt$N=65536,r=8,p=1$<salt base64url>$<hash base64url>` */
export async function hashPassword(password: string): Promise<string> {
  const { N, r, p, keyLength, saltLength } = SCRYPT_PARAMS;
  const salt = randomBytes(saltLength);
  const key = await scryptAsync(password, salt, keyLength, options(N, r, p));
  return `scrypt$N=${N},r=${r},p=${p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

/** Constant-time comparison; false (never an exception) for a malformed or foreign stored value. */
export async function verifyPasswordHash(password: string, stored: string): Promise<boolean> {
  const m = FORMAT.exec(stored);
  if (!m) return false;
  const [N, r, p] = [Number(m[1]), Number(m[2]), Number(m[3])];
  // refuse absurd parameters from a tampered row instead of allocating gigabytes
  if (!(N >= 2 ** 10 && N <= 2 ** 20 && (N & (N - 1)) === 0 && r >= 1 && r <= 32 && p >= 1 && p <= 16))
    return false;
  const salt = Buffer.from(m[4]!, 'base64url');
  const expected = Buffer.from(m[5]!, 'base64url');
  if (expected.length < 16) return false;
  const actual = await scryptAsync(password, salt, expected.length, options(N, r, p));
  return timingSafeEqual(actual, expected);
}

export function needsRehash(stored: string): boolean {
  const m = FORMAT.exec(stored);
  return (
    !m ||
    Number(m[1]) !== SCRYPT_PARAMS.N ||
    Number(m[2]) !== SCRYPT_PARAMS.r ||
    Number(m[3]) !== SCRYPT_PARAMS.p
  );
}

/** Why a password is not acceptable, or undefined. */
export function passwordProblem(password: string): string | undefined {
  if (password.length < PASSWORD_MIN_LENGTH)
    return `Password must be at least ${PASSWORD_MIN_LENGTH} characters`;
  if (password.length > PASSWORD_MAX_LENGTH)
    return `Password must be at most ${PASSWORD_MAX_LENGTH} characters`;
  return undefined;
}
