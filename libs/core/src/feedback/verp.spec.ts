import { AppConfig, envSchema } from '@app/config';
import { VerpAddresses } from './verp';

function verp(extra: Record<string, string> = {}): VerpAddresses {
  return new VerpAddresses(
    new AppConfig(
      envSchema.parse({ SECRET_KEY: 'k'.repeat(40), MAIL_FROM: 'News <news@Example.ORG>', ...extra }),
    ),
  );
}

const UID = '6f1c1c2e-8f38-4c3f-9a7e-0d4b7a0c1a11';

describe('VERP and mailto-unsubscribe addresses', () => {
  it('defaults BOUNCE_DOMAIN to the MAIL_FROM domain, lowercased', () => {
    expect(verp().domain).toBe('example.org');
    expect(verp({ BOUNCE_DOMAIN: 'Bounces.Example.net' }).domain).toBe('bounces.example.net');
  });

  it('round-trips delivery and confirmation addresses, whatever the case on the way back', () => {
    const v = verp();
    const d = v.forDelivery(123456789);
    expect(d).toMatch(/^bounces\+d[0-9a-z]+-[a-z2-7]{16}@example\.org$/);
    expect(d.split('@')[0]!.length).toBeLessThanOrEqual(64);
    expect(v.parseRecipient(d)).toEqual({
      kind: 'bounce',
      subject: { kind: 'delivery', deliveryId: 123456789 },
    });
    expect(v.parseRecipient(d.toUpperCase())).toEqual(v.parseRecipient(d));
    expect(v.parseRecipient(v.forConfirmation(42))).toEqual({
      kind: 'bounce',
      subject: { kind: 'confirmation', subscriberId: 42 },
    });
  });

  it('keeps the longest local parts within 64 characters', () => {
    const v = verp();
    const max = 2 ** 31 - 1;
    for (const a of [v.forDelivery(Number.MAX_SAFE_INTEGER), v.unsubscribeAddress(max, UID, max)]) {
      expect(a.slice(0, a.lastIndexOf('@')).length).toBeLessThanOrEqual(64);
    }
  });

  it('refuses forged, altered, truncated and foreign tokens', () => {
    const v = verp();
    const d = v.forDelivery(77);
    const local = d.slice(0, d.indexOf('@'));
    const other = verp({ SECRET_KEY: 'z'.repeat(40) }).forDelivery(77);
    for (const bad of [
      other.replace(/@.*/, '@example.org'), // another deployment's key
      d.replace('bounces+d', 'bounces+c'), // delivery token presented as a confirmation
      `${local.slice(0, -1)}${local.endsWith('a') ? 'b' : 'a'}@example.org`, // MAC changed
      `${local.slice(0, -1)}@example.org`, // truncated
      `${local}a@example.org`, // padded
      d.replace('example.org', 'example.net'), // another domain
      `${local.replace('d', 'd0')}@example.org`, // leading zero id
      'bounces+@example.org',
      'bounces+d1-@example.org',
      'someone@example.org',
      `${'a'.repeat(400)}@example.org`,
    ]) {
      expect({ bad, parsed: v.parseRecipient(bad) }).toEqual({ bad, parsed: null });
    }
  });

  it('ties the unsubscribe address to the subscriber uid and the campaign', () => {
    const v = verp();
    const a = v.unsubscribeAddress(42, UID, 7);
    expect(a).toMatch(/^unsubscribe\+u16-7-[a-z2-7]{16}@example\.org$/);
    const parsed = v.parseRecipient(a.toUpperCase());
    expect(parsed?.kind).toBe('unsubscribe');
    if (parsed?.kind !== 'unsubscribe') throw new Error('not an unsubscribe address');
    expect(parsed.claim.subscriberId).toBe(42);
    expect(parsed.claim.campaignId).toBe(7);
    expect(parsed.claim.matches(UID)).toBe(true);
    expect(parsed.claim.matches(UID.toUpperCase())).toBe(true);
    // erasure rotates the uid: the old address unsubscribes nobody
    expect(parsed.claim.matches('0b3a6b4e-1f2d-4e5f-8a9b-112233445566')).toBe(false);
    // another reader's id with this MAC
    const swapped = v.parseRecipient(a.replace('u16-', 'u17-'));
    if (swapped?.kind !== 'unsubscribe') throw new Error('parsed');
    expect(swapped.claim.matches(UID)).toBe(false);
    expect(v.unsubscribeAddress(42, UID)).toMatch(/^unsubscribe\+u16-0-/);
  });

  it('accepts the service mailboxes and nothing else of the domain', () => {
    const v = verp();
    expect(v.parseRecipient('Postmaster@example.org')).toEqual({ kind: 'service', mailbox: 'postmaster' });
    expect(v.parseRecipient('abuse@example.org')).toEqual({ kind: 'service', mailbox: 'abuse' });
    expect(v.parseRecipient('news@example.org')).toBeNull();
  });
});
