import { hashPassword, needsRehash, passwordProblem, verifyPasswordHash } from './password.hasher';

describe('password hasher (scrypt)', () => {
  it('verifies the right password and rejects a wrong one', async () => {
    const stored = await hashPassword('correct horse battery staple');
    expect(stored).toMatch(/^scrypt\$N=65536,r=8,p=1\$[\w-]{22}\$[\w-]{43}$/);
    await expect(verifyPasswordHash('correct horse battery staple', stored)).resolves.toBe(true);
    await expect(verifyPasswordHash('correct horse battery stapler', stored)).resolves.toBe(false);
    expect(needsRehash(stored)).toBe(false);
  });

  it('salts every hash', async () => {
    expect(await hashPassword('same password here')).not.toBe(await hashPassword('same password here'));
  });

  it('treats unicode passwords by their NFKC form', async () => {
    const stored = await hashPassword('Ångström-password');
    await expect(verifyPasswordHash('A\u030Angstro\u0308m-password', stored)).resolves.toBe(true);
  });

  it('rejects malformed or tampered stored values without throwing', async () => {
    const stored = await hashPassword('correct horse battery staple');
    await expect(verifyPasswordHash('x', '')).resolves.toBe(false);
    await expect(verifyPasswordHash('x', 'bcrypt$2b$10$abc')).resolves.toBe(false);
    // a tampered cost parameter must not make the server allocate gigabytes
    await expect(verifyPasswordHash('x', stored.replace('N=65536', 'N=1073741824'))).resolves.toBe(false);
    await expect(verifyPasswordHash('x', stored.replace('N=65536', 'N=65535'))).resolves.toBe(false);
    // the parameters are part of the hash: changing them breaks it, and older ones are flagged for upgrade
    const weak = stored.replace('N=65536', 'N=16384');
    await expect(verifyPasswordHash('correct horse battery staple', weak)).resolves.toBe(false);
    expect(needsRehash(weak)).toBe(true);
  });

  it('explains what is wrong with a password', () => {
    expect(passwordProblem('short')).toBe('Password must be at least 12 characters');
    expect(passwordProblem('x'.repeat(1025))).toBe('Password must be at most 1024 characters');
    expect(passwordProblem('twelve chars')).toBeUndefined();
  });
});
